/**
 * The state of one incident run: the incident, what escalation and notification need, and the one
 * mapping to (`carry`) and from (the constructor) what continue-as-new carries to the next run.
 */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { IncidentPlan } from '../../domain/incidentPlan';
import type { Alert } from '../../domain/alert';
import type { EscalationPolicySnapshot, EscalationStep, Responder, Urgency } from '../../domain/escalation';
import { Incident } from '../../domain/incident';
import { encodeIncidentId, incidentCode } from '../../domain/incidentId';
import { RecentIds } from '../../domain/recentIds';
import type { CarriedIncident, IncidentMemo, IncidentWorkflowInput, PendingDelivery } from '../../contracts/incident';
import { INCIDENT_CONFLICT_FAILURE } from '../../contracts/incident';
import { VisibilityWrites } from './visibilityWrites';

/** Well under Temporal's own limits (50,000 events), so a storm of repeats never nears them. */
const DEFAULT_HISTORY_LIMIT = 2_000;

/**
 * How many recent alert ids an incident remembers to recognise a re-delivery: a few of the API's
 * largest batches (see api/intake/keyLanes.ts), since a batch that timed out is spooled and sent again.
 */
const RECENT_ALERT_IDS = 1_024;

/** Where a run stands when it hands over: what the next run resumes from. */
export type HandOverPosition = Pick<CarriedIncident, 'stage' | 'escalation' | 'pauseUntilMs' | 'ackDueAtMs' | 'deferUntilMs'>;

export class IncidentRun {
  readonly carried: CarriedIncident | undefined;
  /** The run that opened this incident. A new incident begun by continue-as-new (see lateAlerts)
   * starts from its own run; older histories never continued, so for them this is the first run. */
  readonly ref: { workflowId: string; runId: string };
  readonly historyLimit: number;
  readonly incident: Incident;
  readonly memo: IncidentMemo;
  /** Search attribute and memo writes (one of each per workflow task since v18, see visibilityWrites.ts). */
  readonly visibility: VisibilityWrites;
  /** Notifications and checks in flight; settled before people are told and before a hand-over. */
  readonly deliveries: Array<Promise<void>> = [];
  /** Channels already tried for a page of one step to one person, so a fallback never repeats one. */
  readonly pageChannelsTried = new Set<string>();
  /** False while a run started without a plan is still planning: escalate, reassign and updates wait for it. */
  planned: boolean;
  /** Alerts that arrived after resolution, while notices were still going out: the next incident. */
  readonly lateAlerts: Alert[] = [];
  readonly pagedContactIds: Set<string>;
  /**
   * Ids of the latest alerts counted. An alert delivered twice (a spool forwarder or a client
   * retrying after a lost answer) carries the same id, and counts once.
   */
  private readonly recentAlertIds: RecentIds;
  /** Known once planned; runs started without a plan learn it from the planning activity. */
  resolution: IncidentPlan['resolution'];
  /** Set by a manual escalate: the next level is notified now. */
  escalateRequested = false;
  /** Set when escalation must start over (reassigned to a policy): the reason, for the timeline. */
  restartRequested: string | undefined;
  /** The policy a reassignment hands the incident to, taken up when escalation starts over. */
  reassignedPolicy: EscalationPolicySnapshot | undefined;
  /** Escalation round: pages of a later round are new deliveries, not retries of earlier ones. */
  round: number;
  /** Everyone notified so far, by id (policy targets first), to tell of acknowledgement and resolution. */
  readonly responders = new Map<string, Responder>();
  /** The update cadence: the last update posted, and the last reminder that one was due. */
  cadence: { lastUpdateAtMs: number; lastReminderAtMs: number };
  /** Who holds the incident now: the last level paged, or whom it was reassigned to. */
  holders: Responder[];
  /** The incident commander (with addresses, for cadence reminders); the view shows only the name. */
  commander: Responder | undefined;
  /** Notifications of the current level still to go out. */
  pending: PendingDelivery[];
  /** The level last notified, so a manual escalate knows which is next. */
  lastStep: EscalationStep | undefined;
  /** Incident events announced to webhooks so far; the next one's sequence (see webhooks.ts). */
  webhookEvents: number;
  /** Webhook deliveries being started: settled before the run ends, or Temporal would never start them. */
  readonly webhookStarts: Array<Promise<void>> = [];
  /** Incident events told to the chat side so far; the next one's sequence (see chat.ts). */
  chatEvents: number;
  /** The last chat event's start or signal: the next is sent after it. */
  chatSent: Promise<void> = Promise.resolve();
  /** Events that happened before the plan said who follows them, announced once it is adopted. */
  readonly unannounced: Array<() => void> = [];
  private adopted: IncidentPlan | undefined;
  /** The policy escalating now: the plan's, until the incident is reassigned to another. */
  policy!: EscalationPolicySnapshot;
  urgency!: Urgency;

  constructor(readonly input: IncidentWorkflowInput) {
    const info = workflowInfo();
    this.visibility = new VisibilityWrites();
    this.ref = { workflowId: info.workflowId, runId: input.incidentRunId ?? info.runId };
    const carried = (this.carried = input.carried);
    this.historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    this.incident = carried
      ? Incident.fromView(carried.view)
      : new Incident({ id: encodeIncidentId(this.ref), code: incidentCode(this.ref), workflowId: info.workflowId, alert: input.alert, now: new Date() });
    this.planned = Boolean(carried?.plan ?? input.plan);
    if (!carried) for (const repeat of input.repeats ?? []) this.incident.recordRepeat(repeat, new Date());
    this.pagedContactIds = new Set<string>(this.incident.view().paged.map((page) => page.responderId));
    this.recentAlertIds = new RecentIds(RECENT_ALERT_IDS, carried?.recentAlertIds ?? []);
    this.resolution = carried?.plan.resolution ?? input.plan?.resolution;
    this.round = carried?.round ?? 0;
    this.cadence = carried?.cadence ?? { lastUpdateAtMs: Date.now(), lastReminderAtMs: 0 };
    this.holders = carried?.holders ?? [];
    this.commander = carried?.commander;
    this.pending = carried?.pending ?? [];
    this.lastStep = carried?.escalation?.step;
    this.webhookEvents = carried?.webhookEvents ?? 0;
    this.chatEvents = carried?.chatEvents ?? 0;
    this.memo = { incidentId: this.incident.view().id, summary: input.alert.summary };
  }

  /** The plan once adopted; undefined while a run started without one is still planning. */
  get adoptedPlan(): IncidentPlan | undefined {
    return this.adopted;
  }

  /** The plan; only read once planned (the handlers that need it wait for it). */
  get plan(): IncidentPlan {
    if (!this.adopted) throw new Error('the incident plan is read before planning');
    return this.adopted;
  }

  /** Takes up the plan: its policy, who it names, and the urgency escalation starts at. */
  adoptPlan(plan: IncidentPlan): void {
    this.adopted = plan;
    this.resolution = plan.resolution;
    this.planned = true;
    this.policy = plan.policy;
    for (const responder of this.policy.levels.flatMap((level) => level.targets)) this.remember(responder);
    for (const responder of this.carried?.responders ?? []) this.remember(responder);
    this.urgency = this.carried?.urgency ?? this.urgencyNow();
    // Declared with a commander: theirs from the start (no command, so older histories replay alike).
    const declared = this.input.alert.declared;
    if (!this.carried && plan.commander && declared && !this.incident.view().roles?.commander) {
      this.commander = plan.commander;
      this.incident.assignRoles({ commander: plan.commander }, `${declared.by} (${declared.via})`, new Date());
    }
  }

  refuseUntilPlanned(): void {
    if (!this.planned) throw ApplicationFailure.create({ message: 'the incident is still starting; try again in a moment', type: INCIDENT_CONFLICT_FAILURE, nonRetryable: true });
  }

  /** Whether the alert (or note) was counted already; counts it if not. */
  alreadyCounted(alert: Pick<Alert, 'id'>): boolean {
    if (alert.id === this.input.alert.id) return true;
    return !this.recentAlertIds.add(alert.id);
  }

  remember(responder: Responder): void {
    if (!this.responders.has(responder.id)) this.responders.set(responder.id, responder);
  }

  /** Low-urgency severities page by email only; plans older than urgency page everything at high urgency. */
  urgencyNow(): Urgency {
    return this.plan.lowUrgencySeverities?.includes(this.incident.severity) ? 'low' : 'high';
  }

  /** A severity raised into high urgency re-plans escalation (a low-urgency plan never rises by itself). */
  urgencyRose(): boolean {
    return this.plan.lowUrgencySeverities !== undefined && this.urgency === 'low' && this.urgencyNow() === 'high';
  }

  /** True when escalation must stop and start over (reassigned policy, urgency raised). */
  mustRestart(): boolean {
    return this.restartRequested !== undefined || this.urgencyRose();
  }

  /** A storm of repeats grows the history; past the limit the incident moves to a fresh run. */
  historyIsLong(): boolean {
    const current = workflowInfo();
    return current.continueAsNewSuggested || current.historyLength >= this.historyLimit;
  }

  /** What continue-as-new carries to the next run, standing at `position`. */
  carry(position: HandOverPosition): CarriedIncident {
    const plan = this.plan;
    const policy = this.policy;
    return {
      ...position,
      view: this.incident.view(),
      plan: policy === plan.policy ? plan : { ...plan, policy },
      recentAlertIds: this.recentAlertIds.toArray(),
      ...(this.round ? { round: this.round } : {}),
      ...(this.pending.length ? { pending: this.pending } : {}),
      ...(this.responders.size > policy.levels.flatMap((level) => level.targets).length ? { responders: [...this.responders.values()] } : {}),
      ...(plan.lowUrgencySeverities ? { urgency: this.urgency } : {}),
      ...(plan.communication ? { cadence: this.cadence, holders: this.holders } : {}),
      ...(this.commander ? { commander: this.commander } : {}),
      ...(this.webhookEvents ? { webhookEvents: this.webhookEvents } : {}),
      ...(this.chatEvents ? { chatEvents: this.chatEvents } : {}),
    };
  }
}
