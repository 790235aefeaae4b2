/** The incident's quiet waits: the flap pause before paging, and the wait while acknowledged. */
import { condition } from '@temporalio/workflow';
import { handOver, waitQuietly } from './handOver';
import type { IncidentRun } from './run';
import { publishStatus } from './visibility';

/**
 * The flap filter: no runbook and no page until the pause is over. An incident whose alerts all
 * resolve meanwhile closes having woken nobody; a storm during the pause hands over as usual.
 */
export async function flapPause(run: IncidentRun, untilMs: number): Promise<void> {
  const { incident } = run;
  const settled = () => incident.status !== 'triggered' || incident.allAlertsResolved;
  for (;;) {
    const remaining = untilMs - Date.now();
    if (remaining <= 0 || settled()) break;
    await condition(() => settled() || run.historyIsLong(), remaining);
    if (settled() || !run.historyIsLong()) break;
    await handOver(run, { stage: 'pausing', pauseUntilMs: untilMs });
  }
  if (incident.isOpen && incident.allAlertsResolved) {
    const seconds = run.resolution?.flapPauseSeconds ?? 0;
    if (incident.resolve('flap filter', new Date(), `its source reported it resolved within the ${seconds} s pause before paging; nobody was paged`)) publishStatus(run);
  }
}

/**
 * While acknowledged: until resolved, a manual escalate, or (with an ack timeout) the timeout.
 * @returns why the wait ended.
 */
export async function waitWhileAcknowledged(run: IncidentRun, ackDueAtMs: number | undefined): Promise<'resolved' | 'escalate' | 'timeout'> {
  const { incident } = run;
  const done = () => !incident.isOpen || incident.status === 'triggered' || run.escalateRequested || run.restartRequested !== undefined;
  const outcome = () => (!incident.isOpen ? 'resolved' : 'escalate');
  if (ackDueAtMs === undefined) {
    await waitQuietly(run, done, () => ({ stage: 'acknowledged' }));
    return outcome();
  }
  for (;;) {
    const remaining = ackDueAtMs - Date.now();
    if (remaining <= 0) return 'timeout';
    const woke = await condition(() => done() || run.historyIsLong(), remaining);
    if (done()) return outcome();
    if (!woke) return 'timeout';
    await handOver(run, { stage: 'acknowledged', ackDueAtMs });
  }
}
