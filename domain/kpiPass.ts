/**
 * The KPI report in one pass over incidents whose facts were parsed once (decision 80). Gives
 * exactly what `computeKpis` (domain/kpis.ts, the plain statement of every definition) gives for
 * the same incidents, and `test/domain/kpiPass.test.ts` compares the two over varied data; this
 * one only avoids the plain pass's cost over 100,000 incidents: no filtered copies, no ISO time
 * parsed or sliced at each report, per-day buckets by number, and no grouping by key for
 * incidents whose key no other incident has.
 */
import {
  dayOf,
  firstResponseAt,
  meanDuration,
  meanOfMs,
  periodDays,
  REOPEN_WINDOW_SECONDS,
  tidy,
  zeroSeverities,
  type DayFigures,
  type IncidentFacts,
  type KpiInputs,
  type KpiReport,
  type ResolverKind,
  type SeverityCounts,
} from './kpis';

const DAY_MS = 86_400_000;

/** One incident's facts with every time the report compares parsed, and its day in the series. */
export interface KpiEntry {
  readonly incident: IncidentFacts;
  readonly openedMs: number;
  /** NaN for a time that does not parse (it then counts nowhere, as in the plain pass). */
  readonly resolvedMs: number | undefined;
  readonly respondedMs: number | undefined;
  /** Start of the UTC day of each time (ms), NaN when it has none. */
  readonly openedDayMs: number;
  readonly resolvedDayMs: number;
  readonly respondedDayMs: number;
}

const dayStartOf = (at: string | undefined, ms: number | undefined): number => (at === undefined || ms === undefined || !Number.isFinite(ms) ? NaN : Date.parse(`${dayOf(at)}T00:00:00Z`));

/**
 * Parsed entries by facts object: facts are never changed once made (domain/kpis.ts), and the API
 * hands a closed incident's same object to every report, so each is parsed once per process.
 */
const entries = new WeakMap<IncidentFacts, KpiEntry>();

export function kpiEntryOf(incident: IncidentFacts): KpiEntry {
  const known = entries.get(incident);
  if (known) return known;
  const respondedAt = firstResponseAt(incident);
  const openedMs = Date.parse(incident.openedAt);
  const resolvedMs = incident.resolvedAt === undefined ? undefined : Date.parse(incident.resolvedAt);
  const respondedMs = respondedAt === undefined ? undefined : Date.parse(respondedAt);
  const entry: KpiEntry = {
    incident,
    openedMs,
    resolvedMs,
    respondedMs,
    openedDayMs: dayStartOf(incident.openedAt, openedMs),
    resolvedDayMs: dayStartOf(incident.resolvedAt, resolvedMs),
    respondedDayMs: dayStartOf(respondedAt, respondedMs),
  };
  entries.set(incident, entry);
  return entry;
}

export interface KpiPassInputs extends Omit<KpiInputs, 'incidents'> {
  /** Every incident that may count, as for `computeKpis` (others' services are left out here too). */
  entries: readonly KpiEntry[];
  /**
   * Beside `entries`, index by index: false only for an incident no other incident in `entries`
   * shares a key with (it can neither be nor precede a reopening, so it needs no grouping). Without
   * it every incident is grouped.
   */
  mayShareKey?: ArrayLike<boolean>;
}

interface ServiceRow {
  service: string;
  opened: number;
  resolved: number;
  bySeverity: SeverityCounts;
}

/** Incidents opened within the reopen window after the previous incident of their key resolved (as `reopenings`). */
function reopenedIds(grouped: KpiEntry[], windowFor: (service: string) => number | undefined): Set<string> {
  const byKey = new Map<string, KpiEntry[]>();
  for (const entry of grouped) {
    const ofKey = byKey.get(entry.incident.key);
    if (ofKey) ofKey.push(entry);
    else byKey.set(entry.incident.key, [entry]);
  }
  const reopened = new Set<string>();
  for (const ofKey of byKey.values()) {
    if (ofKey.length < 2) continue;
    // The plain pass's order: by opening, then by id.
    ofKey.sort((a, b) => a.openedMs - b.openedMs || a.incident.incidentId.localeCompare(b.incident.incidentId));
    for (let index = 1; index < ofKey.length; index++) {
      const previous = ofKey[index - 1];
      const windowSeconds = windowFor(ofKey[index].incident.service);
      const gap = previous.resolvedMs === undefined ? undefined : (ofKey[index].openedMs - previous.resolvedMs) / 1000;
      if (windowSeconds !== undefined && gap !== undefined && gap >= 0 && gap <= windowSeconds) reopened.add(ofKey[index].incident.incidentId);
    }
  }
  return reopened;
}

/** Every KPI of the period, equal to `computeKpis` over the same incidents. */
export function computeKpisInOnePass(inputs: KpiPassInputs): KpiReport {
  const { period, service } = inputs;
  const fromMs = period.from.getTime();
  const toMs = period.to.getTime();
  const windowFor = inputs.reopenWithinSeconds ?? (() => REOPEN_WINDOW_SECONDS);
  const { entries, mayShareKey } = inputs;

  const days = periodDays(period);
  const firstDayMs = days.length === 0 ? NaN : Date.parse(`${days[0]}T00:00:00Z`);
  const dayOpened = new Array<number>(days.length).fill(0);
  const dayResolved = new Array<number>(days.length).fill(0);
  const dayTtrMs = new Array<number>(days.length).fill(0);
  const dayResponded = new Array<number>(days.length).fill(0);
  const dayTtaMs = new Array<number>(days.length).fill(0);
  const dayIndex = (dayMs: number) => {
    const index = (dayMs - firstDayMs) / DAY_MS;
    return index >= 0 && index < days.length ? index : -1;
  };

  const bySeverity = zeroSeverities();
  const services = new Map<string, ServiceRow>();
  const serviceRow = (name: string) => {
    let row = services.get(name);
    if (!row) services.set(name, (row = { service: name, opened: 0, resolved: 0, bySeverity: zeroSeverities() }));
    return row;
  };
  const resolvedBy: Record<ResolverKind | 'unknown', number> = { human: 0, runbook: 0, source: 0, flap: 0, unknown: 0 };
  let opened = 0;
  let resolved = 0;
  let openAtEnd = 0;
  let ttrMs = 0;
  let responded = 0;
  let ttaMs = 0;
  let pages = 0;
  let paging = 0;
  const grouped: KpiEntry[] = [];

  for (let position = 0; position < entries.length; position++) {
    const entry = entries[position];
    const { incident } = entry;
    if (service !== undefined && incident.service !== service) continue;
    if (mayShareKey === undefined || mayShareKey[position]) grouped.push(entry);
    const { openedMs, resolvedMs, respondedMs } = entry;
    if (openedMs >= fromMs && openedMs < toMs) {
      opened += 1;
      bySeverity[incident.severity] += 1;
      const row = serviceRow(incident.service);
      row.opened += 1;
      row.bySeverity[incident.severity] += 1;
      const index = dayIndex(entry.openedDayMs);
      if (index >= 0) dayOpened[index] += 1;
    }
    if (resolvedMs !== undefined && resolvedMs >= fromMs && resolvedMs < toMs) {
      resolved += 1;
      serviceRow(incident.service).resolved += 1;
      resolvedBy[incident.resolvedBy ?? 'unknown'] += 1;
      if (incident.pages !== undefined) {
        paging += 1;
        pages += incident.pages;
      }
      ttrMs += resolvedMs - openedMs;
      const index = dayIndex(entry.resolvedDayMs);
      if (index >= 0) {
        dayResolved[index] += 1;
        dayTtrMs[index] += resolvedMs - openedMs;
      }
    }
    if (respondedMs !== undefined && respondedMs >= fromMs && respondedMs < toMs) {
      responded += 1;
      ttaMs += respondedMs - openedMs;
      const index = dayIndex(entry.respondedDayMs);
      if (index >= 0) {
        dayResponded[index] += 1;
        dayTtaMs[index] += respondedMs - openedMs;
      }
    }
    if (openedMs < toMs && (resolvedMs === undefined || resolvedMs >= toMs)) openAtEnd += 1;
  }

  let reopened = 0;
  if (grouped.length >= 2) {
    const ids = reopenedIds(grouped, windowFor);
    for (const entry of grouped) if (ids.has(entry.incident.incidentId) && entry.openedMs >= fromMs && entry.openedMs < toMs) reopened += 1;
  }

  const quiet = inputs.quiet;
  const quietTotal = quiet ? quiet.event + quiet.suppressed : 0;
  const series = days.map(
    (day, index): DayFigures => ({
      day,
      opened: dayOpened[index],
      resolved: dayResolved[index],
      mttaSeconds: meanOfMs(dayTtaMs[index], dayResponded[index]),
      mttrSeconds: meanOfMs(dayTtrMs[index], dayResolved[index]),
    }),
  );

  return {
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    service: service ?? null,
    incidents: {
      opened,
      resolved,
      openAtEnd,
      reopened,
      bySeverity,
      byService: [...services.values()].sort((a, b) => b.opened - a.opened || a.service.localeCompare(b.service)),
    },
    mtta: meanDuration(ttaMs, responded),
    mttr: meanDuration(ttrMs, resolved),
    pagesPerIncident: { value: tidy(paging === 0 ? null : pages / paging), pages, incidents: paging },
    autoResolved: { byRunbook: resolvedBy.runbook, percent: tidy(resolved === 0 ? null : (resolvedBy.runbook / resolved) * 100), resolvedBy },
    noise: quiet
      ? { events: quiet.event, suppressed: quiet.suppressed, promoted: quiet.promoted, incidents: opened, ratio: tidy(quietTotal + opened === 0 ? null : quietTotal / (quietTotal + opened)) }
      : null,
    openProblems: inputs.openProblems,
    series,
  };
}
