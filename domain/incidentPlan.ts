/**
 * The incident plan: policy, runbook, urgency, communication and resolution, decided from config
 * and the first alert. Pure, so the API plans without loading worker code; the worker's
 * `planIncident` activity (`activities/plan.ts`) serves runs started without a plan.
 */
import type { Alert } from './alert';
import type { VigilConfig } from './config';
import { policyIdForService, responderOf, snapshotPolicy } from './config';
import { parseDurationSeconds } from './duration';
import type { EscalationPolicySnapshot, Responder } from './escalation';
import { runbookMatches } from './runbookMatch';
import type { RunbookSpec } from './runbookSpec';
import type { Restriction } from './schedule';
import { restrictionFromConfig } from './scheduleConfig';
import type { Severity } from './severity';
import { webhookSubscriptions } from './webhookConfig';
import type { WebhookSubscription } from './webhooks';
import { planChat, type IncidentChatPlan } from './chat/chatPlan';

/** What an incident does, decided once at its start and frozen into its history. */
export interface IncidentPlan {
  policy: EscalationPolicySnapshot;
  runbook?: {
    id: string;
    /** Validated parameters for this service. */
    params: unknown;
    stepTimeoutSeconds: number;
  };
  /**
   * Which severities page at low urgency (email only); absent in plans older than urgency, which
   * page every severity at high urgency.
   */
  lowUrgencySeverities?: Severity[];
  /** Low-urgency pages wait for these hours; absent: they go out at once. */
  businessHours?: { timeZone: string; windows: Restriction[] };
  /** A page that fails on one channel goes to the person's other channels (absent in older plans). */
  deliveryFallback?: boolean;
  /** Stakeholders told of status changes and updates, and the update cadence; absent: none. */
  communication?: {
    stakeholders: Responder[];
    /** Seconds between updates responders owe, by severity (a severity left out: no cadence). */
    updateEverySeconds: Partial<Record<Severity, number>>;
  };
  /** Who leads an incident declared by hand with a commander; absent for every other incident. */
  commander?: Responder;
  /** How the source's own "resolved" counts; absent (older plans, default config): it is only noted. */
  resolution?: {
    /** Resolve once the source reports every alert of the incident resolved. */
    autoResolve: boolean;
    /** Wait this long before runbook and first page; resolved meanwhile, the incident closes silently. */
    flapPauseSeconds?: number;
  };
  /** Endpoints that follow this incident's events (docs/webhooks.md); absent: none (and in older plans). */
  webhooks?: WebhookSubscription[];
  /** Cards, direct messages and the incident room in chat (docs/chat.md); absent: none (and in older plans). */
  chat?: IncidentChatPlan;
}

/** The service's communication plan (its own, else the default), frozen with addresses. */
function communicationOf(config: VigilConfig, service: string): IncidentPlan['communication'] {
  const planId = config.services[service]?.communicationPlan ?? config.defaultCommunicationPlan;
  const plan = planId ? config.communicationPlans[planId] : undefined;
  if (!plan) return undefined;
  const updateEverySeconds = Object.fromEntries(Object.entries(plan.updateEvery).map(([severity, every]) => [severity, parseDurationSeconds(every as string)]));
  return { stakeholders: plan.stakeholders.map((contactId) => responderOf(config, contactId)), updateEverySeconds };
}

/** The service's resolution settings, or undefined when it keeps the defaults. */
function resolutionOf(config: VigilConfig, service: string): IncidentPlan['resolution'] {
  const settings = config.services[service];
  if (!settings || (!settings.autoResolve && !settings.flapPause)) return undefined;
  return { autoResolve: settings.autoResolve, ...(settings.flapPause ? { flapPauseSeconds: parseDurationSeconds(settings.flapPause) } : {}) };
}

/**
 * The runbook for an alert: the first in registry order whose `match` holds and that the
 * alert's service has configured parameters for (a generic runbook never runs on a service
 * that did not opt in).
 */
export function selectRunbook<Spec extends RunbookSpec>(config: VigilConfig, runbooks: readonly Spec[], alert: Alert): Spec | undefined {
  const configured = config.services[alert.service]?.runbooks ?? {};
  return runbooks.find((runbook) => runbook.id in configured && runbookMatches(runbook.match, alert));
}

/**
 * What an incident for this alert does: the frozen escalation policy and the runbook, if any.
 * The API computes it when it opens an incident and passes it in the start input (one activity
 * less before the first page); the `planIncident` activity serves runs started without one.
 */
export function planIncident(config: VigilConfig, runbooks: readonly RunbookSpec[], alert: Alert): IncidentPlan {
  const plan = planAlertIncident(config, runbooks, alert);
  const declared = alert.declared;
  if (!declared) return plan;
  // Declared by hand: the same plan, except that `page: false` keeps the policy's name and no level.
  const policy = declared.page ? plan.policy : { id: plan.policy.id, levels: [], repeat: 0 };
  const commander = declared.commander && Object.hasOwn(config.contacts, declared.commander) ? responderOf(config, declared.commander) : undefined;
  return { ...plan, policy, ...(commander ? { commander } : {}) };
}

function planAlertIncident(config: VigilConfig, runbooks: readonly RunbookSpec[], alert: Alert): IncidentPlan {
  const policy = snapshotPolicy(config, policyIdForService(config, alert.service));
  const runbook = selectRunbook(config, runbooks, alert);
  const resolution = resolutionOf(config, alert.service);
  const communication = communicationOf(config, alert.service);
  const hours = config.urgency.businessHours;
  const webhooks = webhookSubscriptions(config.webhooks, alert.service);
  const chat = planChat(config, { service: alert.service, severity: alert.severity, policyId: policy.id });
  const urgency = {
    lowUrgencySeverities: config.urgency.low as Severity[],
    ...(hours ? { businessHours: { timeZone: hours.timeZone, windows: hours.windows.map(restrictionFromConfig) } } : {}),
    deliveryFallback: true,
    ...(communication ? { communication } : {}),
    ...(webhooks.length ? { webhooks } : {}),
    ...(chat ? { chat } : {}),
  };
  if (!runbook) return resolution ? { policy, ...urgency, resolution } : { policy, ...urgency };
  return {
    policy,
    ...urgency,
    ...(resolution ? { resolution } : {}),
    runbook: {
      id: runbook.id,
      // Validated at worker start, so parse() here only fills defaults.
      params: runbook.params.parse(config.services[alert.service].runbooks[runbook.id]),
      stepTimeoutSeconds: parseDurationSeconds(config.runbooks.stepTimeout) as number,
    },
  };
}
