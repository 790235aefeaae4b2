import type { Alert } from './alert';
import { alertContext, type AlertContext } from './alertContext';
import type { Channel, EscalationStep, Responder } from './escalation';
import { applyRoleChanges, type IncidentRoles, type RoleChanges } from './incidentRoles';
import { incidentRowFacts, type IncidentRowFacts } from './incidentRowFacts';
import { levelNumber } from './escalation';
import type { Severity } from './severity';
import { compareSeverity } from './severity';

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';
export const INCIDENT_STATUSES: readonly IncidentStatus[] = ['triggered', 'acknowledged', 'resolved'];

export type RunbookStepName = 'diagnose' | 'remediate' | 'verify';

export interface RunbookStepResult {
  step: RunbookStepName;
  ok: boolean;
  summary: string;
  at: string;
}

export type TimelineKind =
  | 'alert'
  | 'repeat'
  | 'runbook'
  | 'page'
  | 'escalation'
  | 'acknowledged'
  | 'resolved'
  | 'notification'
  | 'note'
  /** A responder's status update for stakeholders. */
  | 'update'
  /** A change of the service (deploy, config push) reported around the incident; added by the API when read. */
  | 'change'
  /** An incident role (commander, communications lead, scribe, responders) assigned or changed. */
  | 'role';

export interface TimelineEntry {
  at: string;
  kind: TimelineKind;
  text: string;
  by?: string;
}

export interface PageRecord {
  responderId: string;
  name: string;
  channel: Channel;
  level: number;
  cycle: number;
  at: string;
  /** `sent`, or why it was not (no address, transport error after retries). */
  outcome: string;
}

/** A responder's status update, sent to the stakeholders. */
export interface StatusUpdate {
  at: string;
  by: string;
  text: string;
  /** Expected resolution time the responder gave, if any (ISO-8601). */
  eta?: string;
}

/** Updates kept on an incident (the newest); older ones stay on the timeline while it has room. */
export const MAX_UPDATES = 50;

/** One distinct alert (by dedup key) of an incident: a group's incident lists several. */
export interface IncidentAlert {
  dedupKey: string;
  summary: string;
  severity: Severity;
  /** As its source last reported it. */
  status: 'firing' | 'resolved';
  count: number;
  firstAt: string;
  lastAt: string;
  /** Links and short fields from the alert's details (the latest firing's), bounded; see domain/alertContext.ts. */
  context?: AlertContext;
}

/** An incident lists at most this many distinct alerts; more are counted, not listed. */
export const MAX_LISTED_ALERTS = 100;

/** Only the first alerts of an incident keep their context: it bounds the workflow's state. */
export const MAX_ALERTS_WITH_CONTEXT = 20;

/** The member entry's context field for this alert, or nothing when it has none. */
function contextOf(alert: Alert): { context?: AlertContext } {
  const context = alertContext(alert.details);
  return context ? { context } : {};
}

/** Everything the API shows about one incident. */
export interface IncidentView {
  id: string;
  code: string;
  workflowId: string;
  status: IncidentStatus;
  severity: Severity;
  service: string;
  summary: string;
  dedupKey: string;
  /** The alert group this incident holds, when it was opened by a grouped alert. */
  groupKey?: string;
  source: string;
  labels: Record<string, string>;
  alertCount: number;
  createdAt: string;
  lastAlertAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  escalation: {
    policyId?: string;
    /** 1-based level last notified; 0 before any page. */
    level: number;
    cycle: number;
    /** When the next level fires if nobody acknowledges; absent when none is pending. */
    nextLevelAt?: string;
    exhausted: boolean;
  };
  runbook?: { id: string; steps: RunbookStepResult[] };
  paged: PageRecord[];
  /**
   * The distinct alerts of the incident and whether each still fires. Absent in views carried
   * over from runs older than this list (then the opening alert is its only member).
   */
  alerts?: IncidentAlert[];
  /** Distinct alerts beyond MAX_LISTED_ALERTS (counted in alertCount, not listed). */
  alertsUnlisted?: number;
  /** Status updates responders posted for stakeholders, oldest first (absent before the first). */
  updates?: StatusUpdate[];
  /** Who holds the incident roles (docs/incident-roles.md); absent until one is assigned. */
  roles?: IncidentRoles;
  /** Who declared the incident by hand (absent for an incident an alert opened). */
  declaredBy?: string;
  /** The problem this incident recurs under (`domain/recurrence.ts`), with its known workaround. */
  problem?: { id: string; title: string; workaround?: string };
  timeline: TimelineEntry[];
  /** Entries dropped from the front of a very long timeline (the newest are kept). */
  timelineTruncated: number;
}

/** Why an acknowledge or resolve was refused; the API maps these to HTTP 409. */
export type TransitionRefusal = { code: 'already-resolved'; message: string };

/** Timelines are kept bounded: a storm of repeats must not grow workflow state without limit. */
export const MAX_TIMELINE_ENTRIES = 300;

export interface IncidentInit {
  id: string;
  code: string;
  workflowId: string;
  alert: Alert;
  now: Date;
}

/**
 * The state of one incident and every rule about how it changes. Pure: the workflow owns time
 * and side effects and calls these methods, so the rules are unit-tested without Temporal.
 */
export class Incident {
  private readonly state: IncidentView;

  constructor(init: IncidentInit) {
    const { alert } = init;
    const at = init.now.toISOString();
    this.state = {
      id: init.id,
      code: init.code,
      workflowId: init.workflowId,
      status: 'triggered',
      severity: alert.severity,
      service: alert.service,
      summary: alert.summary,
      dedupKey: alert.dedupKey,
      ...(alert.groupKey ? { groupKey: alert.groupKey } : {}),
      source: alert.source,
      labels: { ...alert.labels },
      alertCount: 1,
      createdAt: at,
      lastAlertAt: at,
      escalation: { level: 0, cycle: 0, exhausted: false },
      paged: [],
      alerts: [{ dedupKey: alert.dedupKey, summary: alert.summary, severity: alert.severity, status: 'firing', count: 1, firstAt: at, lastAt: at, ...contextOf(alert) }],
      alertsUnlisted: 0,
      timeline: [],
      timelineTruncated: 0,
    };
    const declared = alert.declared;
    if (declared) {
      const by = `${declared.by} (${declared.via})`;
      this.state.declaredBy = by;
      this.addEntry({ at, kind: 'alert', text: `declared by ${by}: ${alert.severity}: ${alert.summary}${declared.page ? '' : ' (paging nobody)'}`, by });
    } else {
      this.addEntry({ at, kind: 'alert', text: `${alert.severity}: ${alert.summary} (from ${alert.source})` });
    }
  }

  /** An incident carried over from an earlier run (continue-as-new), exactly as it stood. */
  static fromView(view: IncidentView): Incident {
    const incident = Object.create(Incident.prototype) as Incident;
    (incident as unknown as { state: IncidentView }).state = JSON.parse(JSON.stringify(view)) as IncidentView;
    return incident;
  }

  get status(): IncidentStatus {
    return this.state.status;
  }
  get isOpen(): boolean {
    return this.state.status !== 'resolved';
  }
  get isAcknowledged(): boolean {
    return this.state.status === 'acknowledged';
  }
  get severity(): Severity {
    return this.state.severity;
  }

  /** The list of distinct alerts, created from the opening alert for views that predate it. */
  private members(): IncidentAlert[] {
    this.state.alerts ??= [
      { dedupKey: this.state.dedupKey, summary: this.state.summary, severity: this.state.severity, status: 'firing', count: 1, firstAt: this.state.createdAt, lastAt: this.state.lastAlertAt },
    ];
    return this.state.alerts;
  }

  /** Notes an alert firing (again): a new member of the incident, or a repeat of one. */
  private noteFiring(alert: Alert, at: string): 'new' | 'refired' | 'repeat' {
    const members = this.members();
    const member = members.find((entry) => entry.dedupKey === alert.dedupKey);
    if (member) {
      const wasResolved = member.status === 'resolved';
      Object.assign(member, { status: 'firing', count: member.count + 1, lastAt: at, summary: alert.summary, severity: alert.severity });
      // The latest values and links are what a responder wants; a repeat without any keeps the old.
      if (members.indexOf(member) < MAX_ALERTS_WITH_CONTEXT) Object.assign(member, contextOf(alert));
      return wasResolved ? 'refired' : 'repeat';
    }
    if (members.length < MAX_LISTED_ALERTS) {
      const context = members.length < MAX_ALERTS_WITH_CONTEXT ? contextOf(alert) : {};
      members.push({ dedupKey: alert.dedupKey, summary: alert.summary, severity: alert.severity, status: 'firing', count: 1, firstAt: at, lastAt: at, ...context });
    } else {
      this.state.alertsUnlisted = (this.state.alertsUnlisted ?? 0) + 1;
    }
    return 'new';
  }

  /** True when every listed alert of the incident has been reported resolved by its source. */
  get allAlertsResolved(): boolean {
    return this.members().every((member) => member.status === 'resolved') && (this.state.alertsUnlisted ?? 0) === 0;
  }

  /** A repeat of the same alert, or another alert of the same group: counted, and coalesced into one timeline line per burst. */
  recordRepeat(alert: Alert, now: Date): void {
    const at = now.toISOString();
    this.state.alertCount += 1;
    this.state.lastAlertAt = at;
    const membership = this.noteFiring(alert, at);
    if (membership === 'new' && alert.dedupKey !== this.state.dedupKey) {
      this.addEntry({ at, kind: 'alert', text: `alert joined: ${alert.severity}: ${alert.summary} (from ${alert.source})` });
    } else if (membership === 'refired') {
      this.addEntry({ at, kind: 'alert', text: `fires again: ${alert.summary}` });
    }
    if (compareSeverity(alert.severity, this.state.severity) < 0) {
      this.addEntry({ at, kind: 'note', text: `severity raised from ${this.state.severity} to ${alert.severity}` });
      this.state.severity = alert.severity;
    }
    const last = this.state.timeline[this.state.timeline.length - 1];
    const text = `alert repeated (${this.state.alertCount} received)`;
    if (last?.kind === 'repeat') {
      last.at = at;
      last.text = text;
    } else {
      this.addEntry({ at, kind: 'repeat', text });
    }
  }

  /** Refusal for an acknowledge, or `undefined` if it may proceed. Acking twice is not an error. */
  checkAcknowledge(): TransitionRefusal | undefined {
    if (this.state.status === 'resolved') {
      return { code: 'already-resolved', message: `incident ${this.state.code} is already resolved` };
    }
    return undefined;
  }

  /** @returns whether this call changed the state (a second acknowledge changes nothing). */
  acknowledge(by: string, now: Date): boolean {
    if (this.checkAcknowledge()) return false;
    if (this.state.status === 'acknowledged') return false;
    const at = now.toISOString();
    this.state.status = 'acknowledged';
    this.state.acknowledgedAt = at;
    this.state.acknowledgedBy = by;
    this.state.escalation.nextLevelAt = undefined;
    this.addEntry({ at, kind: 'acknowledged', text: `acknowledged by ${by}`, by });
    return true;
  }

  checkResolve(): TransitionRefusal | undefined {
    if (this.state.status === 'resolved') {
      return { code: 'already-resolved', message: `incident ${this.state.code} is already resolved` };
    }
    return undefined;
  }

  /** @returns whether this call changed the state. */
  resolve(by: string, now: Date, note?: string): boolean {
    if (this.checkResolve()) return false;
    const at = now.toISOString();
    this.state.status = 'resolved';
    this.state.resolvedAt = at;
    this.state.resolvedBy = by;
    this.state.escalation.nextLevelAt = undefined;
    this.addEntry({ at, kind: 'resolved', text: note ? `resolved by ${by}: ${note}` : `resolved by ${by}`, by });
    return true;
  }

  /** Refusal for a manual escalate or reassign: only an open incident can be escalated. */
  checkEscalate(): TransitionRefusal | undefined {
    return this.checkResolve();
  }

  /**
   * Back to triggered, to be escalated again: an acknowledgement that timed out, a responder asking
   * for more help, a reassignment. @returns whether the status changed.
   */
  retrigger(reason: string, now: Date): boolean {
    if (this.state.status === 'resolved') return false;
    const changed = this.state.status === 'acknowledged';
    this.state.status = 'triggered';
    this.state.acknowledgedAt = undefined;
    this.state.acknowledgedBy = undefined;
    this.state.escalation.exhausted = false;
    this.addEntry({ at: now.toISOString(), kind: 'escalation', text: reason });
    return changed;
  }

  startRunbook(runbookId: string, now: Date): void {
    this.state.runbook = { id: runbookId, steps: [] };
    this.addEntry({ at: now.toISOString(), kind: 'runbook', text: `runbook ${runbookId} started` });
  }

  recordRunbookStep(result: RunbookStepResult): void {
    this.state.runbook?.steps.push(result);
    this.addEntry({
      at: result.at,
      kind: 'runbook',
      text: `${result.step} ${result.ok ? 'ok' : 'failed'}: ${result.summary}`,
    });
  }

  /** An escalation level is about to notify its targets; `nextLevelAt` is when the one after fires. */
  recordEscalation(step: EscalationStep, policyId: string, now: Date, nextLevelAt: Date | undefined): void {
    this.state.escalation = {
      policyId,
      level: levelNumber(step),
      cycle: step.cycle,
      nextLevelAt: nextLevelAt?.toISOString(),
      exhausted: false,
    };
    const repeatNote = step.cycle > 0 ? ` (repeat ${step.cycle})` : '';
    this.addEntry({ at: now.toISOString(), kind: 'escalation', text: `escalated to level ${levelNumber(step)}${repeatNote}` });
  }

  recordEscalationExhausted(now: Date, text = 'escalation policy exhausted without acknowledgement'): void {
    this.state.escalation.exhausted = true;
    this.state.escalation.nextLevelAt = undefined;
    this.addEntry({ at: now.toISOString(), kind: 'escalation', text });
  }

  recordPage(responder: Responder, channel: Channel, step: EscalationStep, now: Date, outcome: string): void {
    const at = now.toISOString();
    this.state.paged.push({ responderId: responder.id, name: responder.name, channel, level: levelNumber(step), cycle: step.cycle, at, outcome });
    this.addEntry({ at, kind: 'page', text: `paged ${responder.name} by ${channel}: ${outcome}` });
  }

  /**
   * The monitoring tool reports one alert over. Whether that resolves the incident is the
   * policy's call (see `allAlertsResolved`); by default it stays for a human to close.
   */
  recordSourceResolved(alert: Alert, now: Date): void {
    const at = now.toISOString();
    const member = this.members().find((entry) => entry.dedupKey === alert.dedupKey);
    if (member) Object.assign(member, { status: 'resolved', lastAt: at });
    const members = this.members();
    const firing = members.filter((entry) => entry.status === 'firing').length;
    const remaining = members.length > 1 ? ` (${firing} of ${members.length} alerts still firing)` : '';
    this.addEntry({ at, kind: 'note', text: `${alert.source} reports resolved: ${alert.summary}${remaining}` });
  }

  /** A responder's status update: kept (the newest MAX_UPDATES) and on the timeline. */
  recordStatusUpdate(update: StatusUpdate): void {
    this.state.updates = [...(this.state.updates ?? []), update].slice(-MAX_UPDATES);
    const eta = update.eta ? ` (ETA ${update.eta})` : '';
    this.addEntry({ at: update.at, kind: 'update', text: `update: ${update.text}${eta}`, by: update.by });
  }

  /**
   * Assigns or changes incident roles: one timeline entry per role that changed, naming who did
   * it. @returns whether anything changed.
   */
  assignRoles(changes: RoleChanges, by: string, now: Date): boolean {
    const { roles, lines } = applyRoleChanges(this.state.roles ?? {}, changes);
    if (Object.keys(roles).length > 0) this.state.roles = roles;
    else delete this.state.roles;
    const at = now.toISOString();
    for (const line of lines) this.addEntry({ at, kind: 'role', text: `${line}, assigned by ${by}`, by });
    return lines.length > 0;
  }

  /** Linked to a problem: said on the timeline, with the problem's workaround for whoever responds. */
  linkProblem(problem: { id: string; title: string; workaround?: string }, reason: string, now: Date): void {
    const at = now.toISOString();
    this.state.problem = { id: problem.id, title: problem.title, ...(problem.workaround ? { workaround: problem.workaround } : {}) };
    this.addEntry({ at, kind: 'note', text: `recurs: linked to problem "${problem.title}" (${reason})` });
    if (problem.workaround) this.addEntry({ at, kind: 'note', text: `known workaround: ${problem.workaround}` });
  }

  /** A line on the timeline about what the incident is doing (e.g. waiting out a flap pause). */
  recordNote(text: string, now: Date): void {
    this.addEntry({ at: now.toISOString(), kind: 'note', text });
  }

  recordNotification(text: string, now: Date): void {
    this.addEntry({ at: now.toISOString(), kind: 'notification', text });
  }

  /** People who were paged at least once (each once), to be told of acknowledgement and resolution. */
  pagedResponderIds(): string[] {
    return [...new Set(this.state.paged.map((page) => page.responderId))];
  }

  /** The dashboard row's facts (`domain/incidentRowFacts.ts`), read without a copy. */
  rowFacts(): IncidentRowFacts {
    return incidentRowFacts(this.state);
  }

  /** A deep copy, safe to hand to a query. */
  view(): IncidentView {
    return JSON.parse(JSON.stringify(this.state)) as IncidentView;
  }

  private addEntry(entry: TimelineEntry): void {
    this.state.timeline.push(entry);
    // Keep the first entry (the alert that opened the incident) and the newest ones.
    if (this.state.timeline.length > MAX_TIMELINE_ENTRIES) {
      this.state.timeline.splice(1, 1);
      this.state.timelineTruncated += 1;
    }
  }
}
