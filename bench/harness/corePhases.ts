/**
 * Where one run's time went between a request and its first page, read from the workflow's
 * history (server clock, same host as the bench): the start call, each workflow task before the
 * page was scheduled (waiting for a poller, then running on the worker), the page activity's wait
 * for a poller, and its run up to the transport. `BENCH_PHASES=1 npm run bench:core` prints the
 * medians of each phase for the floor and for Vigil side by side.
 */
import type { Client } from '@temporalio/client';
import { percentile } from './stats';
import { msOf, type Timestamp } from './timestamps';

export interface RunTimes {
  workflowId: string;
  runId?: string;
  /** Wall-clock ms (Date) when the request (or the floor's start call) was made. */
  sentAt: number;
  /** When the caller had its answer (HTTP 202, or the start call's return). */
  answeredAt: number;
  /** When the transport saw the page (the floor: when its activity ran). */
  pagedAt: number;
  /** The activity type that is the page (the floor's `touch`, Vigil's delivery). */
  pageActivity: string;
}

export interface Phases {
  /** Request sent → WorkflowExecutionStarted on the server. */
  toStarted: number;
  /** Request sent → the caller's answer. */
  answered: number;
  /** Workflow tasks completed before (and including) the one that scheduled the page. */
  tasksBeforePage: number;
  /** Sum over those tasks of scheduled → started (waiting for a workflow poller). */
  taskQueueWait: number;
  /** Sum over those tasks of started → completed (the worker running workflow code). */
  taskRun: number;
  /** Activities and local activities that completed before the page was scheduled. */
  activitiesBeforePage: number;
  /** Time between tasks spent on those activities (completed task → next task scheduled). */
  betweenTasks: number;
  /** Page scheduled → page activity started (waiting for an activity poller). */
  activityQueueWait: number;
  /** Page activity started → the transport saw it. */
  activityToTransport: number;
  /** Request sent → page. */
  total: number;
}

export async function phasesOf(client: Client, run: RunTimes): Promise<Phases | undefined> {
  const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
  let startedAt = Number.NaN;
  const taskScheduled = new Map<string, number>();
  const taskStarted = new Map<string, { at: number; scheduledId: string }>();
  let tasks = 0;
  let taskQueueWait = 0;
  let taskRun = 0;
  let activities = 0;
  let lastCompletedAt = Number.NaN;
  let betweenTasks = 0;
  let pageScheduledAt = Number.NaN;
  let pageStartedAt = Number.NaN;
  let pageScheduledId: string | undefined;
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    const time = msOf(event.eventTime as Timestamp);
    if (event.workflowExecutionStartedEventAttributes) startedAt = time;
    if (!Number.isNaN(pageScheduledAt)) {
      const started = event.activityTaskStartedEventAttributes;
      if (started && String(started.scheduledEventId) === pageScheduledId) {
        pageStartedAt = time;
        break;
      }
      continue;
    }
    if (event.workflowTaskScheduledEventAttributes) {
      taskScheduled.set(id, time);
      if (!Number.isNaN(lastCompletedAt)) betweenTasks += time - lastCompletedAt;
    }
    const started = event.workflowTaskStartedEventAttributes;
    if (started) taskStarted.set(id, { at: time, scheduledId: String(started.scheduledEventId) });
    const completed = event.workflowTaskCompletedEventAttributes;
    if (completed) {
      const start = taskStarted.get(String(completed.startedEventId));
      if (start) {
        tasks += 1;
        taskQueueWait += start.at - (taskScheduled.get(start.scheduledId) ?? start.at);
        taskRun += time - start.at;
      }
      lastCompletedAt = time;
    }
    if (event.activityTaskCompletedEventAttributes) activities += 1;
    if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') activities += 1;
    const activity = event.activityTaskScheduledEventAttributes;
    if (activity && activity.activityType?.name === run.pageActivity) {
      pageScheduledAt = time;
      pageScheduledId = id;
    }
  }
  if (Number.isNaN(pageStartedAt)) return undefined;
  return {
    toStarted: startedAt - run.sentAt,
    answered: run.answeredAt - run.sentAt,
    tasksBeforePage: tasks,
    taskQueueWait,
    taskRun,
    activitiesBeforePage: activities,
    betweenTasks,
    activityQueueWait: pageStartedAt - pageScheduledAt,
    activityToTransport: run.pagedAt - pageStartedAt,
    total: run.pagedAt - run.sentAt,
  };
}

/** One line per phase: the floor's median beside Vigil's. */
export function phaseTable(floor: Phases[], vigil: Phases[]): string {
  const names = Object.keys(floor[0] ?? vigil[0] ?? {}) as Array<keyof Phases>;
  const median = (rows: Phases[], name: keyof Phases) => percentile(rows.map((row) => row[name]), 50);
  const lines = [`${'phase (median)'.padEnd(24)} ${'floor'.padStart(8)} ${'vigil'.padStart(8)}`];
  for (const name of names) lines.push(`${name.padEnd(24)} ${median(floor, name).toFixed(1).padStart(8)} ${median(vigil, name).toFixed(1).padStart(8)}`);
  return lines.join('\n');
}

/** One run's history as lines (ms from its start, event type, activity type or marker), to see what a run does. */
export async function historyLines(client: Client, workflowId: string, runId?: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = history.events ?? [];
  const start = msOf(events[0]?.eventTime as Timestamp);
  return events
    .map((event) => {
      const what =
        event.activityTaskScheduledEventAttributes?.activityType?.name ??
        event.markerRecordedEventAttributes?.markerName ??
        event.workflowExecutionSignaledEventAttributes?.signalName ??
        '';
      return `${(msOf(event.eventTime as Timestamp) - start).toFixed(1).padStart(8)}  ${String(event.eventType).padStart(3)} ${Object.keys(event).find((key) => key.endsWith('EventAttributes') && (event as Record<string, unknown>)[key]) ?? ''} ${what}`;
    })
    .join('\n');
}
