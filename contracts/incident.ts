/**
 * Every message of the incident workflow, declared once. The API, the worker and the tests
 * import these constants, so a name or payload type cannot drift between sender and handler.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IncidentPlan } from '../domain/incidentPlan';
import type { Alert } from '../domain/alert';
import type { Channel, EscalationPolicySnapshot, EscalationStep, Responder, Urgency } from '../domain/escalation';
import type { IncidentView } from '../domain/incident';
import type { RoleChanges } from '../domain/incidentRoles';

export { INCIDENT_WORKFLOW_TYPE } from '../domain/visibility';

export interface IncidentWorkflowInput {
  alert: Alert;
  /**
   * Policy and runbook, frozen by the API when it opened the incident. Runs started without it
   * (older histories) plan through the `planIncident` activity instead.
   */
  plan?: IncidentPlan;
  /**
   * What the API knew of open problems when it opened the incident: `false` when none tracked the
   * incident's fingerprint a moment ago (or problems are off for its service), so the first page
   * need not wait for the check; linking still happens beside the page. Absent: unknown, the first
   * page waits for the quick check as before.
   */
  openProblem?: false;
  /** Alerts of this incident that arrived before it started (carried over by continue-as-new). */
  repeats?: Alert[];
  /**
   * The run that opened the incident, when a later run continues the same incident; absent, the
   * incident is this run's own.
   */
  incidentRunId?: string;
  /** State handed over by the previous run of the same incident (continue-as-new). */
  carried?: CarriedIncident;
  /** Continue-as-new once the history has this many events (default 2,000; tests lower it). */
  historyLimit?: number;
}

/**
 * Where an incident stood when its run handed over to a new one. Runs hand over only while
 * waiting (for the next level, or for a human), so no runbook step or delivery is in flight.
 */
export interface CarriedIncident {
  view: IncidentView;
  plan: IncidentPlan;
  stage: 'pausing' | 'deferred' | 'escalating' | 'exhausted' | 'acknowledged';
  /** While escalating: the level last notified, and when the next one is due. */
  escalation?: { step: EscalationStep; dueAtMs: number };
  /** While pausing (flap filter): when the pause ends and the runbook and paging begin. */
  pauseUntilMs?: number;
  /** While deferred (low urgency outside business hours): when paging begins. */
  deferUntilMs?: number;
  /** Escalation round (0 until escalated again by ack timeout, by hand, or a change of urgency). */
  round?: number;
  /** Notifications of the current level still to go out (a person's delayed channels). */
  pending?: PendingDelivery[];
  /** Everyone notified so far, to tell them of acknowledgement and resolution. */
  responders?: Responder[];
  /** While acknowledged with an ack timeout: when the incident escalates again if unresolved. */
  ackDueAtMs?: number;
  /** The urgency escalation last ran at. */
  urgency?: Urgency;
  /** Ids of the latest alerts counted, so a re-delivery across the hand-over counts once. */
  recentAlertIds?: string[];
  /** The update cadence: when the last update was posted, and the last reminder sent. */
  cadence?: { lastUpdateAtMs: number; lastReminderAtMs: number };
  /** Incident events announced to webhooks so far: the next event's sequence (absent: none yet). */
  webhookEvents?: number;
  /** Incident events told to its chat side so far (absent: none yet, or no chat side). */
  chatEvents?: number;
  /** Who holds the incident now (the last level paged, or whom it was reassigned to). */
  holders?: Responder[];
  /** The incident commander, with addresses: they get the cadence reminders (absent: nobody commands). */
  commander?: Responder;
}

/** A notification due later in the current level (e.g. email a minute after the SMS). */
export interface PendingDelivery {
  atMs: number;
  responder: Responder;
  channel: Channel;
  step: EscalationStep;
}

/** A repeat of an alert that already has an open incident (sent with signalWithStart). */
export const alertSignal = defineSignal<[Alert]>('alert');

/**
 * Repeats of one key that queued up in the API while its previous call was in flight, in the
 * order received: a storm reaches the workflow as a few signals, not one per alert.
 */
export const alertBatchSignal = defineSignal<[Alert[]]>('alertBatch');

/** A problem manager linked this open incident to a problem by hand (`POST /v1/problems`). */
export const problemLinkedSignal = defineSignal<[{ id: string; title: string; workaround?: string }]>('problemLinked');

/** The monitoring tool says the alert is over (signalled only to a running incident). */
export const sourceResolvedSignal = defineSignal<[Alert]>('sourceResolved');

/** A note for the timeline (Opsgenie's add-note); `id` is the same on a sender's retry, so it lands once. */
export interface NoteInput {
  id: string;
  by: string;
  via: string;
  text: string;
}

/** Adds a note to the timeline of a running incident and changes nothing else. */
export const noteSignal = defineSignal<[NoteInput]>('note');

/** The whole incident as the API shows it. */
export const incidentQuery = defineQuery<IncidentView>('incident');

export interface ActorInput {
  /** Who did it: the API key's user or the SMS sender's contact name. */
  by: string;
  /** How it reached us (`api`, `sms`), for the timeline. */
  via: string;
}

export interface ResolveInput extends ActorInput {
  note?: string;
}

/**
 * The incident after an acknowledge, and whether this call found it acknowledged already. Updates
 * run one at a time in the workflow, so of simultaneous acks exactly one is told it won. Workers
 * older than the flag leave it out (then the API compares `acknowledgedBy` with the actor).
 */
export type AcknowledgeResult = IncidentView & { alreadyAcknowledged?: boolean };

/** Answers with the incident after the acknowledgement; refused once resolved. */
export const acknowledgeUpdate = defineUpdate<AcknowledgeResult, [ActorInput]>('acknowledge');

/** Answers with the resolved incident; refused if it already was. */
export const resolveUpdate = defineUpdate<IncidentView, [ResolveInput]>('resolve');

/**
 * Escalates now: the next level is notified at once (an acknowledged incident is triggered again;
 * an exhausted policy starts over). Refused once resolved.
 */
export const escalateUpdate = defineUpdate<IncidentView, [ActorInput]>('escalate');

export interface ReassignInput extends ActorInput {
  /** Who takes the incident: a responder (paged now), or a whole escalation policy (starts over). */
  to: { responder: Responder } | { policy: EscalationPolicySnapshot };
}

export interface StatusUpdateInput extends ActorInput {
  text: string;
  /** Expected resolution time (ISO-8601), if the responder gives one. */
  eta?: string;
}

/** A responder's status update: on the timeline, to the stakeholders, and it resets the cadence. */
export const statusUpdateUpdate = defineUpdate<IncidentView, [StatusUpdateInput]>('statusUpdate');

/** Hands the incident to a person or an escalation policy. Refused once resolved. */
export const reassignUpdate = defineUpdate<IncidentView, [ReassignInput]>('reassign');

export interface AssignRolesInput extends ActorInput {
  /** The roles to set (the API resolved each contact against config, so these carry addresses). */
  roles: RoleChanges<Responder>;
}

/**
 * Assigns or changes incident roles (docs/incident-roles.md): each change on the timeline with who
 * made it; the commander gets the cadence reminders. Refused once resolved.
 */
export const assignRolesUpdate = defineUpdate<IncidentView, [AssignRolesInput]>('assignRoles');

/** Failure type of a refused update: the API answers 409 with the current state. */
export const INCIDENT_CONFLICT_FAILURE = 'IncidentConflict';
/** Failure type of an update with a malformed payload: the API answers 400. */
export const INVALID_INPUT_FAILURE = 'InvalidInput';

// Kept here too for the workflow code that imports them from this module (they live in domain/visibility.ts).
export { searchAttributes, type IncidentMemo } from '../domain/visibility';
