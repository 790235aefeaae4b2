/**
 * The chat side of one incident (#16), started by the incident workflow as an abandoned child on
 * its first chat event and fed the rest by signal (decision 65). It posts the incident card to the
 * team channels of each level paged and to the direct messages of people who asked for them,
 * updates every card as the incident changes, opens the incident's room (at once or on request),
 * invites the paged and the commander, keeps the topic on the status, mirrors the timeline, and
 * archives the room once the review is completed or its rule's time after resolution has passed.
 * Each event is applied once, in order; platform calls retry with backoff, and a platform that
 * stays down costs its own messages, never the incident or the other platforms' turn.
 */
import { condition, continueAsNew, log, patched, proxyActivities, setHandler, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { IncidentChatActivities } from '../activities/chat/incidentChat';
import { chatEventSignal, chatReviewCompletedSignal, chatRoomQuery, chatRoomRequestSignal } from '../contracts/incidentChat';
import type { ChatEvent, IncidentChatInput, IncidentChatState } from '../domain/chat/chatEvents';
import { roomName } from '../domain/chat/chatEvents';
import { cardAfter, timelineLine, topicOf } from '../domain/chat/chatText';
import type { IncidentRoom } from '../domain/chat/platform';
import { CHAT_ROOM_MEMO_KEY, chatRoomKey, searchAttributes, type ChatRoomMemo } from '../domain/visibility';

/** About ten minutes of attempts: long enough for a platform's blip, short enough that later events still come in time. */
const chat = proxyActivities<IncidentChatActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 8 },
});

/** Marks histories whose chat side shows its room in visibility; none older does. */
const ROOM_VISIBILITY_PATCH = 'chat-room-visibility';

/**
 * Shows the room in this run's search attributes and memo, so any API replica links the dashboard
 * to it and finds the incident a room is for, with no store shared with the worker (decision 79).
 */
function publishRoom(incidentId: string, room: IncidentRoom): void {
  if (!patched(ROOM_VISIBILITY_PATCH)) return;
  upsertSearchAttributes([{ key: searchAttributes.chatRoom, value: chatRoomKey(room) }]);
  const memo: ChatRoomMemo = { incidentId, platform: room.platform, channelId: room.channelId, ...(room.url ? { url: room.url } : {}) };
  upsertMemo({ [CHAT_ROOM_MEMO_KEY]: memo });
}

/** Marks histories whose cards offer a button that opens the room (rules with `open: 'request'`). */
const ROOM_BUTTON_PATCH = 'chat-room-button';

/** Well under Temporal's limits; a long incident's chat side moves to a fresh run. */
const HISTORY_LIMIT = 2_000;

function initialState(input: IncidentChatInput): IncidentChatState {
  const first = input.events[0];
  return {
    nextSequence: first?.sequence ?? 0,
    early: [...input.events],
    card: cardAfter(undefined, first),
    pagedIds: [],
    roomRequested: false,
    levelsPosted: [],
    timeline: [],
    reviewCompleted: false,
  };
}

export async function incidentChatWorkflow(input: IncidentChatInput): Promise<{ room?: IncidentRoom }> {
  const { plan } = input;
  const state = input.carried ?? initialState(input);
  setHandler(chatEventSignal, (event) => {
    // A signal sent twice (a reset of the incident replayed it) is applied once.
    if (event.sequence >= state.nextSequence && !state.early.some((held) => held.sequence === event.sequence)) state.early.push(event);
  });
  setHandler(chatRoomRequestSignal, () => {
    state.roomRequested = true;
  });
  setHandler(chatReviewCompletedSignal, () => {
    state.reviewCompleted = true;
  });
  setHandler(chatRoomQuery, () => state.room);
  // A run continued from one with a room shows it too (a new run starts with what it is given).
  if (input.carried?.room) publishRoom(state.card.incidentId, input.carried.room);

  /** A platform call whose failure (after its retries) is logged and costs only itself. */
  async function attempt(what: string, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      log.warn('chat call failed', { what, incident: state.card.code, error: (error as Error).message });
      return false;
    }
  }

  /** Cards offer "Open incident channel" while the rule opens the room on request, none is open and the incident is. */
  const offerRoom = (): { offerRoom?: true } => (plan.room?.open === 'request' && !state.room && state.resolvedAtMs === undefined && patched(ROOM_BUTTON_PATCH) ? { offerRoom: true } : {});

  const roomMembers = (): string[] => {
    const invite = plan.room?.invite ?? [];
    return [...new Set([...(invite.includes('responders') ? state.pagedIds : []), ...(invite.includes('commander') && state.commanderId ? [state.commanderId] : [])])];
  };

  async function openRoom(timeline: string[]): Promise<void> {
    if (!plan.room || state.room) return;
    const { platform } = plan.room;
    await attempt('open room', async () => {
      state.room = await chat.openIncidentRoom({ incidentId: state.card.incidentId, platform, name: roomName(state.card), topic: topicOf(state.card), members: roomMembers() });
    });
    if (!state.room) return;
    const room = state.room;
    publishRoom(state.card.incidentId, room);
    // Opened on request: the cards stop offering to open it.
    if (plan.room.open === 'request' && patched(ROOM_BUTTON_PATCH)) await attempt('update cards', () => chat.updateIncidentCards({ card: state.card }));
    await attempt('post card in room', () => chat.postIncidentCards({ card: state.card, targets: [{ room }] }));
    if (timeline.length) await attempt('mirror into room', () => chat.mirrorToRoom({ room, text: timeline.join('\n') }));
  }

  /** Timeline lines kept for a room opened later. */
  const KEPT_LINES = 100;

  async function apply(event: ChatEvent): Promise<void> {
    const before = state.card;
    state.card = cardAfter(before, event);
    const line = timelineLine(event);
    if (line) state.timeline = [...state.timeline, line].slice(-KEPT_LINES);
    const newMembers: string[] = [];
    const page = event.details.page;
    if (event.type === 'incident.paged' && page && !state.pagedIds.includes(page.responderId)) {
      state.pagedIds.push(page.responderId);
      if (plan.room?.invite.includes('responders')) newMembers.push(page.responderId);
    }
    if (event.commander && event.commander.id !== state.commanderId) {
      state.commanderId = event.commander.id;
      if (plan.room?.invite.includes('commander')) newMembers.push(event.commander.id);
    }
    if (event.type === 'incident.opened' && plan.room?.open === 'incident') await openRoom(state.timeline);
    else if (state.room && line) {
      const room = state.room;
      await attempt('mirror into room', () => chat.mirrorToRoom({ room, text: line }));
    }
    if (state.room && newMembers.length) {
      const room = state.room;
      await attempt('invite', () => chat.inviteToRoom({ room, members: newMembers }));
    }
    if (event.type === 'incident.paged' && page) {
      const targets = [
        ...(state.levelsPosted.includes(page.level) ? [] : (plan.levelChannels[page.level - 1] ?? []).map((channel) => ({ channel }))),
        ...(plan.direct ? [{ contact: page.responderId }] : []),
      ];
      if (!state.levelsPosted.includes(page.level)) state.levelsPosted.push(page.level);
      if (targets.length) await attempt('post cards', () => chat.postIncidentCards({ card: state.card, targets, ...offerRoom() }));
    }
    if (JSON.stringify(before) !== JSON.stringify(state.card)) {
      await attempt('update cards', () => chat.updateIncidentCards({ card: state.card, ...offerRoom() }));
      if (state.room && (before.status !== state.card.status || before.commander !== state.card.commander)) {
        const room = state.room;
        await attempt('set topic', () => chat.mirrorToRoom({ room, topic: topicOf(state.card) }));
      }
    }
    if (event.type === 'incident.resolved') state.resolvedAtMs = Date.now();
  }

  const nextEvent = (): ChatEvent | undefined => state.early.find((event) => event.sequence === state.nextSequence);
  const historyIsLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= HISTORY_LIMIT;
  const roomWanted = () => plan.room !== undefined && !state.room && state.roomRequested && state.resolvedAtMs === undefined;

  for (;;) {
    const closing = state.resolvedAtMs !== undefined && state.early.length === 0;
    // Without a room there is nothing left to do once the incident is resolved.
    if (closing && !state.room) break;
    const archiveDueMs = (state.resolvedAtMs ?? 0) + (plan.room?.archiveAfterSeconds ?? 0) * 1000;
    const ready = () => nextEvent() !== undefined || roomWanted() || (closing && state.reviewCompleted) || historyIsLong();
    const woke = closing ? archiveDueMs > Date.now() && (await condition(ready, archiveDueMs - Date.now())) : (await condition(ready), true);
    const event = nextEvent();
    if (event) {
      state.early = state.early.filter((held) => held !== event);
      state.nextSequence += 1;
      await apply(event);
      continue;
    }
    if (roomWanted()) {
      await openRoom(state.timeline);
      continue;
    }
    if (closing && (state.reviewCompleted || !woke)) break;
    if (historyIsLong()) await continueAsNew<typeof incidentChatWorkflow>({ ...input, events: [], carried: state });
  }
  if (state.room) {
    const room = state.room;
    await attempt('archive room', () => chat.archiveIncidentRoom({ incidentId: state.card.incidentId, room }));
  }
  return state.room ? { room: state.room } : {};
}
