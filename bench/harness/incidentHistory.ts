/**
 * What an incident's history says about a crash trial, read from the server (so it needs no
 * worker): when the workflow started, when each level escalated (the workflow's clock), what each
 * page activity returned, and what timed out or was retried after a kill.
 */
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { msOf, type Timestamp } from './timestamps';

export interface HistoryFacts {
  startedAt: number;
  /**
   * Per level (index 0 = level 1): the workflow time at which its page was scheduled, i.e. when the
   * level escalated (the start of the workflow task that scheduled the page; the workflow's clock).
   */
  escalatedAt: number[];
  /** Page outcomes the activities returned ("L2 bob: sent via smtp", "… already sent", "… failed"). */
  outcomes: string[];
  /** Workflow tasks whose sticky worker never took them (SCHEDULE_TO_START). */
  stickyTimeouts: number;
  /** Workflow tasks started by a worker that died before completing them (START_TO_CLOSE). */
  taskTimeouts: number;
  /** Activities that ran more than once: "deliverNotification page L2 bob (attempt 2)". */
  retriedActivities: string[];
}

export function noFacts(levels: number): HistoryFacts {
  return { startedAt: Number.NaN, escalatedAt: Array.from({ length: levels }, () => Number.NaN), outcomes: [], stickyTimeouts: 0, taskTimeouts: 0, retriedActivities: [] };
}

/** A JSON payload of the history, decrypted first. */
async function decodePayload<T>(codec: PayloadCodec, payload: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null } | null | undefined): Promise<T | undefined> {
  try {
    const [opened] = payload ? await codec.decode([payload]) : [];
    return opened?.data ? (JSON.parse(Buffer.from(opened.data).toString('utf8')) as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the incident's history says: when it started, when each level escalated, what each page
 * activity returned, and what timed out or was retried. Read from the server, so it needs no worker.
 */
export async function historyFacts(client: Client, codec: PayloadCodec, levels: number, workflowId: string, runId: string): Promise<HistoryFacts> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const facts = noFacts(levels);
  const taskStartedAt = new Map<string, number>();
  const taskStartedBy = new Map<string, string>();
  const scheduled = new Map<string, { what: string; label?: string }>();
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    const time = msOf(event.eventTime as Timestamp);
    if (event.workflowExecutionStartedEventAttributes) facts.startedAt = time;
    if (event.workflowTaskStartedEventAttributes) taskStartedAt.set(id, time);
    const completedTask = event.workflowTaskCompletedEventAttributes;
    if (completedTask) taskStartedBy.set(id, String(completedTask.startedEventId));
    const timedOut = event.workflowTaskTimedOutEventAttributes;
    if (timedOut) {
      if (Number(timedOut.timeoutType) === 2) facts.stickyTimeouts += 1;
      else facts.taskTimeouts += 1;
    }
    const activity = event.activityTaskScheduledEventAttributes;
    if (activity) {
      let what = activity.activityType?.name ?? 'activity';
      let label: string | undefined;
      const request = await decodePayload<{ kind?: string; responder?: { id?: string }; incident?: { level?: number } }>(codec, activity.input?.payloads?.[0]);
      if (request?.kind) {
        what += ` ${request.kind} L${request.incident?.level} ${request.responder?.id}`;
        const level = request.incident?.level ?? 0;
        if (request.kind === 'page' && level >= 1 && level <= levels) {
          label = `L${level} ${request.responder?.id}`;
          const taskStarted = taskStartedBy.get(String(activity.workflowTaskCompletedEventId));
          const at = taskStarted ? taskStartedAt.get(taskStarted) : undefined;
          if (at !== undefined && Number.isNaN(facts.escalatedAt[level - 1])) facts.escalatedAt[level - 1] = at;
        }
      }
      scheduled.set(id, { what, label });
    }
    const startedActivity = event.activityTaskStartedEventAttributes;
    if (startedActivity && (startedActivity.attempt ?? 1) > 1) {
      facts.retriedActivities.push(`${scheduled.get(String(startedActivity.scheduledEventId))?.what ?? 'activity'} (attempt ${startedActivity.attempt})`);
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const label = (scheduledId: unknown) => scheduled.get(String(scheduledId))?.label;
    if (completed && label(completed.scheduledEventId)) facts.outcomes.push(`${label(completed.scheduledEventId)}: ${(await decodePayload<string>(codec, completed.result?.payloads?.[0])) ?? '?'}`);
    const failedActivity = event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
    if (failedActivity && label(failedActivity.scheduledEventId)) facts.outcomes.push(`${label(failedActivity.scheduledEventId)}: failed: ${failedActivity.failure?.message ?? '?'}`);
  }
  return facts;
}
