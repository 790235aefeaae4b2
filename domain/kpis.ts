/**
 * Incident KPIs over a period, as pure arithmetic on facts the system already keeps: each
 * incident's search attributes in Temporal visibility (opened, first acknowledged, resolved, by
 * whom, pages) and the counts of recorded events in the SQL store. No I/O here; `docs/kpis.md`
 * states every definition in words, and `test/domain/kpis.test.ts` pins them down.
 *
 * The rule for periods: a figure belongs to the period in which the moment it measures happened.
 * An incident counts as opened where it opened, its time to resolve where it resolved (measured
 * in full, from its opening, even when that was before the period), its time to acknowledge
 * where it was first acknowledged. So a period's figures never change once it is over, and an
 * incident spanning a boundary counts once for each fact, never twice and never clipped.
 */
import type { PageRecord } from './incident';
import type { Severity } from './severity';
import { SEVERITIES } from './severity';

/** Who ended an incident: a person, its runbook, its source's word (auto-resolve), or the flap filter. */
export type ResolverKind = 'human' | 'runbook' | 'source' | 'flap';
export const RESOLVER_KINDS: readonly ResolverKind[] = ['human', 'runbook', 'source', 'flap'];

/**
 * The kind of resolver behind an incident's `resolvedBy` text, as `domain/incident.ts` and the
 * workflow write it: `runbook <id>`, `source`, `flap filter`, or a person with the channel they used.
 */
export function resolverKind(resolvedBy: string): ResolverKind {
  if (resolvedBy.startsWith('runbook ')) return 'runbook';
  if (resolvedBy === 'source') return 'source';
  if (resolvedBy === 'flap filter') return 'flap';
  return 'human';
}

/** Pages that reached a transport (sent now, or found already sent on a retry); failed ones woke nobody. */
export function deliveredPages(paged: readonly PageRecord[]): number {
  return paged.filter((page) => page.outcome.startsWith('sent') || page.outcome === 'already sent').length;
}

/**
 * A later incident of the same key opened within this long after the previous one resolved is a
 * reopening, when no policy says otherwise. Vigil passes the problem policy's `reopenWithin`
 * (`domain/problemConfig.ts`, default 1h), so a KPI reopening is what opens a problem.
 */
export const REOPEN_WINDOW_SECONDS = 3600;

/** Longest period one request may ask for (the per-day series has one entry per day). */
export const MAX_KPI_PERIOD_DAYS = 366;

/**
 * What KPIs need to know of one incident. Times are ISO-8601. Never changed once made: a report
 * keeps each one's parsed times (see `timed`), so a changed fact is a new object.
 */
export interface IncidentFacts {
  incidentId: string;
  /**
   * What makes incidents "the same": their recurrence fingerprint (by default service and dedup
   * key or alert group), else their workflow id. A key's next incident soon after one resolved is a reopening.
   */
  key: string;
  service: string;
  /** The incident's severity (the highest it reached). */
  severity: Severity;
  openedAt: string;
  /** First acknowledgement; a later re-acknowledgement after a re-trigger does not move it. */
  acknowledgedAt?: string;
  resolvedAt?: string;
  /** Absent for incidents resolved before Vigil recorded it. */
  resolvedBy?: ResolverKind;
  /** Pages delivered, known once the incident is over. */
  pages?: number;
}

/** Recorded alerts that paged nobody, in the period (firing ones; an alert's end is not counted). */
export interface QuietAlertCounts {
  /** Recorded as events by the event policy. */
  event: number;
  /** Suppressed by a maintenance window. */
  suppressed: number;
  /** Events promoted to an incident by recurrence (they paged through that incident). */
  promoted: number;
}

export interface KpiPeriod {
  from: Date;
  to: Date;
}

export interface DayFigures {
  /** UTC date, YYYY-MM-DD. The first and last day cover only their part inside the period. */
  day: string;
  opened: number;
  resolved: number;
  mttaSeconds: number | null;
  mttrSeconds: number | null;
}

/** A mean duration with what it is the mean of (the total lets a chart add services up). */
export interface MeanDuration {
  seconds: number | null;
  count: number;
  totalSeconds: number;
}

export type SeverityCounts = Record<Severity, number>;

export interface KpiReport {
  from: string;
  to: string;
  /** The service the figures are limited to, or null for all. */
  service: string | null;
  incidents: {
    opened: number;
    resolved: number;
    /** Opened before the period's end and not resolved by then (still open at `to`). */
    openAtEnd: number;
    /** Opened in the period within the reopen window after the previous incident of the same key resolved. */
    reopened: number;
    bySeverity: SeverityCounts;
    byService: Array<{ service: string; opened: number; resolved: number; bySeverity: SeverityCounts }>;
  };
  /** Mean time to acknowledge: opened → first response, over incidents first responded to in the period. */
  mtta: MeanDuration;
  /** Mean time to resolve: opened → resolved, over incidents resolved in the period. */
  mttr: MeanDuration;
  /** Pages delivered per incident resolved in the period (incidents whose pages are known). */
  pagesPerIncident: { value: number | null; pages: number; incidents: number };
  /** Of incidents resolved in the period: by whom, and the share its runbook resolved (0-100). */
  autoResolved: { byRunbook: number; percent: number | null; resolvedBy: Record<ResolverKind | 'unknown', number> };
  /** Alerts that paged nobody against incidents opened; null when the event store is not available. */
  noise: { events: number; suppressed: number; promoted: number; incidents: number; ratio: number | null } | null;
  /** Problem workflows running now (not limited to the period or the service). */
  openProblems: number;
  series: DayFigures[];
}

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

/** Rounded to milliseconds, so JSON carries no float noise. */
export const tidy = (value: number | null): number | null => (value === null ? null : Math.round(value * 1000) / 1000);

/**
 * The mean seconds of `count` durations that add up to `totalMs`. Durations are whole milliseconds
 * (differences of parsed times), so their sum is exact in any order: every way of adding the same
 * incidents up (this plain pass, or `domain/kpiPass.ts`) gives the same figure to the last digit.
 */
export function meanOfMs(totalMs: number, count: number): number | null {
  return tidy(count === 0 ? null : totalMs / 1000 / count);
}

export function meanDuration(totalMs: number, count: number): MeanDuration {
  return { seconds: meanOfMs(totalMs, count), count, totalSeconds: tidy(totalMs / 1000) as number };
}

const sumOf = (values: number[]) => values.reduce((sum, value) => sum + value, 0);

export const zeroSeverities = (): SeverityCounts => Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as SeverityCounts;

/**
 * When someone first responded to the incident: its first acknowledgement, or, for one resolved
 * by a person without an acknowledgement, that resolution. Runbook, source and flap-filter
 * resolutions are no response, so such incidents have none.
 */
export function firstResponseAt(incident: IncidentFacts): string | undefined {
  if (incident.acknowledgedAt) return incident.acknowledgedAt;
  return incident.resolvedBy === 'human' ? incident.resolvedAt : undefined;
}

/** The reopen window of a service's incidents in seconds; undefined: reopenings are not counted for it. */
export type ReopenWindow = (service: string) => number | undefined;

/** Ids of incidents opened within the reopen window after the previous incident of the same key resolved. */
export function reopenings(incidents: readonly IncidentFacts[], windowFor: ReopenWindow = () => REOPEN_WINDOW_SECONDS): Set<string> {
  const byKey = new Map<string, IncidentFacts[]>();
  for (const incident of incidents) {
    const ofKey = byKey.get(incident.key);
    if (ofKey) ofKey.push(incident);
    else byKey.set(incident.key, [incident]);
  }
  const reopened = new Set<string>();
  for (const ofKey of byKey.values()) {
    // Most keys have one incident in a period: nothing to order, nothing reopened.
    if (ofKey.length < 2) continue;
    const ordered = [...ofKey].sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt) || a.incidentId.localeCompare(b.incidentId));
    for (let index = 1; index < ordered.length; index++) {
      const previous = ordered[index - 1];
      const windowSeconds = windowFor(ordered[index].service);
      const gap = previous.resolvedAt === undefined ? undefined : seconds(previous.resolvedAt, ordered[index].openedAt);
      if (windowSeconds !== undefined && gap !== undefined && gap >= 0 && gap <= windowSeconds) reopened.add(ordered[index].incidentId);
    }
  }
  return reopened;
}

/**
 * The UTC day (YYYY-MM-DD) a time belongs to in the per-day series. A UTC ISO time's first 10
 * characters are its day; any other form goes through Date.
 */
export const dayOf = (at: string): string => (at.length > 10 && at[10] === 'T' && at.endsWith('Z') ? at.slice(0, 10) : new Date(at).toISOString().slice(0, 10));

/** The UTC days the period touches, as YYYY-MM-DD (empty for an empty period). */
export function periodDays(period: KpiPeriod): string[] {
  const days: string[] = [];
  if (period.to.getTime() <= period.from.getTime()) return days;
  const last = new Date(period.to.getTime() - 1).toISOString().slice(0, 10);
  for (let day = new Date(`${period.from.toISOString().slice(0, 10)}T00:00:00Z`); ; day = new Date(day.getTime() + 86_400_000)) {
    const text = day.toISOString().slice(0, 10);
    days.push(text);
    if (text >= last) return days;
  }
}

export interface KpiInputs {
  period: KpiPeriod;
  /** Limit to one service (the facts may hold others; they are left out). */
  service?: string;
  /**
   * Every incident that may count: open at some moment of the period, or resolved up to the
   * longest reopen window before it (to recognise reopenings). More is harmless.
   */
  incidents: readonly IncidentFacts[];
  /** Reopen window by service (default: REOPEN_WINDOW_SECONDS for every service). */
  reopenWithinSeconds?: ReopenWindow;
  /** Recorded events of the period (already limited to the service); absent without an event store. */
  quiet?: QuietAlertCounts;
  openProblems: number;
}

/**
 * An incident with its times parsed once: every figure compares times, and over 100,000 incidents
 * parsing an ISO time for each comparison cost more than all the rest of the arithmetic.
 */
interface TimedIncident {
  incident: IncidentFacts;
  openedMs: number;
  resolvedMs: number | undefined;
  respondedAt: string | undefined;
  respondedMs: number | undefined;
}

/**
 * Parsed times by facts object. Facts are never changed once made, and the API hands the same
 * object for a closed incident to every report (api/reporting/temporalKpiSource.ts), so each is
 * parsed once per process; a weak map keeps nothing alive that the caller dropped.
 */
const parsed = new WeakMap<IncidentFacts, TimedIncident>();

function timed(incident: IncidentFacts): TimedIncident {
  const known = parsed.get(incident);
  if (known) return known;
  const respondedAt = firstResponseAt(incident);
  const entry: TimedIncident = {
    incident,
    openedMs: Date.parse(incident.openedAt),
    resolvedMs: incident.resolvedAt === undefined ? undefined : Date.parse(incident.resolvedAt),
    respondedAt,
    respondedMs: respondedAt === undefined ? undefined : Date.parse(respondedAt),
  };
  parsed.set(incident, entry);
  return entry;
}

/** Every KPI of the period. Pure: the same facts always give the same report. */
export function computeKpis(inputs: KpiInputs): KpiReport {
  const { period } = inputs;
  const fromMs = period.from.getTime();
  const toMs = period.to.getTime();
  const within = (ms: number | undefined): ms is number => ms !== undefined && ms >= fromMs && ms < toMs;
  const incidents = inputs.service === undefined ? inputs.incidents : inputs.incidents.filter((incident) => incident.service === inputs.service);
  const all = incidents.map(timed);
  const opened = all.filter((entry) => within(entry.openedMs));
  const resolved = all.filter((entry) => within(entry.resolvedMs));
  const responded = all.filter((entry) => within(entry.respondedMs));
  const openAtEnd = all.filter((entry) => entry.openedMs < toMs && (entry.resolvedMs === undefined || entry.resolvedMs >= toMs));
  const reopened = reopenings(incidents, inputs.reopenWithinSeconds);
  // In whole milliseconds: added up exactly (see meanOfMs).
  const timeToResolve = (entry: TimedIncident) => (entry.resolvedMs as number) - entry.openedMs;
  const timeToRespond = (entry: TimedIncident) => (entry.respondedMs as number) - entry.openedMs;

  const bySeverity = zeroSeverities();
  const services = new Map<string, { service: string; opened: number; resolved: number; bySeverity: SeverityCounts }>();
  const serviceRow = (service: string) => {
    let row = services.get(service);
    if (!row) services.set(service, (row = { service, opened: 0, resolved: 0, bySeverity: zeroSeverities() }));
    return row;
  };
  for (const { incident } of opened) {
    bySeverity[incident.severity] += 1;
    const row = serviceRow(incident.service);
    row.opened += 1;
    row.bySeverity[incident.severity] += 1;
  }
  for (const { incident } of resolved) serviceRow(incident.service).resolved += 1;

  const resolvedBy: Record<ResolverKind | 'unknown', number> = { human: 0, runbook: 0, source: 0, flap: 0, unknown: 0 };
  for (const { incident } of resolved) resolvedBy[incident.resolvedBy ?? 'unknown'] += 1;
  const paging = resolved.filter((entry) => entry.incident.pages !== undefined);
  const pages = paging.reduce((sum, entry) => sum + (entry.incident.pages ?? 0), 0);

  const quiet = inputs.quiet;
  const quietTotal = quiet ? quiet.event + quiet.suppressed : 0;

  // One pass per fact into day buckets: a year of days over thousands of incidents stays linear.
  const buckets = new Map(periodDays(period).map((day) => [day, { opened: 0, ttr: [] as number[], tta: [] as number[] }]));
  for (const { incident } of opened) {
    const bucket = buckets.get(dayOf(incident.openedAt));
    if (bucket) bucket.opened += 1;
  }
  for (const entry of resolved) buckets.get(dayOf(entry.incident.resolvedAt as string))?.ttr.push(timeToResolve(entry));
  for (const entry of responded) buckets.get(dayOf(entry.respondedAt as string))?.tta.push(timeToRespond(entry));
  const series = [...buckets].map(([day, bucket]): DayFigures => ({
    day,
    opened: bucket.opened,
    resolved: bucket.ttr.length,
    mttaSeconds: meanOfMs(sumOf(bucket.tta), bucket.tta.length),
    mttrSeconds: meanOfMs(sumOf(bucket.ttr), bucket.ttr.length),
  }));

  return {
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    service: inputs.service ?? null,
    incidents: {
      opened: opened.length,
      resolved: resolved.length,
      openAtEnd: openAtEnd.length,
      reopened: opened.filter((entry) => reopened.has(entry.incident.incidentId)).length,
      bySeverity,
      byService: [...services.values()].sort((a, b) => b.opened - a.opened || a.service.localeCompare(b.service)),
    },
    mtta: meanDuration(sumOf(responded.map(timeToRespond)), responded.length),
    mttr: meanDuration(sumOf(resolved.map(timeToResolve)), resolved.length),
    pagesPerIncident: { value: tidy(paging.length === 0 ? null : pages / paging.length), pages, incidents: paging.length },
    autoResolved: { byRunbook: resolvedBy.runbook, percent: tidy(resolved.length === 0 ? null : (resolvedBy.runbook / resolved.length) * 100), resolvedBy },
    noise: quiet
      ? {
          events: quiet.event,
          suppressed: quiet.suppressed,
          promoted: quiet.promoted,
          incidents: opened.length,
          ratio: tidy(quietTotal + opened.length === 0 ? null : quietTotal / (quietTotal + opened.length)),
        }
      : null,
    openProblems: inputs.openProblems,
    series,
  };
}
