/** The activities the incident workflow calls, with their timeouts and retries. */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { EscalationActivities } from '../../activities/escalationTargets';
import type { NotifyActivities } from '../../activities/notify';
import type { PlanActivities } from '../../activities/plan';
import type { ProblemLinkingActivities } from '../../activities/problemLinking';
import type { RunbookActivities } from '../../activities/runbookSteps';
import type { RunbookStepName } from '../../domain/incident';

export const { planIncident } = proxyActivities<PlanActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

// Bounded retries: a delivery that keeps failing is recorded as failed, and escalation goes on.
// The activity heartbeats while it sends, so a worker killed mid-send is noticed after the
// heartbeat timeout and the page retried on another worker, not after the 30 s start-to-close.
export const { deliverNotification } = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '30s',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

export const { resolveLevelTargets, businessHoursOpen } = proxyActivities<EscalationActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});

/**
 * The whole link, run beside the first page (and by v8 histories, which paged after it). Nothing
 * but the acknowledgement notice waits for it, so it gets time for a visibility query on a busy
 * store: at 5 s, bench:dashboard's 100 incidents opened beside 5,000 seeded runs timed out 15
 * attempts (decision 91), and an incident whose link fails is never found by later recurrences.
 * Changing a timeout is replay-safe: Temporal matches an activity by id and type only.
 */
const LINK_OPTIONS = { startToCloseTimeout: '20s', retry: { initialInterval: '1s', maximumAttempts: 2 } } as const;
/** The first page waits for the quick check, so it is bounded: a slow visibility store must not hold a page long. */
const QUICK_CHECK_OPTIONS = { startToCloseTimeout: '5s', retry: { initialInterval: '1s', maximumAttempts: 2 } } as const;
export const { linkIncidentToProblem } = proxyActivities<ProblemLinkingActivities>(LINK_OPTIONS);
export const { joinOpenProblem } = proxyLocalActivities<ProblemLinkingActivities>(QUICK_CHECK_OPTIONS);

/** Remediation is not retried: re-running half a restart can do harm; a failure goes to a human. */
const STEP_ATTEMPTS: Record<RunbookStepName, number> = { diagnose: 3, remediate: 1, verify: 3 };

/** The runbook step activity with the runbook's own timeout and the step's attempts. */
export function runbookStepActivity(step: RunbookStepName, stepTimeoutSeconds: number): RunbookActivities['runRunbookStep'] {
  return proxyActivities<RunbookActivities>({
    startToCloseTimeout: stepTimeoutSeconds * 1000,
    retry: { initialInterval: '2s', maximumAttempts: STEP_ATTEMPTS[step] },
  }).runRunbookStep;
}

/** The message of an activity failure: its cause's, when it has one (the activity's own error). */
export function failureMessage(error: unknown): string {
  return (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
}
