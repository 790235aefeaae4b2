/**
 * The KPI gauges' timing: a scrape never waits for a slow computation (a cold visibility listing);
 * it answers with the figures computed before, or none before the first, and the computation
 * finishes in the background for the next scrape.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerKpiMetrics } from '../../api/reporting/kpiMetrics';
import type { KpiSource } from '../../api/reporting/kpiReport';
import type { IncidentFacts } from '../../domain/kpis';

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
});
