/**
 * What the HTTP API needs from the incident store. Temporal is the store (see
 * `temporalGateway.ts`); routes depend only on this interface, so they are tested with a fake.
 */
import type { Alert } from '../../domain/alert';
import type { IncidentStatus, IncidentView } from '../../domain/incident';
import type { IncidentRowFacts } from '../../domain/incidentRowFacts';
import type { Severity } from '../../domain/severity';
import type { ActorInput, AssignRolesInput, NoteInput, ReassignInput, ResolveInput, StatusUpdateInput } from '../../contracts/incident';

/** One row of an incident listing (from Temporal visibility, no query per incident). */
export interface IncidentSummary {
  id: string;
  code: string;
  status: IncidentStatus;
  severity: Severity;
  service: string;
  summary: string;
  createdAt: string;
}

/**
 * An open incident as the dashboard lists it: its summary, and the row facts its workflow keeps in
 * its memo (decision 73); `facts` is absent for runs started before that (the row is then read by query).
 */
export interface OpenRow {
  summary: IncidentSummary;
  workflowId: string;
  facts?: IncidentRowFacts;
}

/** A page of open rows; `next` is the cursor of the page after it (absent on the last). */
export interface OpenRowsPage {
  rows: OpenRow[];
  next?: string;
}

export interface IncidentFilter {
  status?: IncidentStatus;
  service?: string;
  severity?: Severity;
  /** At most this many, newest first. */
  limit: number;
}

export interface SubmittedAlert {
  /** The incident the alert opened or joined. */
  incidentId: string;
}

/** The answer to an acknowledge: the incident, and whether this call was the one that acknowledged it. */
export interface Acknowledgement {
  incident: IncidentView;
  /** True when the incident was acknowledged before this call (by `incident.acknowledgedBy`, at `incident.acknowledgedAt`). */
  alreadyAcknowledged: boolean;
}

export interface IncidentGateway {
  /** Resolves only once Temporal durably holds the alert (signalWithStart completed). */
  submitAlert(alert: Alert): Promise<SubmittedAlert>;
  /**
   * Hands over alerts of one incident key in one call (a storm's repeats, coalesced by the API).
   * Resolves only once Temporal durably holds all of them.
   */
  submitAlerts(alerts: Alert[]): Promise<SubmittedAlert>;
  /**
   * Tells the open incident of this alert's key that its source reports it resolved.
   * @returns false when no incident of that key is open (nothing to tell).
   */
  noteSourceResolved(alert: Alert): Promise<boolean>;
  /**
   * Acknowledges the open incident of this alert's key on the sender's word (PagerDuty's
   * acknowledge action). @returns false when no incident of that key is open.
   */
  acknowledgeOpen(alert: Alert, actor: ActorInput): Promise<boolean>;
  /**
   * Adds a note to the timeline of the open incident of this key (Opsgenie's add-note).
   * @returns false when no incident of that key is open.
   */
  noteOpen(key: Pick<Alert, 'service' | 'dedupKey' | 'groupKey'>, note: NoteInput): Promise<boolean>;
  /**
   * Tells an open incident it belongs to a problem (linked by hand), so its timeline, view and
   * review name it. @returns false when the incident is no longer open (nothing to tell).
   */
  noteProblem(incidentId: string, problem: { id: string; title: string; workaround?: string }): Promise<boolean>;
  /** @returns `undefined` when no such incident exists. */
  get(incidentId: string): Promise<IncidentView | undefined>;
  list(filter: IncidentFilter): Promise<IncidentSummary[]>;
  /**
   * Open incidents, most severe and newest first, `limit` at a time from `after` (a cursor from the
   * page before, checked by the route; see `openRows.ts`), with their row facts: one listing per
   * severity the page reaches, no query per incident.
   */
  listOpenRows(page: { limit: number; after?: string }): Promise<OpenRowsPage>;
  /**
   * Acknowledges, or tells that someone else (or this actor, earlier) already had.
   * @throws IncidentNotFoundError, IncidentConflictError
   */
  acknowledge(incidentId: string, actor: ActorInput): Promise<Acknowledgement>;
  /** @throws IncidentNotFoundError, IncidentConflictError */
  resolve(incidentId: string, input: ResolveInput): Promise<IncidentView>;
  /** Notifies the next escalation level now. @throws IncidentNotFoundError, IncidentConflictError */
  escalate(incidentId: string, actor: ActorInput): Promise<IncidentView>;
  /** Hands the incident to a person or a policy. @throws IncidentNotFoundError, IncidentConflictError */
  reassign(incidentId: string, input: ReassignInput): Promise<IncidentView>;
  /** Assigns or changes incident roles. @throws IncidentNotFoundError, IncidentConflictError */
  assignRoles(incidentId: string, input: AssignRolesInput): Promise<IncidentView>;
  /** Posts a responder's status update for stakeholders. @throws IncidentNotFoundError, IncidentConflictError */
  postUpdate(incidentId: string, input: StatusUpdateInput): Promise<IncidentView>;
  /** Ids of open incidents with this short code (normally one). */
  findOpenByCode(code: string): Promise<string[]>;
  /** Ids of open incidents that paged this contact, newest first (for a bare SMS "ACK"). */
  findOpenPagedTo(contactId: string): Promise<string[]>;
  /** Whether Temporal answers, for `/readyz`. */
  isReady(): Promise<boolean>;
}

/** Thrown when an incident id names no incident this system knows. */
export class IncidentNotFoundError extends Error {
  constructor(readonly incidentId: string) {
    super(`no incident ${incidentId}`);
    this.name = 'IncidentNotFoundError';
  }
}

/** Thrown when an acknowledge or resolve is refused by the incident's state (HTTP 409). */
export class IncidentConflictError extends Error {
  constructor(
    message: string,
    /** The incident as it now stands, when it could be read. */
    readonly incident?: IncidentView,
  ) {
    super(message);
    this.name = 'IncidentConflictError';
  }
}

/** Thrown when Temporal refuses a call for what it asked (HTTP 400): retrying it cannot succeed. */
export class TemporalRefusedError extends Error {
  constructor(
    cause: unknown,
    /** The request field the refusal is about. */
    readonly field = 'id',
  ) {
    super(`Temporal refused the request: ${((cause as Error)?.message ?? String(cause)).slice(0, 300)}`, { cause });
    this.name = 'TemporalRefusedError';
  }
}

/**
 * Thrown when a backend the request needs, Temporal or the SQL store, cannot be reached or does
 * not answer in time (HTTP 503). `publicMessage` names which.
 */
export class BackendUnavailableError extends Error {
  constructor(
    cause: unknown,
    /** What a caller is told (the cause, with internal addresses, goes to the log only). */
    readonly publicMessage = 'Temporal is unavailable',
  ) {
    super(`${publicMessage}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'BackendUnavailableError';
  }
}
