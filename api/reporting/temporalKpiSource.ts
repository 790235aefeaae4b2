/**
 * KPI facts from Temporal visibility: each incident's search attributes (docs/kpis.md). An
 * incident that continued as new has several runs; they carry the same memo and attributes, so
 * the newest run listed speaks for the incident. Incidents from before the KPI attributes fall
 * back to what visibility always had (start and close times), and leave out what it never had
 * (first acknowledgement, resolver, pages).
 *
 * A closed run never changes (its search attributes and memo are final), so the runs that closed
 * on a day that is over are listed once and kept, per day; only running incidents and today's
 * closures are listed on every request. A 30-day report then reads one day of visibility, not 30.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { encodeIncidentId } from '../../domain/incidentId';
import type { IncidentFacts, ResolverKind } from '../../domain/kpis';
import { REOPEN_WINDOW_SECONDS, RESOLVER_KINDS } from '../../domain/kpis';
import type { Severity } from '../../domain/severity';
import { INCIDENT_WORKFLOW_TYPE, searchAttributes, type IncidentMemo } from '../../domain/visibility';
import type { KpiSource } from './kpiReport';
import { asHttpFailure, quote } from '../gateways/temporalGateway';

/** Listing a long period's incidents reads many visibility pages: a deadline of its own. */
const KPI_DEADLINE_MS = 60_000;
/** Workflow type of problem workflows (`workflows/problem.ts`), counted as open problems while running. */
const PROBLEM_WORKFLOW_TYPE = 'problemWorkflow';
const DAY_MS = 86_400_000;
/** Visibility is eventually consistent: a day is cached only once it ended this long ago. */
const SETTLE_MS = 5 * 60_000;
/** Days kept per service filter (a year and a bit); the oldest go first. */
const CACHED_DAYS = 400;
/** Days listed side by side when the cache is cold. */
const PARALLEL_DAYS = 4;

/** What the KPIs need of one run, without the run's raw payloads. */
interface RunRecord {
  incidentId: string;
  startMs: number;
  closeMs?: number;
  facts: Omit<IncidentFacts, 'openedAt'> & { openedAt?: string };
}

function recordOf(execution: WorkflowExecutionInfo): RunRecord {
  const attributes = execution.typedSearchAttributes;
  const memo = (execution.memo ?? {}) as Partial<IncidentMemo>;
  const incidentId = memo.incidentId ?? encodeIncidentId({ workflowId: execution.workflowId, runId: execution.runId });
  const resolvedBy = attributes.get(searchAttributes.resolvedBy) as ResolverKind | undefined;
  const resolvedAt =
    attributes.get(searchAttributes.resolvedAt) ?? (attributes.get(searchAttributes.status) === 'resolved' && execution.closeTime ? execution.closeTime : undefined);
  const acknowledgedAt = attributes.get(searchAttributes.acknowledgedAt);
  const openedAt = attributes.get(searchAttributes.openedAt);
  const pages = attributes.get(searchAttributes.pages);
  return {
    incidentId,
    startMs: execution.startTime.getTime(),
    ...(execution.closeTime ? { closeMs: execution.closeTime.getTime() } : {}),
    facts: {
      incidentId,
      key: attributes.get(searchAttributes.fingerprint) ?? execution.workflowId,
      service: attributes.get(searchAttributes.service) ?? '',
      severity: (attributes.get(searchAttributes.severity) ?? 'critical') as Severity,
      ...(openedAt ? { openedAt: openedAt.toISOString() } : {}),
      ...(acknowledgedAt ? { acknowledgedAt: acknowledgedAt.toISOString() } : {}),
      ...(resolvedAt ? { resolvedAt: resolvedAt.toISOString() } : {}),
      ...(resolvedBy && RESOLVER_KINDS.includes(resolvedBy) ? { resolvedBy } : {}),
      ...(pages !== undefined ? { pages } : {}),
    },
  };
}

/** The newest run of each incident speaks for it; its earliest run's start is when it opened. */
function factsOfRuns(runs: Iterable<RunRecord>): IncidentFacts[] {
  const newest = new Map<string, RunRecord>();
  const earliestStart = new Map<string, number>();
  for (const run of runs) {
    const latest = newest.get(run.incidentId);
    if (!latest || run.startMs > latest.startMs) newest.set(run.incidentId, run);
    const known = earliestStart.get(run.incidentId);
    if (known === undefined || run.startMs < known) earliestStart.set(run.incidentId, run.startMs);
  }
  return [...newest.values()].map((run) => ({
    ...run.facts,
    openedAt: run.facts.openedAt ?? new Date(earliestStart.get(run.incidentId) as number).toISOString(),
  }));
}

export function createTemporalKpiSource(client: Client): KpiSource {
  /** `<service or *>/<day start ms>` → the incident runs that closed that day. */
  const closedDays = new Map<string, RunRecord[]>();

  async function call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await client.connection.withDeadline(Date.now() + KPI_DEADLINE_MS, fn);
    } catch (error) {
      throw asHttpFailure(error);
    }
  }

  async function list(conditions: string[]): Promise<RunRecord[]> {
    const query = [`WorkflowType = ${quote(INCIDENT_WORKFLOW_TYPE)}`, ...conditions].join(' AND ');
    return call(async () => {
      const runs: RunRecord[] = [];
      for await (const execution of client.workflow.list({ query, pageSize: 1000 })) runs.push(recordOf(execution));
      return runs;
    });
  }

  async function closedOn(dayMs: number, serviceCondition: string[], cacheKey: string): Promise<RunRecord[]> {
    const cached = closedDays.get(cacheKey);
    if (cached) {
      // Most recently used last, so the oldest-used day is the one dropped.
      closedDays.delete(cacheKey);
      closedDays.set(cacheKey, cached);
      return cached;
    }
    const runs = await list([`CloseTime >= ${quote(new Date(dayMs).toISOString())}`, `CloseTime < ${quote(new Date(dayMs + DAY_MS).toISOString())}`, ...serviceCondition]);
    closedDays.set(cacheKey, runs);
    if (closedDays.size > CACHED_DAYS) closedDays.delete(closedDays.keys().next().value as string);
    return runs;
  }

  return {
    async incidentFacts({ from, to, service, lookbackSeconds }) {
      const sinceMs = from.getTime() - (lookbackSeconds ?? REOPEN_WINDOW_SECONDS) * 1000;
      const serviceCondition = service ? [`${searchAttributes.service.name} = ${quote(service)}`] : [];
      // Days wholly over (and settled) come from the cache; from `settledMs` on, visibility is read afresh.
      const settledMs = Math.floor((Date.now() - SETTLE_MS) / DAY_MS) * DAY_MS;
      const days: number[] = [];
      // Every settled day since `sinceMs`, also past `to`: an incident opened in the period may have closed later.
      for (let day = Math.floor(sinceMs / DAY_MS) * DAY_MS; day < settledMs; day += DAY_MS) days.push(day);
      const runs: RunRecord[] = [];
      for (let index = 0; index < days.length; index += PARALLEL_DAYS) {
        const batch = days.slice(index, index + PARALLEL_DAYS);
        for (const dayRuns of await Promise.all(batch.map((day) => closedOn(day, serviceCondition, `${service ?? '*'}/${day}`)))) runs.push(...dayRuns);
      }
      const fresh = await list([
        `StartTime < ${quote(to.toISOString())}`,
        `(ExecutionStatus = 'Running' OR CloseTime >= ${quote(new Date(Math.max(sinceMs, settledMs)).toISOString())})`,
        ...serviceCondition,
      ]);
      // Cached days are whole days: keep only runs the query asks for.
      const wanted = runs.filter((run) => run.startMs < to.getTime() && (run.closeMs ?? Infinity) >= sinceMs);
      return factsOfRuns([...wanted, ...fresh]);
    },

    async openProblems() {
      const { count } = await call(() => client.workflow.count(`WorkflowType = ${quote(PROBLEM_WORKFLOW_TYPE)} AND ExecutionStatus = 'Running'`));
      return count;
    },
  };
}
