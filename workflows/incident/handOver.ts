/** Continue-as-new: a run whose history grows long hands the incident over to a fresh run. */
import { allHandlersFinished, condition, makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import type { incidentWorkflow } from '../incident';
import type { HandOverPosition, IncidentRun } from './run';
import { settleWebhookStarts } from './webhooks';

/** Continues as new with the incident as it stands; called only while waiting. */
export async function handOver(run: IncidentRun, position: HandOverPosition): Promise<never> {
  await Promise.all(run.deliveries);
  await condition(allHandlersFinished);
  // After the handlers: one that finished last may have announced an event.
  await settleWebhookStarts(run);
  run.visibility.flush(run.incident);
  // Memo and search attributes go along explicitly, so the API finds the incident in the new
  // run from its first moment, before that run has run any code.
  const handOverTo = makeContinueAsNewFunc<typeof incidentWorkflow>({ memo: { ...run.memo }, typedSearchAttributes: workflowInfo().typedSearchAttributes });
  return handOverTo({
    alert: run.input.alert,
    incidentRunId: run.ref.runId,
    historyLimit: run.input.historyLimit,
    carried: run.carry(position),
  });
}

/** Waits for `done`, handing over to a new run whenever the history grows long. */
export async function waitQuietly(run: IncidentRun, done: () => boolean, position: () => HandOverPosition): Promise<void> {
  while (!done()) {
    await condition(() => done() || run.historyIsLong());
    if (!done()) await handOver(run, position());
  }
}
