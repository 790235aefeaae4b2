/**
 * One incident, from its first alert to its resolution. The rules of how an incident changes
 * live in `domain/incident.ts`; this function wires them to Temporal and runs the main loop. Each
 * concern has its file in `workflows/incident/` (docs/architecture.md, "The incident workflow's
 * files"): the run's state and what continue-as-new carries (`run.ts`), handlers, escalation,
 * notifier, hand-over, visibility, runbook, problem link, cadence and the quiet waits.
 */
import { continueAsNew } from '@temporalio/workflow';
import type { IncidentView } from '../domain/incident';
import { nextStep } from '../domain/escalation';
import type { IncidentWorkflowInput } from '../contracts/incident';
import { planIncident } from './incident/activities';
import { keepCadence } from './incident/cadence';
import type { EscalationStart } from './incident/escalation';
import { beginRound, escalate } from './incident/escalation';
import { registerHandlers, resolveIfSourceSaysSo } from './incident/handlers';
import { waitQuietly } from './incident/handOver';
import { Notifier } from './incident/notifier';
import { startProblemLinking } from './incident/problemLink';
import { IncidentRun } from './incident/run';
import { keepRowMemoFresh } from './incident/rowMemo';
import { runRunbook } from './incident/runbook';
import { publishKpis, publishOpening, publishStatus } from './incident/visibility';
import { flapPause, waitWhileAcknowledged } from './incident/waits';
import { announce, announcePending, settleWebhookStarts } from './incident/webhooks';

export async function incidentWorkflow(input: IncidentWorkflowInput): Promise<IncidentView> {
  const run = new IncidentRun(input);
  const { incident, carried } = run;
  const notifier = new Notifier(run);
  registerHandlers(run, notifier);
  publishOpening(run);
  // eslint-disable-next-line @typescript-eslint/no-floating-promises -- watches the row's facts for the incident's life
  void keepRowMemoFresh(run);
  // eslint-disable-next-line @typescript-eslint/no-floating-promises -- writes each task's visibility changes for the run's life
  if (run.visibility.batched) void run.visibility.keepFlushed(incident);

  // Deterministic on replay: whether the plan came in the input is part of the history.
  const plan = carried?.plan ?? input.plan ?? (await planIncident(input.alert));
  run.adoptPlan(plan);
  if (!carried) announce(run, 'incident.opened');
  announcePending(run);
  resolveIfSourceSaysSo(run);
  const problemLinking = startProblemLinking(run);

  if (!carried || carried.stage === 'pausing') {
    const pauseSeconds = run.resolution?.flapPauseSeconds;
    if (pauseSeconds) {
      if (!carried) incident.recordNote(`waiting ${pauseSeconds} s before runbook and paging: an alert that resolves meanwhile is a flap`, new Date());
      await flapPause(run, carried?.pauseUntilMs ?? Date.now() + pauseSeconds * 1000);
    }
    if (plan.runbook && incident.isOpen) await runRunbook(run, notifier, plan.runbook);
  }
  if (problemLinking) await problemLinking;
  // A rejection here fails the workflow task and Temporal retries it, as for any workflow code.
  // eslint-disable-next-line @typescript-eslint/no-floating-promises -- runs beside the escalation for the incident's life
  if (plan.communication) void keepCadence(run, notifier);
  let start: EscalationStart | undefined = carried?.stage === 'escalating' && carried.escalation ? { ...carried.escalation, notified: true } : undefined;
  let skipEscalation = carried?.stage === 'exhausted';
  let deferredUntilMs = carried?.stage === 'deferred' ? carried.deferUntilMs : undefined;
  let acknowledgementTold = carried?.stage === 'acknowledged';
  let ackDueAtMs = carried?.ackDueAtMs;
  for (;;) {
    if (incident.status === 'triggered' && !skipEscalation) await escalate(run, notifier, start, deferredUntilMs);
    skipEscalation = false;
    deferredUntilMs = undefined;
    start = undefined;
    if (incident.status === 'triggered' && run.mustRestart()) {
      beginRound(run);
      continue;
    }
    await waitQuietly(
      run,
      () => incident.status !== 'triggered' || run.escalateRequested || run.mustRestart(),
      () => ({ stage: 'exhausted' }),
    );
    if (incident.status === 'triggered') {
      // Exhausted, then escalated by hand, reassigned or raised to high urgency: start over.
      beginRound(run);
      continue;
    }
    // Settle page deliveries first, so the paged list is complete before we tell people.
    await Promise.all(run.deliveries);
    if (incident.status === 'acknowledged') {
      if (!acknowledgementTold) {
        notifier.tellPaged('acknowledged');
        notifier.tellStakeholders('acknowledged');
      }
      acknowledgementTold = false;
      const ackTimeoutSeconds = run.policy.ackTimeoutSeconds;
      const outcome = await waitWhileAcknowledged(run, ackTimeoutSeconds ? (ackDueAtMs ?? Date.now() + ackTimeoutSeconds * 1000) : undefined);
      ackDueAtMs = undefined;
      await Promise.all(run.deliveries);
      if (outcome === 'timeout') {
        incident.retrigger(`not resolved within ${ackTimeoutSeconds} s of the acknowledgement: escalating again`, new Date());
        publishStatus(run);
      }
      if (outcome !== 'resolved') {
        // A manual escalate goes on from the level after the last one; the rest start over.
        const manual = run.escalateRequested && run.restartRequested === undefined;
        const next = manual && run.lastStep ? nextStep(run.policy, run.lastStep) : undefined;
        beginRound(run);
        if (next) start = { step: next, notified: false, dueAtMs: 0 };
        continue;
      }
    }
    break;
  }
  if (incident.view().resolvedBy?.startsWith('runbook ') !== true) notifier.tellPaged('resolved');
  notifier.tellStakeholders('resolved');
  const resolution = incident.view();
  announce(run, 'incident.resolved', { ...(resolution.resolvedBy ? { actor: resolution.resolvedBy } : {}) });
  announce(run, 'incident.review_ready');
  await Promise.all(run.deliveries);
  await settleWebhookStarts(run);
  publishKpis(run, true);
  // Written before the run ends: nothing runs after its last command.
  run.visibility.flush(incident);
  if (run.lateAlerts.length > 0) {
    // The workflow id is still taken by this run, so the next incident of the key continues from it.
    const [first, ...rest] = run.lateAlerts;
    await continueAsNew<typeof incidentWorkflow>({ alert: first, repeats: rest });
  }
  return incident.view();
}
