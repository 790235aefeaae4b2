/**
 * Announces incident events to the webhook endpoints the plan names. Each event starts its own
 * delivery workflow (`workflows/webhookDelivery.ts`) as an abandoned child: the incident never
 * waits for an endpoint, and the child's id, derived from the event id, lets Temporal start it
 * once however often this code replays (decision 59).
 */
import { ParentClosePolicy, patched, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { WebhookEventDetails, WebhookEventType } from '../../domain/webhooks';
import { endpointsFor, webhookDeliveryWorkflowId, webhookEventId, webhookIncident } from '../../domain/webhooks';
import { tellChat } from './chat';
import type { IncidentRun } from './run';

/** Marks histories that announce events; older ones never did, and replay as they were. */
const WEBHOOKS_PATCH = 'incident-webhooks';

/** Announces `type` to the endpoints that follow it; before planning, once the plan is known. */
export function announce(run: IncidentRun, type: WebhookEventType, details: WebhookEventDetails = {}): void {
  // The chat side hears every event the webhooks do (it decides for itself which to show).
  tellChat(run, type, details);
  // Most incidents have no endpoint: nothing to build.
  if (run.adoptedPlan && !run.adoptedPlan.webhooks?.length) return;
  // The incident as it is now, even when the announcement waits for the plan.
  const incident = webhookIncident(run.incident.view());
  const at = new Date().toISOString();
  const send = () => {
    const endpoints = endpointsFor(run.plan.webhooks, type);
    if (endpoints.length === 0 || !patched(WEBHOOKS_PATCH)) return;
    const sequence = run.webhookEvents;
    run.webhookEvents += 1;
    const event = { id: webhookEventId(incident.id, sequence), type, at, incident, details };
    const started = startChild('webhookDeliveryWorkflow', {
      workflowId: webhookDeliveryWorkflowId(run.ref.runId, sequence),
      args: [{ event, endpoints }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // A workflow reset that replays an announcement must not send it a second time.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    }).then(
      () => undefined,
      // Already started (a reset replayed it): delivered once already, which is the point.
      () => undefined,
    );
    run.webhookStarts.push(started);
  };
  if (run.adoptedPlan) send();
  else run.unannounced.push(send);
}

/**
 * Waits until every delivery workflow announced so far has started, including any a handler
 * announces meanwhile: Temporal does not start an abandoned child whose parent closed first.
 */
export async function settleWebhookStarts(run: IncidentRun): Promise<void> {
  while (run.webhookStarts.length > 0) await Promise.all(run.webhookStarts.splice(0));
}

/** Announces what happened while the run was still planning. */
export function announcePending(run: IncidentRun): void {
  for (const send of run.unannounced.splice(0)) send();
}
