/**
 * Which runs a signalWithStart started rather than signalled. Temporal's answer says so
 * (`started`), but the SDK's `workflow.signalWithStart` hands back only the run id, so the answer
 * is read where the connection's WorkflowService returns it. A run an alert started opened its own
 * incident, whose id is the run's (`encodeIncidentId`): the API can answer without describing it
 * (decision 89). One recorder per service, shared by every gateway on the connection; each run is
 * taken once, and at most MAX_KEPT wait to be taken.
 */
import type { Client } from '@temporalio/client';

type WorkflowService = Client['workflowService'];

const MAX_KEPT = 10_000;
const recorders = new WeakMap<WorkflowService, Set<string>>();

export interface StartedRuns {
  /** True once for a run a signalWithStart on this connection started; false if it only signalled it, or is unknown. */
  take(runId: string): boolean;
}

const NONE: StartedRuns = { take: () => false };

/** The recorder of `service` (a stand-in client without one: nothing is known started, every run is described). */
export function startedRunsOf(service: WorkflowService | undefined): StartedRuns {
  if (typeof service?.signalWithStartWorkflowExecution !== 'function') return NONE;
  let runs = recorders.get(service);
  if (!runs) {
    const kept = new Set<string>();
    const signalWithStart = service.signalWithStartWorkflowExecution.bind(service);
    const recording = async (request: Parameters<typeof signalWithStart>[0]) => {
      const response = await signalWithStart(request);
      if (response.started && response.runId) {
        if (kept.size >= MAX_KEPT) kept.delete(kept.values().next().value as string);
        kept.add(response.runId);
      }
      return response;
    };
    service.signalWithStartWorkflowExecution = recording as typeof service.signalWithStartWorkflowExecution;
    recorders.set(service, kept);
    runs = kept;
  }
  const started = runs;
  return { take: (runId) => started.delete(runId) };
}
