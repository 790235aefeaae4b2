/**
 * The floor for bench/escalation.ts: the least a workflow can do to wait on a timer and then
 * reach an activity. With `announce`, it first runs the activity once (as an incident pages its
 * first level) and only then waits, so an open floor workflow holds what an open incident holds
 * at the least: a finished activity and a pending timer.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';

export interface EscalationFloorActivities {
  /** `plannedAtMs` is when the timer was due (workflow time); 0 for the announcing call. */
  fired(key: string, plannedAtMs: number): Promise<void>;
}

const { fired } = proxyActivities<EscalationFloorActivities>({ startToCloseTimeout: '30s' });

export async function escalationFloorWorkflow(key: string, sleepMs: number, announce: boolean): Promise<void> {
  if (announce) await fired(key, 0);
  const plannedAtMs = Date.now() + sleepMs;
  await sleep(sleepMs);
  await fired(key, plannedAtMs);
}
