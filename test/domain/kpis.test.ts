import { describe, expect, it } from 'vitest';
import type { PageRecord } from '../../domain/incident';
import type { IncidentFacts } from '../../domain/kpis';
import { computeKpis, deliveredPages, firstResponseAt, periodDays, reopenings, REOPEN_WINDOW_SECONDS, resolverKind } from '../../domain/kpis';

const period = { from: new Date('2026-11-02T00:00:00Z'), to: new Date('2026-11-09T00:00:00Z') };
let serial = 0;

/** An incident of `key` opened at `openedAt`; times given in minutes after it opened. */
function incident(openedAt: string, fields: { ackAfter?: number; resolveAfter?: number; by?: IncidentFacts['resolvedBy']; pages?: number; key?: string; service?: string; severity?: IncidentFacts['severity'] } = {}): IncidentFacts {
  const at = (minutes: number | undefined) => (minutes === undefined ? undefined : new Date(Date.parse(openedAt) + minutes * 60_000).toISOString());
  serial += 1;
  return {
    incidentId: `i${serial}`,
    key: fields.key ?? `incident/checkout/k${serial}`,
    service: fields.service ?? 'checkout',
    severity: fields.severity ?? 'critical',
    openedAt,
    ...(fields.ackAfter !== undefined ? { acknowledgedAt: at(fields.ackAfter) } : {}),
    ...(fields.resolveAfter !== undefined ? { resolvedAt: at(fields.resolveAfter), resolvedBy: fields.by ?? 'human' } : {}),
    ...(fields.pages !== undefined ? { pages: fields.pages } : {}),
  };
}

describe('KPIs of an empty period', () => {
  it('counts zero, and gives no mean rather than a made-up 0', () => {
    const report = computeKpis({ period, incidents: [], quiet: { event: 0, suppressed: 0, promoted: 0 }, openProblems: 0 });
    expect(report.incidents).toMatchObject({ opened: 0, resolved: 0, openAtEnd: 0, reopened: 0, byService: [] });
    expect(report.incidents.bySeverity).toEqual({ critical: 0, error: 0, warning: 0, info: 0 });
    expect(report.mtta).toEqual({ seconds: null, count: 0, totalSeconds: 0 });
    expect(report.mttr).toEqual({ seconds: null, count: 0, totalSeconds: 0 });
    expect(report.pagesPerIncident).toEqual({ value: null, pages: 0, incidents: 0 });
    expect(report.autoResolved.percent).toBeNull();
    expect(report.noise?.ratio).toBeNull();
    // Still one entry per day, so a chart shows the quiet week rather than nothing.
    expect(report.series.map((day) => day.day)).toEqual(['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08']);
    expect(report.series.every((day) => day.opened === 0 && day.resolved === 0 && day.mttaSeconds === null && day.mttrSeconds === null)).toBe(true);
  });

  it('has no days at all when from equals to, and no noise figures without an event store', () => {
    const instant = { from: period.from, to: period.from };
    expect(periodDays(instant)).toEqual([]);
    const report = computeKpis({ period: instant, incidents: [incident('2026-11-02T00:00:00Z', { resolveAfter: 5 })], openProblems: 2 });
    expect(report.incidents.opened).toBe(0);
    expect(report.series).toEqual([]);
    expect(report.noise).toBeNull();
    expect(report.openProblems).toBe(2);
  });
});

describe('KPIs of incidents inside the period', () => {
  it('means the time to acknowledge and to resolve, pages per incident, and the runbook share', () => {
    const incidents = [
      incident('2026-11-03T10:00:00Z', { ackAfter: 4, resolveAfter: 30, pages: 2 }),
      incident('2026-11-03T12:00:00Z', { ackAfter: 6, resolveAfter: 90, pages: 4, severity: 'error' }),
      incident('2026-11-04T09:00:00Z', { resolveAfter: 3, by: 'runbook', pages: 0, service: 'search' }),
    ];
    const report = computeKpis({ period, incidents, quiet: { event: 7, suppressed: 2, promoted: 1 }, openProblems: 1 });
    expect(report.incidents).toMatchObject({ opened: 3, resolved: 3, openAtEnd: 0 });
    expect(report.incidents.bySeverity).toEqual({ critical: 2, error: 1, warning: 0, info: 0 });
    expect(report.incidents.byService).toEqual([
      { service: 'checkout', opened: 2, resolved: 2, bySeverity: { critical: 1, error: 1, warning: 0, info: 0 } },
      { service: 'search', opened: 1, resolved: 1, bySeverity: { critical: 1, error: 0, warning: 0, info: 0 } },
    ]);
    // The runbook's resolution is no human response: MTTA is over the two acknowledged ones.
    expect(report.mtta).toEqual({ seconds: 300, count: 2, totalSeconds: 600 });
    expect(report.mttr).toEqual({ seconds: (30 + 90 + 3) * 20, count: 3, totalSeconds: (30 + 90 + 3) * 60 });
    expect(report.pagesPerIncident).toEqual({ value: 2, pages: 6, incidents: 3 });
    expect(report.autoResolved).toEqual({ byRunbook: 1, percent: 33.333, resolvedBy: { human: 2, runbook: 1, source: 0, flap: 0, unknown: 0 } });
    // 9 quiet alerts against 3 incidents; promoted events paged through their incident.
    expect(report.noise).toEqual({ events: 7, suppressed: 2, promoted: 1, incidents: 3, ratio: 0.75 });
    expect(report.series.find((day) => day.day === '2026-11-03')).toEqual({ day: '2026-11-03', opened: 2, resolved: 2, mttaSeconds: 300, mttrSeconds: 3600 });
    expect(report.series.find((day) => day.day === '2026-11-04')).toEqual({ day: '2026-11-04', opened: 1, resolved: 1, mttaSeconds: null, mttrSeconds: 180 });
  });

  it('takes a human resolution without acknowledgement as the first response, and keeps the first acknowledgement', () => {
    expect(firstResponseAt(incident('2026-11-03T10:00:00Z', { resolveAfter: 10 }))).toBe('2026-11-03T10:10:00.000Z');
    expect(firstResponseAt(incident('2026-11-03T10:00:00Z', { resolveAfter: 10, by: 'source' }))).toBeUndefined();
    expect(firstResponseAt(incident('2026-11-03T10:00:00Z', { resolveAfter: 10, by: 'flap' }))).toBeUndefined();
    expect(firstResponseAt(incident('2026-11-03T10:00:00Z', { ackAfter: 2, resolveAfter: 10 }))).toBe('2026-11-03T10:02:00.000Z');
  });

  it('limits everything to one service when asked', () => {
    const incidents = [incident('2026-11-03T10:00:00Z', { resolveAfter: 10 }), incident('2026-11-03T10:00:00Z', { service: 'search', resolveAfter: 30 })];
    const report = computeKpis({ period, service: 'search', incidents, openProblems: 0 });
    expect(report.service).toBe('search');
    expect(report.incidents.opened).toBe(1);
    expect(report.mttr.seconds).toBe(1800);
  });

  it('counts incidents whose pages are unknown (resolved before Vigil recorded them) out of pages per incident', () => {
    const incidents = [incident('2026-11-03T10:00:00Z', { resolveAfter: 10, pages: 3 }), incident('2026-11-03T11:00:00Z', { resolveAfter: 10 })];
    const report = computeKpis({ period, incidents, openProblems: 0 });
    expect(report.pagesPerIncident).toEqual({ value: 3, pages: 3, incidents: 1 });
  });
});

describe('incidents spanning the period boundary', () => {
  it('counts an incident opened before the period and resolved in it as resolved, with its whole duration', () => {
    const spanning = incident('2026-11-01T23:00:00Z', { ackAfter: 30, resolveAfter: 120, pages: 1 });
    const report = computeKpis({ period, incidents: [spanning], openProblems: 0 });
    expect(report.incidents.opened).toBe(0);
    expect(report.incidents.resolved).toBe(1);
    // Acknowledged at 23:30 the day before: not this period's response.
    expect(report.mtta.count).toBe(0);
    expect(report.mttr).toMatchObject({ seconds: 7200, count: 1 });
    expect(report.series[0]).toEqual({ day: '2026-11-02', opened: 0, resolved: 1, mttaSeconds: null, mttrSeconds: 7200 });
  });

  it('counts an incident opened in the period and resolved after it as opened and still open at the end', () => {
    const late = incident('2026-11-08T23:00:00Z', { ackAfter: 10, resolveAfter: 180 });
    const report = computeKpis({ period, incidents: [late], openProblems: 0 });
    expect(report.incidents).toMatchObject({ opened: 1, resolved: 0, openAtEnd: 1 });
    expect(report.mtta).toMatchObject({ seconds: 600, count: 1 });
    expect(report.mttr.count).toBe(0);
    expect(report.series.at(-1)).toEqual({ day: '2026-11-08', opened: 1, resolved: 0, mttaSeconds: 600, mttrSeconds: null });
  });

  it('counts an incident open across the whole period only as open at the end, and one never resolved the same', () => {
    const across = incident('2026-10-30T00:00:00Z', { resolveAfter: 14 * 24 * 60 });
    const open = incident('2026-11-05T00:00:00Z');
    const report = computeKpis({ period, incidents: [across, open], openProblems: 0 });
    expect(report.incidents).toMatchObject({ opened: 1, resolved: 0, openAtEnd: 2 });
  });

  it('treats from as inside and to as outside the period', () => {
    const atFrom = incident(period.from.toISOString(), { resolveAfter: 1 });
    const atTo = incident(period.to.toISOString(), { resolveAfter: 1 });
    const report = computeKpis({ period, incidents: [atFrom, atTo], openProblems: 0 });
    expect(report.incidents.opened).toBe(1);
    expect(report.incidents.openAtEnd).toBe(0);
  });

  it('splits partial first and last days at the period edges, in UTC', () => {
    expect(periodDays({ from: new Date('2026-11-02T18:00:00Z'), to: new Date('2026-11-04T06:00:00Z') })).toEqual(['2026-11-02', '2026-11-03', '2026-11-04']);
    expect(periodDays({ from: new Date('2026-11-02T18:00:00+02:00'), to: new Date('2026-11-03T00:00:00Z') })).toEqual(['2026-11-02']);
  });
});

describe('reopenings', () => {
  const key = 'incident/checkout/db-down';

  it('counts the next incident of a key opened within the window after the previous one resolved', () => {
    const first = incident('2026-11-03T10:00:00Z', { key, resolveAfter: 20 });
    const again = incident('2026-11-03T10:50:00Z', { key, resolveAfter: 20 });
    const muchLater = incident('2026-11-06T11:00:00Z', { key, resolveAfter: 20 });
    const otherKey = incident('2026-11-03T11:00:00Z', { resolveAfter: 20 });
    expect([...reopenings([muchLater, again, first, otherKey])]).toEqual([again.incidentId]);
    const report = computeKpis({ period, incidents: [first, again, muchLater, otherKey], openProblems: 0 });
    // A reopening is a new incident in every other figure: opened, resolved and timed on its own.
    expect(report.incidents).toMatchObject({ opened: 4, resolved: 4, reopened: 1 });
    expect(report.mttr.count).toBe(4);
  });

  it('sees a reopening whose previous incident resolved before the period began', () => {
    const before = incident('2026-11-01T22:00:00Z', { key, resolveAfter: 90 });
    const reopened = incident('2026-11-02T00:10:00Z', { key, resolveAfter: 10 });
    const report = computeKpis({ period, incidents: [before, reopened], openProblems: 0 });
    expect(report.incidents).toMatchObject({ opened: 1, reopened: 1, resolved: 1 });
  });

  it('is no reopening when the previous incident is still open, or resolved longer ago than the window', () => {
    const open = incident('2026-11-03T10:00:00Z', { key });
    const next = incident('2026-11-03T11:00:00Z', { key });
    expect(reopenings([open, next]).size).toBe(0);
    const old = incident('2026-11-03T10:00:00Z', { key, resolveAfter: 1 });
    const edge = incident(new Date(Date.parse('2026-11-03T10:01:00Z') + REOPEN_WINDOW_SECONDS * 1000).toISOString(), { key });
    const past = incident(new Date(Date.parse('2026-11-03T10:01:00Z') + REOPEN_WINDOW_SECONDS * 1000 + 1).toISOString(), { key: `${key}-2` });
    expect([...reopenings([old, edge])]).toEqual([edge.incidentId]);
    expect(reopenings([{ ...old, key: `${key}-2` }, past]).size).toBe(0);
  });

  it("follows each service's reopen window (the problem policy's), and counts none where it is off", () => {
    const windowFor = (service: string) => (service === 'checkout' ? 6 * 3600 : undefined);
    const first = incident('2026-11-03T10:00:00Z', { key, resolveAfter: 10 });
    const fiveHoursLater = incident('2026-11-03T15:10:00Z', { key });
    expect(reopenings([first, fiveHoursLater]).size).toBe(0);
    expect([...reopenings([first, fiveHoursLater], windowFor)]).toEqual([fiveHoursLater.incidentId]);
    const searchKey = 'incident/search/slow';
    const search = [incident('2026-11-03T10:00:00Z', { key: searchKey, service: 'search', resolveAfter: 10 }), incident('2026-11-03T10:11:00Z', { key: searchKey, service: 'search' })];
    expect(reopenings(search, windowFor).size).toBe(0);
    expect(computeKpis({ period, incidents: [first, fiveHoursLater, ...search], openProblems: 0, reopenWithinSeconds: windowFor }).incidents.reopened).toBe(1);
  });
});

describe('what the workflow records', () => {
  it('names the kind of resolver from the resolvedBy text', () => {
    expect(resolverKind('runbook http-health-restart')).toBe('runbook');
    expect(resolverKind('source')).toBe('source');
    expect(resolverKind('flap filter')).toBe('flap');
    expect(resolverKind('alice (api)')).toBe('human');
    expect(resolverKind('bob (sms)')).toBe('human');
  });

  it('counts pages that reached a transport, not failed ones', () => {
    const page = (outcome: string): PageRecord => ({ responderId: 'a', name: 'A', channel: 'sms', level: 1, cycle: 0, at: '2026-11-03T10:00:00Z', outcome });
    expect(deliveredPages([page('sent via twilio'), page('already sent'), page('no sms address for a'), page('failed: timeout')])).toBe(2);
  });
});
