/**
 * Incidents' chat rooms as the API reads them (#16): which incident a room is for (a command typed
 * there without a code) and each incident's room (the dashboard's link). The worker records rooms in
 * its SQL store, which the API shares only with `DATABASE_URL`; each incident's chat side also shows
 * its room in Temporal visibility (`workflows/incidentChat.ts`), which every API replica reaches
 * whatever its store (decision 79). The store answers first, being current the moment a room opens;
 * visibility answers what it does not know, as with the embedded store of `npm start`.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { incidentChatWorkflowId } from '../../domain/chat/chatEvents';
import type { ChatPlatformId, IncidentRoom } from '../../domain/chat/platform';
import { decodeIncidentId } from '../../domain/incidentId';
import { CHAT_ROOM_MEMO_KEY, chatRoomKey, INCIDENT_CHAT_WORKFLOW_TYPE, searchAttributes, type ChatRoomMemo } from '../../domain/visibility';
import type { VigilConfig } from '../../domain/config';
import type { ChatRecords } from '../../platform/chatRecords';
import { listRawRuns } from './rawVisibility';
import { quote } from './temporalGateway';

export type ChatRoomDirectory = Pick<ChatRecords, 'roomOf' | 'roomsOf' | 'incidentOfRoom'>;
type KnownRoom = IncidentRoom & { archived: boolean };

/** Chat workflow ids per visibility listing: a page of dashboard rows is a few of these. */
const IDS_PER_LISTING = 100;
const RUNNING = proto.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;

function roomMemoOf(memo: Record<string, unknown> | undefined): ChatRoomMemo | undefined {
  const value = memo?.[CHAT_ROOM_MEMO_KEY] as Partial<ChatRoomMemo> | undefined;
  return value && typeof value.incidentId === 'string' && typeof value.platform === 'string' && typeof value.channelId === 'string' ? (value as ChatRoomMemo) : undefined;
}

function roomFrom(memo: ChatRoomMemo, running: boolean): KnownRoom {
  // Archiving is the chat side's last act: a room whose chat side has ended is archived.
  return { platform: memo.platform as ChatPlatformId, channelId: memo.channelId, ...(memo.url ? { url: memo.url } : {}), archived: !running };
}

/** Every run matching `query` with only its room memo decoded (decision 87: the SDK's list decrypts every memo field). */
async function listRooms(client: Client, query: string, limit?: number): Promise<Array<{ workflowId: string; running: boolean; memo?: ChatRoomMemo }>> {
  const runs: Array<{ workflowId: string; running: boolean; memo?: ChatRoomMemo }> = [];
  for await (const page of listRawRuns(client, query, [CHAT_ROOM_MEMO_KEY], { limit })) {
    for (const { execution, memo } of page) {
      const running = execution.status === RUNNING;
      runs.push({ workflowId: execution.execution?.workflowId ?? '', running, memo: roomMemoOf(memo) });
    }
  }
  return runs;
}

/** The rooms as incidents' chat sides show them in Temporal visibility. */
export function temporalChatRooms(client: Client, deadlineMs = 5_000): ChatRoomDirectory {
  const withDeadline = <T>(call: () => Promise<T>) => client.connection.withDeadline(Date.now() + deadlineMs, call);
  return {
    async roomOf(incidentId) {
      const ref = decodeIncidentId(incidentId);
      if (!ref) return undefined;
      try {
        const description = await withDeadline(() => client.workflow.getHandle(incidentChatWorkflowId(ref.runId)).describe());
        const memo = roomMemoOf(description.memo);
        return memo?.incidentId === incidentId ? roomFrom(memo, description.status.name === 'RUNNING') : undefined;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
    },
    async roomsOf(incidentIds) {
      const byWorkflowId = new Map<string, string>();
      for (const incidentId of incidentIds) {
        const ref = decodeIncidentId(incidentId);
        if (ref) byWorkflowId.set(incidentChatWorkflowId(ref.runId), incidentId);
      }
      const ids = [...byWorkflowId.keys()];
      const chunks = Array.from({ length: Math.ceil(ids.length / IDS_PER_LISTING) }, (_, index) => ids.slice(index * IDS_PER_LISTING, (index + 1) * IDS_PER_LISTING));
      const listed = await Promise.all(
        chunks.map((chunk) => withDeadline(() => listRooms(client, `WorkflowType = ${quote(INCIDENT_CHAT_WORKFLOW_TYPE)} AND WorkflowId IN (${chunk.map(quote).join(', ')})`))),
      );
      const rooms = new Map<string, KnownRoom>();
      // A chat side that continued as new is listed once per run: any run shows the room, a running one says it is not archived.
      for (const run of listed.flat()) {
        const { memo } = run;
        const incidentId = byWorkflowId.get(run.workflowId);
        if (!memo || memo.incidentId !== incidentId) continue;
        const running = run.running || rooms.get(incidentId)?.archived === false;
        rooms.set(incidentId, roomFrom(memo, running));
      }
      return rooms;
    },
    async incidentOfRoom(platform, channelId) {
      const query = `WorkflowType = ${quote(INCIDENT_CHAT_WORKFLOW_TYPE)} AND ${searchAttributes.chatRoom.name} = ${quote(chatRoomKey({ platform, channelId }))}`;
      for (const run of await withDeadline(() => listRooms(client, query, 10))) if (run.memo) return run.memo.incidentId;
      return undefined;
    },
  };
}

/** The store first; what it does not know, from `fallback` (visibility). */
export function chatRoomsFrom(store: ChatRoomDirectory, fallback: ChatRoomDirectory): ChatRoomDirectory {
  return {
    roomOf: async (incidentId) => (await store.roomOf(incidentId)) ?? fallback.roomOf(incidentId),
    async roomsOf(incidentIds) {
      const found = await store.roomsOf(incidentIds);
      const missing = incidentIds.filter((incidentId) => !found.has(incidentId));
      if (missing.length === 0) return found;
      return new Map([...found, ...(await fallback.roomsOf(missing))]);
    },
    incidentOfRoom: async (platform, channelId) => (await store.incidentOfRoom(platform, channelId)) ?? fallback.incidentOfRoom(platform, channelId),
  };
}

/**
 * The API's rooms: its store, then visibility. Where no rule opens rooms, no chat side shows one,
 * so visibility is not asked (a dashboard page costs no listing for nothing).
 */
export function chatRoomsFor(config: VigilConfig, store: ChatRoomDirectory, client: Client): ChatRoomDirectory {
  return config.incidentRooms.length > 0 ? chatRoomsFrom(store, temporalChatRooms(client)) : store;
}
