import { describe, expect, it } from 'vitest';
import { computeKpis, RESOLVER_KINDS, type IncidentFacts, type KpiPeriod, type ReopenWindow } from '../../domain/kpis';
import { computeKpisInOnePass, kpiEntryOf } from '../../domain/kpiPass';
import { SEVERITIES } from '../../domain/severity';
import { seededRandom } from '../../devkit/seededRandom';

const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-11-25T12:00:00Z');

/**
 * Incidents of every shape a report meets: spanning a period's edges, still open, resolved with
 * and without an acknowledgement, by every kind of resolver or by none recorded, pages known or
 * not, keys that recur within minutes (reopenings) or never, several services, times with an
 * offset instead of Z, and two incidents opened at the same instant under one key.
 */
function variedIncidents(count: number): IncidentFacts[] {
  const random = seededRandom(80);
  const incidents: IncidentFacts[] = [];
  const iso = (ms: number, index: number) => (index % 11 === 0 ? new Date(ms + 2 * 3_600_000).toISOString().replace('Z', '+02:00') : new Date(ms).toISOString());
  for (let index = 0; index < count; index++) {
    // Most keys recur: a key's next incident often opens within the hour after one resolved.
    const key = index % 5 === 0 ? `sole-${index}` : `key-${index % 23}`;
    const openedMs = NOW - Math.floor(random() * 40 * DAY_MS);
    const open = random() < 0.12;
    const resolvedMs = open ? undefined : openedMs + Math.floor(random() * (index % 3 === 0 ? 3 * DAY_MS : 40 * 60_000));
    const resolvedBy = index % 13 === 0 ? undefined : RESOLVER_KINDS[index % RESOLVER_KINDS.length];
    const acknowledged = resolvedMs !== undefined && random() < 0.5;
    const acknowledgedMs = acknowledged ? openedMs + Math.floor(random() * ((resolvedMs as number) - openedMs)) : undefined;
    incidents.push({
      incidentId: `i${index}`,
      key,
      service: ['checkout', 'search', 'billing', 'mail'][index % 4],
      severity: SEVERITIES[index % SEVERITIES.length],
      openedAt: new Date(openedMs).toISOString(),
      ...(acknowledgedMs !== undefined ? { acknowledgedAt: iso(acknowledgedMs, index) } : {}),
      ...(resolvedMs !== undefined ? { resolvedAt: iso(resolvedMs, index) } : {}),
      ...(resolvedMs !== undefined && resolvedBy ? { resolvedBy } : {}),
      ...(resolvedMs !== undefined && index % 7 !== 0 ? { pages: index % 5 } : {}),
    });
  }
  // The same key reopened right after it resolved, and a tie on the opening instant.
  const resolvedAt = new Date(NOW - 5 * DAY_MS).toISOString();
  incidents.push({ incidentId: 'tie-a', key: 'tied', service: 'search', severity: 'critical', openedAt: new Date(NOW - 6 * DAY_MS).toISOString(), resolvedAt, resolvedBy: 'human' });
  incidents.push({ incidentId: 'tie-c', key: 'tied', service: 'search', severity: 'warning', openedAt: new Date(NOW - 5 * DAY_MS + 60_000).toISOString() });
  incidents.push({ incidentId: 'tie-b', key: 'tied', service: 'search', severity: 'info', openedAt: new Date(NOW - 5 * DAY_MS + 60_000).toISOString(), resolvedAt: new Date(NOW - 5 * DAY_MS + 120_000).toISOString(), resolvedBy: 'runbook', pages: 0 });
  return incidents;
}

const periods: KpiPeriod[] = [
  { from: new Date(NOW - 30 * DAY_MS), to: new Date(NOW) },
  // Edges inside days: incidents span both.
  { from: new Date(NOW - 10.3 * DAY_MS), to: new Date(NOW - 2.7 * DAY_MS) },
  { from: new Date(NOW - 6 * DAY_MS), to: new Date(NOW - 5 * DAY_MS + 60_001) },
  // Empty, and one that holds nothing.
  { from: new Date(NOW - 3 * DAY_MS), to: new Date(NOW - 3 * DAY_MS) },
  { from: new Date(NOW - 400 * DAY_MS), to: new Date(NOW - 399 * DAY_MS) },
];

/** A reopen window per service, one of them counting none. */
const windows: ReopenWindow = (service) => ({ checkout: 3600, search: 2 * 86_400, billing: undefined })[service as 'checkout'] ?? 1800;

/** Whether another incident of the list has the incident's key: what a source may tell the pass. */
function sharesKey(incidents: IncidentFacts[]): boolean[] {
  const counts = new Map<string, number>();
  for (const incident of incidents) counts.set(incident.key, (counts.get(incident.key) ?? 0) + 1);
  return incidents.map((incident) => (counts.get(incident.key) as number) > 1);
}

describe('the KPIs in one pass', () => {
  const incidents = variedIncidents(1500);
  const entries = incidents.map(kpiEntryOf);

  it('gives exactly the plain computation\'s report, for any period, service and reopen policy', () => {
    for (const period of periods) {
      for (const service of [undefined, 'search', 'billing', 'nobody']) {
        for (const reopenWithinSeconds of [undefined, windows]) {
          const quiet = { event: 40, suppressed: 3, promoted: 2 };
          const plain = computeKpis({ period, service, incidents, quiet, openProblems: 4, reopenWithinSeconds });
          expect(computeKpisInOnePass({ period, service, entries, quiet, openProblems: 4, reopenWithinSeconds })).toEqual(plain);
          // Told which incidents share no key, it skips grouping them and still agrees.
          expect(computeKpisInOnePass({ period, service, entries, mayShareKey: sharesKey(incidents), quiet, openProblems: 4, reopenWithinSeconds })).toEqual(plain);
        }
      }
    }
    // Not vacuous: every kind of figure is there to compare.
    const whole = computeKpis({ period: periods[0], incidents, openProblems: 0, reopenWithinSeconds: windows });
    expect(whole.incidents.opened).toBeGreaterThan(800);
    expect(whole.incidents.reopened).toBeGreaterThan(20);
    expect(whole.incidents.openAtEnd).toBeGreaterThan(100);
    expect(whole.mtta.count).toBeGreaterThan(300);
    expect(whole.autoResolved.resolvedBy.unknown).toBeGreaterThan(10);
    const tied = computeKpis({ period: periods[2], service: 'search', incidents, openProblems: 0 });
    expect(tied.incidents.opened).toBeGreaterThan(2);
  });

  it('adds durations in whole milliseconds, so the order of the incidents cannot move a mean', () => {
    const reversed = [...incidents].reverse();
    const period = periods[0];
    const forward = computeKpis({ period, incidents, openProblems: 0 });
    expect(computeKpis({ period, incidents: reversed, openProblems: 0 })).toEqual(forward);
    expect(computeKpisInOnePass({ period, entries: reversed.map(kpiEntryOf), openProblems: 0 })).toEqual(forward);
  });

  it('parses an incident once, however many reports read it', () => {
    expect(kpiEntryOf(incidents[0])).toBe(entries[0]);
    // A changed fact is a new object, with its own parsed times.
    const changed = { ...incidents[0], openedAt: new Date(NOW - DAY_MS).toISOString() };
    expect(kpiEntryOf(changed).openedMs).toBe(NOW - DAY_MS);
  });
});
