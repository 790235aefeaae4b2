/**
 * The KPI report of a period, from the data Vigil already keeps: incidents from Temporal
 * visibility (through a `KpiSource`, implemented in `api/reporting/temporalKpiSource.ts`, which
 * reads closed runs from a copy of what visibility said of them), quiet alerts from the SQL event
 * log. No KPI is counted apart from those facts, so they cannot drift from what happened; the
 * arithmetic is `domain/kpis.ts`, done in one pass by `domain/kpiPass.ts`. Used by `GET /v1/kpis` and by the `/metrics` gauges.
 */
import type { VigilConfig } from '../../domain/config';
import type { IncidentFacts, KpiReport, ReopenWindow } from '../../domain/kpis';
import { computeKpisInOnePass, kpiEntryOf, type KpiEntry } from '../../domain/kpiPass';
import { recurrencePolicyFor } from '../../domain/problemConfig';
import { BackendUnavailableError } from '../gateways/incidentGateway';
import type { EventLog } from '../records/eventLog';

export interface KpiSource {
  /**
   * Every incident that may count in [from, to): opened before `to` and not closed before
   * `from` less `lookbackSeconds` (the longest reopen window). Limited to `service` when given.
   */
  incidentFacts(query: KpiFactsQuery): Promise<IncidentFacts[]>;
  /**
   * The same incidents parsed for `computeKpisInOnePass`, with which of them may share a key; a
   * source that keeps closed incidents parsed answers this without a copy per request.
   */
  incidentEntries?(query: KpiFactsQuery): Promise<KpiEntries>;
  /** Problem workflows running now. */
  openProblems(): Promise<number>;
}

export interface KpiEntries {
  entries: KpiEntry[];
  /** Beside `entries`: false only for an incident whose key no other of them has (see `computeKpisInOnePass`). */
  mayShareKey?: boolean[];
}

/** What a period's report needs of the source's incidents: its parsed entries, or its facts parsed here. */
export async function kpiEntriesOf(source: KpiSource, query: KpiFactsQuery): Promise<KpiEntries> {
  if (source.incidentEntries) return source.incidentEntries(query);
  return { entries: (await source.incidentFacts(query)).map(kpiEntryOf) };
}

export interface KpiFactsQuery {
  from: Date;
  to: Date;
  service?: string;
  lookbackSeconds?: number;
}

export interface KpiReportDeps {
  source: KpiSource;
  /** Without an event store the noise figures are null. */
  events?: EventLog;
  /** Reopen windows by service (see `reopenPolicyOf`); the domain default without. */
  reopenWithinSeconds?: ReopenWindow;
  /** The longest of them: how far before a period the facts must reach. */
  lookbackSeconds?: number;
}

/**
 * The problem policy's reopen windows (`problems.reopenWithin`, per service), so that a KPI
 * reopening is exactly what links an incident to a problem.
 */
export function reopenPolicyOf(config: VigilConfig): Pick<KpiReportDeps, 'reopenWithinSeconds' | 'lookbackSeconds'> {
  const known = new Map<string, number | undefined>();
  const reopenWithinSeconds: ReopenWindow = (service) => {
    if (!known.has(service)) known.set(service, recurrencePolicyFor(config.problems, service).reopenWithinSeconds);
    return known.get(service);
  };
  const windows = ['', ...Object.keys(config.problems?.services ?? {})].map(reopenWithinSeconds).filter((seconds): seconds is number => seconds !== undefined);
  return { reopenWithinSeconds, lookbackSeconds: Math.max(0, ...windows) };
}

export async function buildKpiReport(deps: KpiReportDeps, query: { from: Date; to: Date; service?: string }): Promise<KpiReport> {
  const [incidents, quiet, openProblems] = await Promise.all([
    kpiEntriesOf(deps.source, { ...query, lookbackSeconds: deps.lookbackSeconds }),
    deps.events?.countFiring({ service: query.service, since: query.from, until: query.to }).catch((error: unknown) => {
      // Not the caller's fault, and asking again may succeed: a 503, as for Temporal.
      throw new BackendUnavailableError(error, 'the event store is unavailable');
    }),
    deps.source.openProblems(),
  ]);
  return computeKpisInOnePass({ period: { from: query.from, to: query.to }, service: query.service, ...incidents, quiet, openProblems, reopenWithinSeconds: deps.reopenWithinSeconds });
}
