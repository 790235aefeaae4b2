/**
 * The KPIs as Prometheus gauges over a trailing window (docs/kpis.md), recomputed in the
 * background when a scrape finds them 10 s old: a scrape waits for that at most 80 ms, so it is
 * never held by a slow visibility listing, and shows the previous figures (with their age) meanwhile.
 *
 * Gauges, not counters: the workflow, not the API, sees an incident acknowledged or resolved, and
 * a counter kept by some process would be a second bookkeeping, lost on restart, doubled across
 * replicas, unable to say how long an incident took. A gauge read from Temporal visibility (and
 * the copy of its closed runs) and the event log says the same on every replica and survives every restart.
 * Per-service sums and counts are exported beside the means, so a chart adds services up
 * correctly (sum of seconds over sum of incidents, never a mean of means).
 */
import { Gauge, type Registry } from 'prom-client';
import type { KpiReport } from '../../domain/kpis';
import { RESOLVER_KINDS } from '../../domain/kpis';
import { computeKpisInOnePass, type KpiEntry, type KpiPassInputs } from '../../domain/kpiPass';
import { SEVERITIES } from '../../domain/severity';
import { kpiEntriesOf, type KpiReportDeps } from './kpiReport';

/** The trailing window the gauges cover, as its label says. */
export const KPI_METRICS_WINDOW = { label: '24h', ms: 24 * 3600 * 1000 } as const;

/** Figures this fresh are reused: several scrapers, or a short scrape interval, cost one computation. */
const REUSE_MS = 10_000;
/**
 * How long a scrape waits for figures being computed; after that it answers with the previous
 * ones (or none, before the first): a scrape never waits for a cold visibility listing.
 */
export const SCRAPE_WAIT_MS = 80;

interface WindowFigures {
  overall: KpiReport;
  byService: Map<string, KpiReport>;
}

async function computeWindow(deps: KpiReportDeps, now: Date): Promise<WindowFigures> {
  const period = { from: new Date(now.getTime() - KPI_METRICS_WINDOW.ms), to: now };
  const [incidents, quiet, openProblems] = await Promise.all([
    kpiEntriesOf(deps.source, { ...period, lookbackSeconds: deps.lookbackSeconds }),
    deps.events?.countFiring({ since: period.from, until: period.to }),
    deps.source.openProblems(),
  ]);
  const reopenWithinSeconds = deps.reopenWithinSeconds;
  const overall = computeKpisInOnePass({ period, ...incidents, quiet, openProblems, reopenWithinSeconds });
  // Each service's report over its own incidents only: one pass in all, not one over everything per service.
  const byService = new Map<string, KpiReport>();
  for (const [service, ofService] of entriesByService(incidents)) byService.set(service, computeKpisInOnePass({ period, service, ...ofService, openProblems, reopenWithinSeconds }));
  return { overall, byService };
}

/**
 * The entries split by service, each with its own `mayShareKey` flags. A service's report counts
 * only its own incidents, and a reopening needs two incidents of one key and one service, so a
 * report over its part equals one over all entries filtered to the service.
 */
function entriesByService({ entries, mayShareKey }: Pick<KpiPassInputs, 'entries' | 'mayShareKey'>): Map<string, Pick<KpiPassInputs, 'entries' | 'mayShareKey'>> {
  const parts = new Map<string, { entries: KpiEntry[]; mayShareKey?: boolean[] }>();
  entries.forEach((entry, index) => {
    const service = entry.incident.service;
    let part = parts.get(service);
    if (!part) parts.set(service, (part = { entries: [], ...(mayShareKey ? { mayShareKey: [] } : {}) }));
    part.entries.push(entry);
    if (mayShareKey) part.mayShareKey?.push(mayShareKey[index]);
  });
  return parts;
}

export function registerKpiMetrics(registry: Registry, deps: KpiReportDeps, now: () => Date = () => new Date(), waitMs = SCRAPE_WAIT_MS): void {
  /** The last figures computed, until a computation fails (then none: `vigil_kpi_up 0`). */
  let last: { atMs: number; figures: WindowFigures } | undefined;
  /** The computation under way, in the background: a scrape waits for it only until `waitUntilMs`. */
  let computing: { promise: Promise<void>; waitUntilMs: number } | undefined;

  function refresh(at: Date): NonNullable<typeof computing> {
    if (computing) return computing;
    const started = {
      promise: computeWindow(deps, at).then(
        (figures) => {
          last = { atMs: at.getTime(), figures };
          computing = undefined;
        },
        () => {
          last = undefined;
          computing = undefined;
        },
      ),
      waitUntilMs: Date.now() + waitMs,
    };
    // Its handlers run later (a microtask at the earliest), so they clear this, the only computation under way.
    computing = started;
    return started;
  }

  /**
   * The figures for this scrape, or undefined when Temporal or the store did not answer (or the
   * first computation is still under way): `/metrics` must still answer, and quickly. Every gauge's
   * collect asks; one computation answers them all.
   */
  async function tryFigures(): Promise<WindowFigures | undefined> {
    const at = now();
    if (!last || at.getTime() - last.atMs >= REUSE_MS) {
      const current = refresh(at);
      const waitMs = current.waitUntilMs - Date.now();
      if (waitMs > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([current.promise, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
        clearTimeout(timer);
      }
    }
    return last?.figures;
  }
  const window = KPI_METRICS_WINDOW.label;

  /** A gauge whose samples are all set from the figures at each scrape (none when they are unavailable). */
  function gauge(name: string, help: string, labelNames: string[], fill: (set: (labels: Record<string, string>, value: number | null) => void, figures: WindowFigures) => void) {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        const current = await tryFigures();
        if (!current) return;
        fill((labels, value) => {
          if (value !== null) this.set(labels, value);
        }, current);
      },
    });
  }
  const perService = (fill: (report: KpiReport, service: string, set: (labels: Record<string, string>, value: number | null) => void) => void) =>
    (set: (labels: Record<string, string>, value: number | null) => void, current: WindowFigures) => {
      for (const [service, report] of current.byService) fill(report, service, set);
    };

  new Gauge({
    name: 'vigil_kpi_age_seconds',
    help: 'Age of the KPI figures this scrape shows: they are recomputed in the background at most every 10 s',
    registers: [registry],
    async collect() {
      this.reset();
      const figures = await tryFigures();
      if (figures && last) this.set(Math.max(0, (now().getTime() - last.atMs) / 1000));
    },
  });
  new Gauge({
    name: 'vigil_kpi_up',
    help: 'Whether the KPI figures could be computed at this scrape (1), or Temporal or the store did not answer (0)',
    registers: [registry],
    async collect() {
      this.set((await tryFigures()) ? 1 : 0);
    },
  });

  gauge('vigil_kpi_incidents_opened', 'Incidents opened in the trailing window, by service and severity', ['window', 'service', 'severity'], perService((report, service, set) => {
    for (const severity of SEVERITIES) set({ window, service, severity }, report.incidents.bySeverity[severity]);
  }));
  gauge('vigil_kpi_incidents_resolved', 'Incidents resolved in the trailing window, by service and what resolved them', ['window', 'service', 'resolved_by'], perService((report, service, set) => {
    for (const kind of [...RESOLVER_KINDS, 'unknown' as const]) set({ window, service, resolved_by: kind }, report.autoResolved.resolvedBy[kind]);
  }));
  gauge('vigil_kpi_incidents_open', 'Incidents open now, by service', ['service'], perService((report, service, set) => set({ service }, report.incidents.openAtEnd)));
  gauge('vigil_kpi_incidents_reopened', 'Incidents opened in the trailing window soon after the previous incident of their key resolved (the problem policy\'s reopen window)', ['window', 'service'], perService((report, service, set) => set({ window, service }, report.incidents.reopened)));
  gauge('vigil_kpi_acknowledged_incidents', 'Incidents first responded to in the trailing window, by service', ['window', 'service'], perService((report, service, set) => set({ window, service }, report.mtta.count)));
  gauge('vigil_kpi_acknowledge_seconds', 'Sum of times to first response (s) of incidents first responded to in the trailing window, by service', ['window', 'service'], perService((report, service, set) => set({ window, service }, report.mtta.totalSeconds)));
  gauge('vigil_kpi_resolve_seconds', 'Sum of times to resolve (s) of incidents resolved in the trailing window, by service', ['window', 'service'], perService((report, service, set) => set({ window, service }, report.mttr.totalSeconds)));
  gauge('vigil_kpi_pages', 'Pages delivered for incidents resolved in the trailing window, by service', ['window', 'service'], perService((report, service, set) => set({ window, service }, report.pagesPerIncident.pages)));
  gauge('vigil_kpi_pages_counted_incidents', 'Incidents resolved in the trailing window whose pages are known, by service', ['window', 'service'], perService((report, service, set) => set({ window, service }, report.pagesPerIncident.incidents)));

  gauge('vigil_kpi_mtta_seconds', 'Mean time to acknowledge (first response) over the trailing window', ['window'], (set, current) => set({ window }, current.overall.mtta.seconds));
  gauge('vigil_kpi_mttr_seconds', 'Mean time to resolve over the trailing window', ['window'], (set, current) => set({ window }, current.overall.mttr.seconds));
  gauge('vigil_kpi_pages_per_incident', 'Pages delivered per incident resolved in the trailing window', ['window'], (set, current) => set({ window }, current.overall.pagesPerIncident.value));
  gauge('vigil_kpi_auto_resolved_ratio', 'Share (0-1) of incidents resolved in the trailing window that their runbook resolved', ['window'], (set, current) => {
    const percent = current.overall.autoResolved.percent;
    set({ window }, percent === null ? null : percent / 100);
  });
  gauge('vigil_kpi_alerts_quiet', 'Firing alerts recorded without paging in the trailing window: event (by policy), suppressed (maintenance); promoted for reference', ['window', 'disposition'], (set, current) => {
    const noise = current.overall.noise;
    if (!noise) return;
    set({ window, disposition: 'event' }, noise.events);
    set({ window, disposition: 'suppressed' }, noise.suppressed);
    set({ window, disposition: 'promoted' }, noise.promoted);
  });
  gauge('vigil_kpi_noise_ratio', 'Quiet alerts / (quiet alerts + incidents opened) over the trailing window', ['window'], (set, current) => set({ window }, current.overall.noise?.ratio ?? null));
  gauge('vigil_kpi_open_problems', 'Problem workflows running now', [], (set, current) => set({}, current.overall.openProblems));
}
