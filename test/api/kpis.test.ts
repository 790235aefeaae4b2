/**
 * `GET /v1/kpis` and the KPI gauges at `/metrics`, over a fake of Temporal visibility's facts and
 * a real (embedded) event log.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kpiReportSchema } from '../../api/routes/kpiSchemas';
import { createEventLog, type EventRecord } from '../../api/records/eventLog';
import type { IncidentFacts } from '../../domain/kpis';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { startTestApp, AUTH, METRICS_AUTH } from '../../devkit/testApp';

let store: SqlStore;
let app: Awaited<ReturnType<typeof startTestApp>>;

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000).toISOString();

function facts(fields: Partial<IncidentFacts> & Pick<IncidentFacts, 'openedAt'>): IncidentFacts {
  return { incidentId: randomUUID(), key: `incident/checkout/${randomUUID()}`, service: 'checkout', severity: 'critical', ...fields };
}

function event(disposition: EventRecord['disposition'], receivedAt: string, fields: Partial<EventRecord> = {}): EventRecord {
  return {
    id: randomUUID(),
    receivedAt,
    service: 'checkout',
    dedupKey: 'disk',
    source: 'api',
    severity: 'info',
    summary: 'disk filling',
    labels: {},
    status: 'firing',
    disposition,
    reason: 'test',
    ...fields,
  };
}

beforeAll(async () => {
  store = await openSqlStore({});
  const events = createEventLog(store);
  await events.record([
    event('event', hoursAgo(3)),
    event('event', hoursAgo(2)),
    event('suppressed', hoursAgo(2)),
    event('promoted', hoursAgo(2)),
    // An alert's end is not a quiet alert; another service's events count only for it.
    event('event', hoursAgo(2), { status: 'resolved' }),
    event('event', hoursAgo(2), { service: 'search' }),
  ]);
  app = await startTestApp({ events });
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

beforeEach(() => {
  app.kpis.state.available = true;
  app.kpis.state.openProblems = 2;
  app.kpis.state.incidents = [
    facts({ openedAt: hoursAgo(5), acknowledgedAt: hoursAgo(4.9), resolvedAt: hoursAgo(4), resolvedBy: 'human', pages: 3 }),
    facts({ openedAt: hoursAgo(3), resolvedAt: hoursAgo(2.9), resolvedBy: 'runbook', pages: 0, severity: 'warning' }),
    facts({ openedAt: hoursAgo(1), service: 'search', severity: 'error' }),
  ];
});

async function kpis(query: string) {
  const response = await fetch(`${app.url}/v1/kpis${query}`, { headers: AUTH });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GET /v1/kpis', () => {
  it('reports the figures of the period, in the documented shape', async () => {
    const { status, body } = await kpis(`?from=${encodeURIComponent(hoursAgo(24))}&to=${encodeURIComponent(hoursAgo(0))}`);
    expect(status).toBe(200);
    const report = kpiReportSchema.parse(body);
    expect(report.incidents).toMatchObject({ opened: 3, resolved: 2, openAtEnd: 1, reopened: 0, bySeverity: { critical: 1, error: 1, warning: 1, info: 0 } });
    expect(report.incidents.byService.map((row) => [row.service, row.opened])).toEqual([
      ['checkout', 2],
      ['search', 1],
    ]);
    expect(report.mtta.count).toBe(1);
    expect(report.mtta.seconds).toBeCloseTo(360, 0);
    expect(report.mttr.count).toBe(2);
    expect(report.mttr.seconds).toBeCloseTo((3600 + 360) / 2, 0);
    expect(report.pagesPerIncident).toEqual({ value: 1.5, pages: 3, incidents: 2 });
    expect(report.autoResolved).toMatchObject({ byRunbook: 1, percent: 50 });
    // From the event log: 3 quiet firing alerts (2 events of checkout, 1 of search; 1 suppressed) against 3 incidents.
    expect(report.noise).toEqual({ events: 3, suppressed: 1, promoted: 1, incidents: 3, ratio: 0.571 });
    expect(report.openProblems).toBe(2);
    expect(report.series.length).toBeGreaterThanOrEqual(1);
    expect(report.series.reduce((sum, day) => sum + day.opened, 0)).toBe(3);
  });

  it('limits incidents and events to one service', async () => {
    const { status, body } = await kpis('?service=checkout');
    expect(status).toBe(200);
    const report = kpiReportSchema.parse(body);
    expect(report.service).toBe('checkout');
    expect(report.incidents.opened).toBe(2);
    expect(report.noise).toMatchObject({ events: 2, suppressed: 1, incidents: 2 });
    expect(app.kpis.asked.at(-1)?.service).toBe('checkout');
  });

  it('covers the 30 days before now when no period is given', async () => {
    const before = Date.now();
    const { status, body } = await kpis('');
    expect(status).toBe(200);
    const to = Date.parse(body.to as string);
    expect(to).toBeGreaterThanOrEqual(before - 1000);
    expect(to - Date.parse(body.from as string)).toBe(30 * 86_400_000);
    expect((body.series as unknown[]).length).toBe(31);
  });

  it('answers an empty period with zeros and null means', async () => {
    const { status, body } = await kpis('?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z');
    expect(status).toBe(200);
    const report = kpiReportSchema.parse(body);
    expect(report.incidents.opened).toBe(0);
    expect(report.mttr.seconds).toBeNull();
    expect(report.noise?.ratio).toBeNull();
    expect(report.series).toEqual([{ day: '2026-01-01', opened: 0, resolved: 0, mttaSeconds: null, mttrSeconds: null }]);
  });

  it('refuses a period that is backwards, too long, or malformed, naming the field', async () => {
    const backwards = await kpis('?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(backwards.status).toBe(400);
    expect(backwards.body.details).toEqual([{ field: 'query.from', message: expect.any(String) }]);
    const long = await kpis('?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(long.status).toBe(400);
    expect(long.body.details).toEqual([{ field: 'query.to', message: expect.stringContaining('366 days') }]);
    expect((await kpis('?from=yesterday')).status).toBe(400);
    expect((await kpis('?service=Not%20A%20Service')).status).toBe(400);
    expect((await kpis('?period=week')).status).toBe(400);
  });

  it('answers 503 when Temporal does not', async () => {
    app.kpis.state.available = false;
    const { status, body } = await kpis('');
    expect(status).toBe(503);
    expect(body.error).toEqual(expect.any(String));
  });
});

describe('KPI gauges at /metrics', () => {
  it('still answers when Temporal does not, saying the KPIs are unavailable', async () => {
    app.kpis.state.available = false;
    // First in this file to scrape: no figures computed earlier are reused.
    const response = await fetch(`${app.url}/metrics`, { headers: METRICS_AUTH });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^vigil_kpi_up 0$/m);
    expect(text).not.toMatch(/^vigil_kpi_incidents_opened\{/m);
  });

  it('exports the trailing 24 hours by service, with sums and counts beside the means', async () => {
    // Figures are computed in the background, a scrape waiting at most 80 ms for them: scrape until they are in (bounded).
    let text = '';
    for (let attempt = 0; attempt < 100 && !/^vigil_kpi_up 1$/m.test(text); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      text = await (await fetch(`${app.url}/metrics`, { headers: METRICS_AUTH })).text();
    }
    expect(text).toMatch(/^vigil_kpi_up 1$/m);
    expect(text).toMatch(/^vigil_kpi_incidents_opened\{window="24h",service="checkout",severity="critical"\} 1$/m);
    expect(text).toMatch(/^vigil_kpi_incidents_opened\{window="24h",service="search",severity="error"\} 1$/m);
    expect(text).toMatch(/^vigil_kpi_incidents_resolved\{window="24h",service="checkout",resolved_by="runbook"\} 1$/m);
    expect(text).toMatch(/^vigil_kpi_incidents_open\{service="search"\} 1$/m);
    expect(text).toMatch(/^vigil_kpi_pages\{window="24h",service="checkout"\} 3$/m);
    expect(text).toMatch(/^vigil_kpi_auto_resolved_ratio\{window="24h"\} 0.5$/m);
    expect(text).toMatch(/^vigil_kpi_alerts_quiet\{window="24h",disposition="suppressed"\} 1$/m);
    expect(text).toMatch(/^vigil_kpi_open_problems 2$/m);
    const mttr = Number(/^vigil_kpi_mttr_seconds\{window="24h"\} (\S+)$/m.exec(text)?.[1]);
    expect(mttr).toBeCloseTo((3600 + 360) / 2, 0);
  });
});
