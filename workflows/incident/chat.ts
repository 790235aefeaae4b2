/**
 * Tells the incident's chat side (`workflows/incidentChat.ts`) what happened: the first event
 * starts it as an abandoned child (its id from the incident's first run, so it starts once), every
 * later one is a signal, sent in order. Nothing here waits for a platform: a page never waits for
 * chat (decision 65). Only plans with a chat side do any of it, so older histories replay alike.
 */
import { getExternalWorkflowHandle, ParentClosePolicy, patched, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { chatEventSignal } from '../../contracts/incidentChat';
import type { ChatEvent, ChatEventType } from '../../domain/chat/chatEvents';
import { incidentChatWorkflowId } from '../../domain/chat/chatEvents';
import { webhookIncident } from '../../domain/webhooks';
import type { IncidentRun } from './run';

/** Marks histories whose incident has a chat side; no older history has one. */
const CHAT_PATCH = 'incident-chat';

/** Tells chat of `type`; before planning, once the plan says whether there is a chat side. */
export function tellChat(run: IncidentRun, type: ChatEventType, details: ChatEvent['details'] = {}): void {
  if (run.adoptedPlan && !run.adoptedPlan.chat) return;
  // The incident as it is now, even when the telling waits for the plan.
  const view = run.incident.view();
  const incident = webhookIncident(view);
  const commander = view.roles?.commander;
  const at = new Date().toISOString();
  const send = () => {
    const plan = run.plan.chat;
    if (!plan || !patched(CHAT_PATCH)) return;
    const sequence = run.chatEvents;
    run.chatEvents += 1;
    const event: ChatEvent = { sequence, type, at, incident, ...(commander ? { commander: { id: commander.id, name: commander.name } } : {}), details };
    const workflowId = incidentChatWorkflowId(run.ref.runId);
    const previous = run.chatSent;
    const sent =
      sequence === 0
        ? startChild('incidentChatWorkflow', {
            workflowId,
            args: [{ incidentRunId: run.ref.runId, plan, events: [event] }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            // A reset that replays the first event must not start a second chat side.
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          }).then(() => undefined)
        : // After the one before: the chat side takes them in sequence order anyway, this only saves it waiting.
          previous.then(() => getExternalWorkflowHandle(workflowId).signal(chatEventSignal, event));
    // A chat side that is gone (finished, or started by a reset already) loses nothing the incident needs.
    run.chatSent = sent.then(
      () => undefined,
      () => undefined,
    );
    run.webhookStarts.push(run.chatSent);
  };
  if (run.adoptedPlan) send();
  else run.unannounced.push(send);
}
