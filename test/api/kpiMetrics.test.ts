/**
 * The KPI gauges' timing: a scrape never waits for a slow computation (a cold visibility listing);
 * it answers with the figures computed before, or none before the first, and the computation
 * finishes in the background for the next scrape.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerKpiMetrics } from '../../api/reporting/kpiMetrics';
import type { KpiSource } from '../../api/reporting/kpiReport';
import { computeKpis, type IncidentFacts } from '../../domain/kpis';
import { kpiEntryOf } from '../../domain/kpiPass';
import { SEVERITIES } from '../../domain/severity';
import { seededRandom } from '../../devkit/seededRandom';

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

/** A source whose listing answers only when released, as a cold scan of visibility would after seconds. */
function slowSource(incidents: IncidentFacts[]) {
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  const source: KpiSource = {
    async incidentFacts() {
      calls += 1;
      await gate;
      return incidents;
    },
    openProblems: async () => 0,
  };
  return {
    source,
    release: () => release(),
    block: () => {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    calls: () => calls,
  };
}

const incident: IncidentFacts = { incidentId: 'a', key: 'k', service: 'checkout', severity: 'critical', openedAt: hoursAgo(2), resolvedAt: hoursAgo(1), resolvedBy: 'human' };

async function scrape(registry: Registry): Promise<{ ms: number; text: string }> {
  const started = performance.now();
  const text = await registry.metrics();
  return { ms: performance.now() - started, text };
}

describe('KPI gauges at /metrics', () => {
  it('answers at once before the first figures, then shows them once computed in the background', async () => {
    const registry = new Registry();
    const slow = slowSource([incident]);
    let nowMs = Date.now();
    registerKpiMetrics(registry, { source: slow.source }, () => new Date(nowMs), 50);

    const cold = await scrape(registry);
    // Bounded by the wait (50 ms), not by the listing, which has not answered at all.
    expect(cold.ms).toBeLessThan(5_000);
    expect(cold.text).toMatch(/^vigil_kpi_up 0$/m);
    expect(cold.text).not.toMatch(/^vigil_kpi_incidents_resolved\{/m);
    expect(slow.calls()).toBe(1);

    slow.release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const warm = await scrape(registry);
    expect(warm.text).toMatch(/^vigil_kpi_up 1$/m);
    expect(warm.text).toMatch(/^vigil_kpi_incidents_resolved\{window="24h",service="checkout",resolved_by="human"\} 1$/m);
    expect(warm.text).toMatch(/^vigil_kpi_age_seconds 0$/m);
    expect(slow.calls()).toBe(1);

    // 11 s later the figures are recomputed; while that is slow, the scrape shows the previous ones and their age.
    slow.block();
    nowMs += 11_000;
    const stale = await scrape(registry);
    expect(stale.ms).toBeLessThan(5_000);
    expect(slow.calls()).toBe(2);
    expect(stale.text).toMatch(/^vigil_kpi_up 1$/m);
    expect(stale.text).toMatch(/^vigil_kpi_age_seconds 11$/m);
    slow.release();
  });
  it('gives each service the figures a report of that service alone gives, reopenings across services included', async () => {
    const random = seededRandom(17);
    const nowMs = Date.parse('2026-11-30T12:00:00Z');
    const services = ['checkout', 'search', 'billing', 'auth'];
    // Few keys, shared across services, so reopenings happen within a service and must not across.
    const incidents: IncidentFacts[] = Array.from({ length: 600 }, (_, index) => {
      const openedMs = nowMs - Math.floor(random() * 30 * 3_600_000);
      const resolvedMs = random() < 0.8 ? openedMs + Math.floor(random() * 3_600_000) : undefined;
      const acknowledgedMs = random() < 0.6 ? openedMs + Math.floor(random() * 600_000) : undefined;
      return {
        incidentId: `i${index}`,
        key: `k${Math.floor(random() * 40)}`,
        service: services[Math.floor(random() * services.length)],
        severity: SEVERITIES[Math.floor(random() * SEVERITIES.length)],
        openedAt: new Date(openedMs).toISOString(),
        ...(resolvedMs !== undefined && resolvedMs < nowMs ? { resolvedAt: new Date(resolvedMs).toISOString(), resolvedBy: random() < 0.5 ? ('runbook' as const) : ('human' as const), pages: Math.floor(random() * 4) } : {}),
        ...(acknowledgedMs !== undefined && acknowledgedMs < nowMs ? { acknowledgedAt: new Date(acknowledgedMs).toISOString() } : {}),
      };
    });
    // A source that keeps entries parsed, with its may-share-key flags (as the KPI copy's index gives them).
    const keyCounts = new Map<string, number>();
    for (const facts of incidents) keyCounts.set(facts.key, (keyCounts.get(facts.key) ?? 0) + 1);
    const source: KpiSource = {
      incidentFacts: async () => incidents,
      incidentEntries: async () => ({ entries: incidents.map(kpiEntryOf), mayShareKey: incidents.map((facts) => (keyCounts.get(facts.key) ?? 0) > 1) }),
      openProblems: async () => 2,
    };
    const registry = new Registry();
    const reopenWithinSeconds = (service: string) => (service === 'auth' ? undefined : 3 * 3_600);
    registerKpiMetrics(registry, { source, reopenWithinSeconds }, () => new Date(nowMs), 5_000);
    const { text } = await scrape(registry);
    const sample = (name: string, labels: string) => {
      const match = new RegExp(`^${name}\\{${labels.replace(/[{}]/g, '')}\\} (.+)$`, 'm').exec(text);
      return match ? Number(match[1]) : undefined;
    };
    const period = { from: new Date(nowMs - 24 * 3_600_000), to: new Date(nowMs) };
    let reopenedAnywhere = 0;
    for (const service of services) {
      const expected = computeKpis({ period, service, incidents, openProblems: 2, reopenWithinSeconds });
      reopenedAnywhere += expected.incidents.reopened;
      const labels = `window="24h",service="${service}"`;
      expect(sample('vigil_kpi_incidents_reopened', labels), service).toBe(expected.incidents.reopened);
      expect(sample('vigil_kpi_acknowledged_incidents', labels), service).toBe(expected.mtta.count);
      expect(sample('vigil_kpi_acknowledge_seconds', labels), service).toBeCloseTo(expected.mtta.totalSeconds, 6);
      expect(sample('vigil_kpi_resolve_seconds', labels), service).toBeCloseTo(expected.mttr.totalSeconds, 6);
      expect(sample('vigil_kpi_pages', labels), service).toBe(expected.pagesPerIncident.pages);
      expect(sample('vigil_kpi_incidents_open', `service="${service}"`), service).toBe(expected.incidents.openAtEnd);
      for (const severity of SEVERITIES) expect(sample('vigil_kpi_incidents_opened', `${labels},severity="${severity}"`), `${service} ${severity}`).toBe(expected.incidents.bySeverity[severity]);
      expect(sample('vigil_kpi_incidents_resolved', `${labels},resolved_by="runbook"`), service).toBe(expected.autoResolved.resolvedBy.runbook);
    }
    // The data exercised what the split could get wrong.
    expect(reopenedAnywhere).toBeGreaterThan(0);
    expect(sample('vigil_kpi_incidents_reopened', 'window="24h",service="auth"')).toBe(0);
  });
});
