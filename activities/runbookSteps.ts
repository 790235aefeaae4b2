import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Alert } from '../domain/alert';
import type { RunbookStepName } from '../domain/incident';
import type { Runbook } from '../runbooks/runbook';

export interface RunbookStepInput {
  runbookId: string;
  step: RunbookStepName;
  alert: Alert;
  params: unknown;
  findings: Record<string, unknown>;
}

/** For `verify`, `ok` means recovered. */
export interface RunbookStepOutput {
  ok: boolean;
  summary: string;
  findings: Record<string, unknown>;
}

/** Runs one step of a runbook as an activity. A thrown error is retried by Temporal; `ok: false` is not. */
export function createRunbookActivities(deps: { runbooks: readonly Runbook[] }) {
  const byId = new Map(deps.runbooks.map((runbook) => [runbook.id, runbook]));
  return {
    async runRunbookStep(input: RunbookStepInput): Promise<RunbookStepOutput> {
      const runbook = byId.get(input.runbookId);
      if (!runbook) {
        throw ApplicationFailure.nonRetryable(`runbook "${input.runbookId}" is not registered on this worker`, 'UnknownRunbook');
      }
      const context = Context.current();
      const ctx = {
        alert: input.alert,
        params: input.params,
        findings: input.findings,
        signal: context.cancellationSignal,
        log: (message: string) => context.log.info(message, { runbook: runbook.id, step: input.step }),
      };
      if (input.step === 'verify') {
        const outcome = await runbook.verify(ctx);
        return { ok: outcome.recovered, summary: outcome.summary, findings: input.findings };
      }
      const outcome = input.step === 'diagnose' ? await runbook.diagnose(ctx) : await runbook.remediate(ctx);
      return { ok: outcome.ok, summary: outcome.summary, findings: { ...input.findings, ...outcome.findings } };
    },
  };
}

export type RunbookActivities = ReturnType<typeof createRunbookActivities>;
