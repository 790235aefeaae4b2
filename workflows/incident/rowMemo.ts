/**
 * The dashboard row's facts in the memo (`domain/incidentRowFacts.ts`): the API lists every open
 * row with one visibility call instead of a query per incident (decision 73). Kept fresh by one
 * watcher rather than a call at each change: after every activation (an alert, an update such as
 * ack, escalate, reassign or a status update with an ETA, a timer firing the next level, a
 * runbook step) it compares the facts with those last published and upserts the memo only when
 * they differ. Behind a patch, so histories from before it replay unchanged.
 */
import { condition, patched, upsertMemo } from '@temporalio/workflow';
import { ROW_MEMO_KEY, type IncidentRowFacts } from '../../domain/incidentRowFacts';
import type { IncidentRun } from './run';

const ROW_MEMO_PATCH = 'dashboard-row-memo';

/** Runs beside the incident for its life; stops once it is resolved (the dashboard lists open ones only). */
export async function keepRowMemoFresh(run: IncidentRun): Promise<void> {
  // Since v18 the row facts go out with the task's other writes (visibilityWrites.ts).
  if (run.visibility.batched) return;
  if (!patched(ROW_MEMO_PATCH)) return;
  const facts = (): string => JSON.stringify(run.incident.rowFacts());
  let published = '';
  while (run.incident.isOpen) {
    const now = facts();
    if (now !== published) {
      published = now;
      upsertMemo({ [ROW_MEMO_KEY]: JSON.parse(now) as IncidentRowFacts });
    }
    await condition(() => !run.incident.isOpen || facts() !== published);
  }
}
