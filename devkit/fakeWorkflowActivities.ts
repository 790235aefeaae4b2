import { Context } from '@temporalio/activity';
import type { EscalationActivities, ResolvedTargets } from '../activities/escalationTargets';
import type { NotifyActivities } from '../activities/notify';
import type { IncidentPlan } from '../domain/incidentPlan';
import type { PlanActivities } from '../activities/plan';
import type { ProblemLinkingActivities } from '../activities/problemLinking';
import type { RunbookActivities, RunbookStepInput, RunbookStepOutput } from '../activities/runbookSteps';
import type { EscalationPolicySnapshot, Responder } from '../domain/escalation';
import type { RunbookStepName } from '../domain/incident';
import { nextWindowStart } from '../domain/schedule';
import type { NotificationRequest } from '../domain/notification';

export const alice: Responder = { id: 'alice', name: 'Alice', email: 'alice@example.test', phone: '+15550000001' };
export const bob: Responder = { id: 'bob', name: 'Bob', email: 'bob@example.test', phone: '+15550000002' };
export const carol: Responder = { id: 'carol', name: 'Carol', email: 'carol@example.test' };

/** Two levels: Alice by email and SMS, then Bob by SMS; 5 and 10 minutes; run twice. */
export const twoLevelPolicy: EscalationPolicySnapshot = {
  id: 'two-level',
  repeat: 1,
  levels: [
    { targets: [alice], channels: ['email', 'sms'], timeoutSeconds: 300 },
    { targets: [bob], channels: ['sms'], timeoutSeconds: 600 },
  ],
};

export interface SentNotification {
  /** Server (skipped) time the delivery activity was scheduled, in ms. */
  atMs: number;
  request: NotificationRequest;
}

type StepScript = Partial<Record<RunbookStepName, RunbookStepOutput | Error>>;

/**
 * Activities for workflow tests: a fixed plan, notifications recorded with the time-skipping
 * server's clock, and runbook steps answering from a script.
 */
const KNOWN: Record<string, Responder> = { alice, bob, carol };

/** Resolves `user:<id>` to the responders above; a test passes its own for schedules and teams. */
function resolveKnownUsers(refs: string[]): ResolvedTargets {
  const ids = refs.map((ref) => ref.replace(/^user:/, ''));
  return { responders: ids.flatMap((id) => (KNOWN[id] ? [KNOWN[id]] : [])), notes: ids.filter((id) => !KNOWN[id]).map((id) => `unknown ${id}`) };
}

export function fakeWorkflowActivities(options: {
  plan: IncidentPlan;
  steps?: StepScript;
  deliveryDelayMs?: number;
  /** Who a level's references name when it fires, given the (skipped) server time in ms. */
  resolve?: (refs: string[], atMs: number) => ResolvedTargets;
  /** Channels whose every delivery fails (a vendor down), so retries run out. */
  failChannels?: string[];
  /** What a delivery on a channel reports instead of `sent via fake` (a call nobody answered). */
  outcomes?: Record<string, string>;
}) {
  const sent: SentNotification[] = [];
  const stepsRun: RunbookStepInput[] = [];
  const planned: string[] = [];
  const resolved: Array<{ refs: string[]; atMs: number }> = [];
  const activities: PlanActivities & NotifyActivities & RunbookActivities & EscalationActivities & ProblemLinkingActivities = {
    // No incident recurs here (test/workflows/problem.test.ts runs the real activity).
    async joinOpenProblem(candidate) {
      return { fingerprint: `${candidate.service}/${candidate.groupKey ?? candidate.dedupKey}`, settled: true };
    },
    async linkIncidentToProblem(candidate) {
      return { fingerprint: `${candidate.service}/${candidate.groupKey ?? candidate.dedupKey}` };
    },
    async businessHoursOpen({ timeZone, windows }) {
      const atMs = Context.current().info.currentAttemptScheduledTimestampMs;
      return { opensAtMs: nextWindowStart(windows, timeZone, new Date(atMs)).getTime() };
    },
    async resolveLevelTargets({ refs }) {
      const atMs = Context.current().info.currentAttemptScheduledTimestampMs;
      resolved.push({ refs, atMs });
      return (options.resolve ?? resolveKnownUsers)(refs, atMs);
    },
    async planIncident(alert) {
      planned.push(alert.id);
      return options.plan;
    },
    async deliverNotification(request) {
      if (options.failChannels?.includes(request.channel)) throw new Error(`${request.channel} vendor down`);
      sent.push({ atMs: Context.current().info.currentAttemptScheduledTimestampMs, request });
      if (options.deliveryDelayMs) await new Promise((resolve) => setTimeout(resolve, options.deliveryDelayMs));
      return options.outcomes?.[request.channel] ?? 'sent via fake';
    },
    async runRunbookStep(input) {
      stepsRun.push(input);
      const scripted = options.steps?.[input.step] ?? { ok: true, summary: `${input.step} fine`, findings: {} };
      if (scripted instanceof Error) throw scripted;
      return scripted;
    },
  };
  return { activities, sent, stepsRun, planned, resolved };
}

export function pagesOf(sent: SentNotification[]): SentNotification[] {
  return sent.filter((entry) => entry.request.kind === 'page');
}
