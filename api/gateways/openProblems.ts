/**
 * Which fingerprints an open problem tracks, as Temporal's visibility lists the running problem
 * workflows, looked at again every `refreshMs` (#17). A new incident's first page waits for the
 * check "does an open problem take it?" only because the page carries the problem's workaround;
 * when the API looked a moment ago and saw none for its fingerprint, it says so in the start input
 * and the page goes out at once, while the workflow still links the incident beside the page (a
 * problem opened since is still joined; only its workaround misses that first page).
 *
 * A cache of Temporal's own state, per API process: nothing another host needs. When the last good
 * look is older than `freshForMs` (visibility down, the loop stopped) it knows nothing, and
 * incidents wait for the check as before.
 */
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Alert } from '../../domain/alert';
import type { VigilConfig } from '../../domain/config';
import { problemWorkflowId } from '../../domain/problem';
import { recurrencePolicyFor } from '../../domain/problemConfig';
import { incidentFingerprint } from '../../domain/recurrence';
import { PROBLEM_WORKFLOW_TYPE } from '../../domain/visibility';

export interface OpenProblems {
  /** `false` when no open problem tracks the alert's incident (or problems are off for its service); undefined when not known. */
  openProblemFor(alert: Alert): false | undefined;
  /** One look now (the loop does this on its own). */
  refresh(): Promise<void>;
  stop(): void;
}

export interface OpenProblemsOptions {
  client: Client;
  config: Pick<VigilConfig, 'problems'>;
  logger: Pick<Logger, 'warn'>;
  refreshMs?: number;
  freshForMs?: number;
  now?: () => number;
}

/** Running problem workflows, by their workflow id (`problem:<fingerprint>`). */
const RUNNING_PROBLEMS = `WorkflowType = '${PROBLEM_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;

export function watchOpenProblems(options: OpenProblemsOptions): OpenProblems {
  const refreshMs = options.refreshMs ?? 2_000;
  const freshForMs = options.freshForMs ?? 10_000;
  const now = options.now ?? Date.now;
  let open = new Set<string>();
  let lookedAtMs = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function refresh(): Promise<void> {
    // Taken before the look: a problem that opens during it counts as seen no later than this.
    const startedAtMs = now();
    const ids = new Set<string>();
    for await (const execution of options.client.workflow.list({ query: RUNNING_PROBLEMS })) ids.add(execution.workflowId);
    open = ids;
    lookedAtMs = startedAtMs;
  }

  function loop(): void {
    if (stopped) return;
    refresh()
      .catch((error: unknown) => options.logger.warn({ err: error }, 'could not list open problems; new incidents wait for the problem check'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, refreshMs).unref();
      });
  }
  loop();

  return {
    openProblemFor(alert) {
      const policy = recurrencePolicyFor(options.config.problems, alert.service);
      if (!policy.detect) return false;
      if (now() - lookedAtMs > freshForMs) return undefined;
      const fingerprint = incidentFingerprint(policy, alert);
      return open.has(problemWorkflowId(fingerprint)) ? undefined : false;
    },
    refresh,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
