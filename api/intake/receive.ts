/**
 * What happens to the alerts of one request, in order: maintenance windows suppress, the event
 * policy decides incident, event or drop (promoting recurring events), events are recorded in
 * the SQL store, and the rest go to the intake (Temporal, or the spool while it is down). Every
 * route that takes alerts comes through here, so they all classify alike. A 2xx may follow only
 * when this resolves: every alert is then held.
 */
import type { Alert } from '../../domain/alert';
import { classify, ruleFor, type EventPolicy } from '../../domain/classification';
import { windowCovering } from '../../domain/maintenance';
import type { VigilConfig } from '../../domain/config';
import { groupBaseKey, groupingRuleFor, mappedSeverity, renderDedupKey, type GroupingRule } from '../../domain/grouping';
import type { SourceAlert } from '../adapters/types';
import type { AlertGroups } from '../records/alertGroups';
import { BackendUnavailableError } from '../gateways/incidentGateway';
import type { EventLog, EventRecord } from '../records/eventLog';
import type { MaintenanceWindows } from '../../platform/maintenanceWindows';
import type { AlertIntake } from './alertIntake';
import { alertIdsFor, type AlertIdDeps, type RequestIdentity } from './alertIdentity';
import type { IntakeItem } from './intakeItem';
import type { StormGuard } from './stormGuard';

export interface ReceiveDeps {
  intake: AlertIntake;
  policy: EventPolicy;
  /** Per-integration keying (dedup template, severity table, sender grouping), by integration id. */
  integrations: VigilConfig['integrations'];
  grouping: GroupingRule[];
  /** Grouping rules' windows (without it, alerts a rule matches get a 503). */
  groups?: AlertGroups;
  /** Without one, an alert the policy makes an event cannot be recorded (503). */
  events?: EventLog;
  maintenance?: MaintenanceWindows;
  /** Folds new incidents beyond an integration's rate into one storm incident (none: no limit). */
  stormGuard?: StormGuard;
  /** Each trigger held; `integrationId` is a configured integration's id, or `api`. */
  onAccepted: (alert: Alert, integrationId: string) => void;
  onDisposition?: (disposition: AlertOutcome['outcome']) => void;
  /** How alert ids are derived so a sender's retry counts once (without it, bodies get no window). */
  ids?: AlertIdDeps;
}

export type AlertOutcome = { alertId: string } & (
  | { outcome: 'incident'; incidentId?: string; spooled: boolean }
  | { outcome: 'event' | 'suppressed'; eventId: string }
  | { outcome: 'dropped' }
  | { outcome: 'resolve' | 'acknowledge'; reachedIncident: boolean; spooled: boolean }
);

function eventRecord(alert: Alert, status: EventRecord['status'], fields: Pick<EventRecord, 'disposition' | 'reason' | 'rule' | 'maintenanceId'>): EventRecord {
  return {
    id: alert.id,
    receivedAt: alert.receivedAt,
    service: alert.service,
    dedupKey: alert.dedupKey,
    source: alert.source,
    severity: alert.severity,
    summary: alert.summary,
    labels: alert.labels,
    status,
    ...fields,
  };
}

/** The integration's own keying: severity from its table, dedup key from its template, sender groups kept or not. */
function applyIntegration(alert: SourceAlert, integration: VigilConfig['integrations'][string] | undefined): SourceAlert {
  if (!integration) return alert;
  const keyed = { ...alert };
  if (integration.severityFrom) keyed.severity = mappedSeverity(integration.severityFrom, alert) ?? alert.severity;
  if (integration.dedupKey) keyed.dedupKey = renderDedupKey(integration.dedupKey, alert).slice(0, 255) || alert.dedupKey;
  if (!integration.groupBySender) delete keyed.groupKey;
  return keyed;
}

/** A grouping rule's group, windowed: the key of the incident the alert joins, or undefined. */
async function ruleGroupKey(deps: ReceiveDeps, alert: SourceAlert, now: Date): Promise<string | undefined> {
  const rule = groupingRuleFor(deps.grouping, alert);
  if (!rule) return undefined;
  if (!deps.groups) throw new BackendUnavailableError(new Error('no group store configured'), 'alert groups cannot be kept');
  const base = groupBaseKey(rule, alert);
  try {
    const seq = alert.status === 'firing' ? await deps.groups.touch(base, rule.windowSeconds, now) : await deps.groups.current(base);
    return `${base}-${seq}`;
  } catch (error) {
    throw new BackendUnavailableError(error, 'the group store is unavailable');
  }
}

/**
 * @param request what identifies the request, so a retry of it makes the same alert ids; without
 *   it, alerts lacking a sender identity get random ids (each request counts).
 */
export async function receiveAlerts(deps: ReceiveDeps, received: SourceAlert[], integrationId: string, request?: RequestIdentity): Promise<AlertOutcome[]> {
  const now = new Date();
  const ids = await alertIdsFor(deps.ids ?? {}, received, integrationId, request, now);
  const parsed: SourceAlert[] = [];
  for (const source of received) {
    const alert = applyIntegration(source, deps.integrations[integrationId]);
    // A configured grouping rule wins over the sender's own grouping.
    const groupKey = await ruleGroupKey(deps, alert, now);
    parsed.push(groupKey ? { ...alert, groupKey } : alert);
  }
  const receivedAt = now.toISOString();
  const windows = deps.maintenance ? await deps.maintenance.current(now) : [];
  const records: EventRecord[] = [];
  const items: Array<{ item: IntakeItem; index: number }> = [];
  const outcomes: AlertOutcome[] = [];

  // `declared` is only ever set by POST /v1/incidents, never taken from a sender.
  for (const [index, { status, senderId: _senderId, declared: _declared, ...fields }] of parsed.entries()) {
    const alert: Alert = { ...fields, id: ids[index], receivedAt };
    const window = windowCovering(windows, alert, now);
    const rule = ruleFor(deps.policy, alert);
    if (status !== 'firing') {
      // The end of an alert always reaches its open incident (one opened before a window or a
      // rule change must still hear of it), and is recorded where its firing was.
      if (rule?.action === 'drop') {
        outcomes.push({ alertId: alert.id, outcome: 'dropped' });
        continue;
      }
      if (window) records.push(eventRecord(alert, 'resolved', { disposition: 'suppressed', reason: `in maintenance: ${window.reason}`, maintenanceId: window.id }));
      else if (rule?.action === 'event') records.push(eventRecord(alert, 'resolved', { disposition: 'event', reason: `recorded as an event by rule ${rule.name}`, rule: rule.name }));
      const item: IntakeItem = status === 'resolved' ? { action: 'resolve', alert } : { action: 'acknowledge', alert, actor: { by: integrationId, via: alert.source } };
      items.push({ item, index });
      outcomes.push({ alertId: alert.id, outcome: item.action, reachedIncident: false, spooled: false });
      continue;
    }
    if (window) {
      records.push(eventRecord(alert, 'firing', { disposition: 'suppressed', reason: `in maintenance: ${window.reason}`, maintenanceId: window.id }));
      outcomes.push({ alertId: alert.id, outcome: 'suppressed', eventId: alert.id });
      continue;
    }
    // Only an event rule looks at history, so the common path costs no query.
    const promote = rule?.action === 'event' ? rule.promote : undefined;
    const recurrence =
      promote && deps.events
        ? // A retry must not count its own first attempt as a recurrence.
          await deps.events.recurrence(alert.service, alert.dedupKey, new Date(now.getTime() - (promote.withinSeconds ?? 0) * 1000), alert.id)
        : { recentCount: 0 };
    // Events recorded earlier in this same request count too.
    recurrence.recentCount += records.filter((record) => record.service === alert.service && record.dedupKey === alert.dedupKey && record.status === 'firing').length;
    const decision = classify(deps.policy, alert, recurrence, now);
    if (decision.disposition === 'drop') {
      outcomes.push({ alertId: alert.id, outcome: 'dropped' });
    } else if (decision.disposition === 'event') {
      records.push(eventRecord(alert, 'firing', { disposition: 'event', reason: decision.reason, rule: decision.rule }));
      outcomes.push({ alertId: alert.id, outcome: 'event', eventId: alert.id });
    } else {
      if (decision.promoted) records.push(eventRecord(alert, 'firing', { disposition: 'promoted', reason: decision.reason, rule: decision.rule }));
      const promoted: Alert = decision.promoted ? { ...alert, details: { ...alert.details, vigilPromotion: decision.reason } } : alert;
      const guarded = deps.stormGuard ? await deps.stormGuard.admit(promoted, integrationId, now) : promoted;
      items.push({ item: { action: 'trigger', alert: guarded }, index });
      outcomes.push({ alertId: alert.id, outcome: 'incident', spooled: false });
    }
  }

  if (records.length > 0) {
    if (!deps.events) throw new BackendUnavailableError(new Error('no event store configured'), 'events cannot be recorded');
    try {
      await deps.events.record(records);
    } catch (error) {
      // Not the sender's fault, and retrying may succeed: a 503, never a 4xx.
      throw new BackendUnavailableError(error, 'the event store is unavailable');
    }
  }
  const held = await deps.intake.accept(items.map(({ item }) => item));
  held.forEach((result, position) => {
    const { item, index } = items[position];
    const outcome = outcomes[index];
    if (item.action === 'trigger') deps.onAccepted(item.alert, integrationId);
    if (outcome.outcome === 'incident') {
      outcomes[index] = { ...outcome, spooled: result.held === 'spool', ...(result.held === 'temporal' && result.incidentId ? { incidentId: result.incidentId } : {}) };
    } else if (outcome.outcome === 'resolve' || outcome.outcome === 'acknowledge') {
      outcomes[index] = { ...outcome, spooled: result.held === 'spool', reachedIncident: result.held === 'temporal' && result.reachedIncident };
    }
  });
  for (const outcome of outcomes) deps.onDisposition?.(outcome.outcome);
  return outcomes;
}

/** The counts a route answers with. */
export function summarize(outcomes: AlertOutcome[]) {
  const count = (outcome: AlertOutcome['outcome']) => outcomes.filter((entry) => entry.outcome === outcome).length;
  return {
    incidentIds: [...new Set(outcomes.flatMap((entry) => (entry.outcome === 'incident' && entry.incidentId ? [entry.incidentId] : [])))],
    openIncidentsUpdated: outcomes.filter((entry) => (entry.outcome === 'resolve' || entry.outcome === 'acknowledge') && entry.reachedIncident).length,
    spooled: outcomes.filter((entry) => 'spooled' in entry && entry.spooled).length,
    events: count('event'),
    suppressed: count('suppressed'),
    dropped: count('dropped'),
  };
}

/**
 * Hands a request's alerts to the receive pipeline in order, so a 2xx means every one of them is
 * held: as an incident (by Temporal, or the spool while Temporal is down) or a recorded event.
 * Every sender's route (and the SMTP listener) answers from this summary.
 */
export async function acceptAlerts(deps: { receive: ReceiveDeps }, parsed: SourceAlert[], integrationId: string, request?: RequestIdentity) {
  return summarize(await receiveAlerts(deps.receive, parsed, integrationId, request));
}
