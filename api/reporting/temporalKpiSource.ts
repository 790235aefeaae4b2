/**
 * KPI facts from Temporal visibility: each incident's search attributes (docs/kpis.md). An
 * incident that continued as new has several runs; they carry the same memo and attributes, so
 * the newest run listed speaks for the incident. Incidents from before the KPI attributes fall
 * back to what visibility always had (start and close times), and leave out what it never had
 * (first acknowledgement, resolver, pages).
 *
 * A closed run never changes (its search attributes and memo are final), so runs whose close has
 * settled are copied once into the SQL store (`api/records/closedIncidentRuns.ts`, decision 64)
 * and read from there by every replica; each process also keeps what it read of that copy, which
 * only ever grows. Visibility is listed on each request only for running incidents and the runs
 * that closed after the copy's end (the last few minutes).
 */
import type { Client } from '@temporalio/client';
import { encodeIncidentId } from '../../domain/incidentId';
import type { ResolverKind } from '../../domain/kpis';
import { kpiEntryOf } from '../../domain/kpiPass';
import { REOPEN_WINDOW_SECONDS, RESOLVER_KINDS } from '../../domain/kpis';
import type { Severity } from '../../domain/severity';
import { INCIDENT_WORKFLOW_TYPE, searchAttributes } from '../../domain/visibility';
import type { ClosedIncidentRuns, CloseRange, RunRecord } from '../records/closedIncidentRuns';
import { createClosedIncidentIndex, factsOfRuns, selects, type ClosedIncidentIndex } from './closedIncidentIndex';
import type { KpiFactsQuery, KpiSource } from './kpiReport';
import { asHttpFailure, quote } from '../gateways/temporalGateway';
import { datetimeAttribute, intAttribute, keywordAttribute, listRawRuns, timestampMs, type RawRun } from '../gateways/rawVisibility';

/** Listing a long period's incidents reads many visibility pages: a deadline of its own. */
const KPI_DEADLINE_MS = 60_000;
/** Workflow type of problem workflows (`workflows/problem.ts`), counted as open problems while running. */
const PROBLEM_WORKFLOW_TYPE = 'problemWorkflow';
const DAY_MS = 86_400_000;
/**
 * Visibility is eventually consistent: a run is copied only once its close is this old, when the
 * close-time index holds it for sure (VIGIL_KPI_SETTLE_SECONDS; see docs/kpis.md).
 */
export const DEFAULT_SETTLE_MS = 5 * 60_000;
/**
 * The copy is brought forward once it lags the settled time by more than this. Every run closed
 * after the copy's end is listed from visibility on every request (about 1 ms a run on the dev
 * server), so the copy keeps close behind; a step of a few seconds still spares most requests a
 * copy (decision 87).
 */
const EXTEND_STEP_MS = 10_000;
/** Days listed side by side when a range is copied. */
const PARALLEL_DAYS = 4;
/** What `warm` copies at start: the default 30-day period and its reopen look-back. */
const WARM_DAYS = 31;

export interface TemporalKpiSourceOptions {
  /** The shared copy of closed runs; without it every request lists all it needs from visibility. */
  closedRuns?: ClosedIncidentRuns;
  settleMs?: number;
}

/** The settle time from VIGIL_KPI_SETTLE_SECONDS, or the default. */
export function kpiSettleMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.VIGIL_KPI_SETTLE_SECONDS);
  return env.VIGIL_KPI_SETTLE_SECONDS && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_SETTLE_MS;
}

/** The memo field a KPI record reads; a run's other memo fields stay encoded (decision 87). */
const MEMO_FIELDS = ['incidentId'] as const;

/** A listed run as the KPI copy keeps it: the facts its memo and search attributes give. */
export function recordOf({ execution, memo }: RawRun): RunRecord {
  const workflowId = execution.execution?.workflowId ?? '';
  const runId = execution.execution?.runId ?? '';
  const startMs = timestampMs(execution.startTime) ?? 0;
  const closeMs = timestampMs(execution.closeTime);
  const incidentId = typeof memo.incidentId === 'string' ? memo.incidentId : encodeIncidentId({ workflowId, runId });
  const resolvedBy = keywordAttribute(execution, searchAttributes.resolvedBy.name) as ResolverKind | undefined;
  const resolvedAt =
    datetimeAttribute(execution, searchAttributes.resolvedAt.name) ??
    (keywordAttribute(execution, searchAttributes.status.name) === 'resolved' && closeMs !== undefined ? new Date(closeMs) : undefined);
  const acknowledgedAt = datetimeAttribute(execution, searchAttributes.acknowledgedAt.name);
  const openedAt = datetimeAttribute(execution, searchAttributes.openedAt.name);
  const pages = intAttribute(execution, searchAttributes.pages.name);
  return {
    runKey: `${workflowId}/${runId}`,
    incidentId,
    startMs,
    ...(closeMs !== undefined ? { closeMs } : {}),
    facts: {
      incidentId,
      key: keywordAttribute(execution, searchAttributes.fingerprint.name) ?? workflowId,
      service: keywordAttribute(execution, searchAttributes.service.name) ?? '',
      severity: (keywordAttribute(execution, searchAttributes.severity.name) ?? 'critical') as Severity,
      ...(openedAt ? { openedAt: openedAt.toISOString() } : {}),
      ...(acknowledgedAt ? { acknowledgedAt: acknowledgedAt.toISOString() } : {}),
      ...(resolvedAt ? { resolvedAt: resolvedAt.toISOString() } : {}),
      ...(resolvedBy && RESOLVER_KINDS.includes(resolvedBy) ? { resolvedBy } : {}),
      ...(pages !== undefined ? { pages } : {}),
    },
  };
}

export function createTemporalKpiSource(client: Client, options: TemporalKpiSourceOptions = {}): KpiSource & { warm(): Promise<void> } {
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const closedRuns = options.closedRuns;
  /** What this process read of the shared copy: the runs of a range inside its coverage, parsed. */
  let known: (CloseRange & { index: ClosedIncidentIndex }) | undefined;
  /** One catch-up at a time per process; concurrent requests wait for it and reuse it. */
  let catchingUp: Promise<CloseRange | undefined> = Promise.resolve(undefined);

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
      for await (const page of listRawRuns(client, query, MEMO_FIELDS)) for (const run of page) runs.push(recordOf(run));
      return runs;
    });
  }

  const closedBetween = (range: CloseRange) => [`CloseTime >= ${quote(new Date(range.fromMs).toISOString())}`, `CloseTime < ${quote(new Date(range.toMs).toISOString())}`];

  /** Every incident run (all services) visibility lists as closed in the range, a few days at a time side by side. */
  async function listClosed(range: CloseRange): Promise<RunRecord[]> {
    const parts: CloseRange[] = [];
    for (let fromMs = range.fromMs; fromMs < range.toMs; fromMs += DAY_MS) parts.push({ fromMs, toMs: Math.min(fromMs + DAY_MS, range.toMs) });
    const runs: RunRecord[] = [];
    for (let index = 0; index < parts.length; index += PARALLEL_DAYS) {
      for (const partRuns of await Promise.all(parts.slice(index, index + PARALLEL_DAYS).map((part) => list(closedBetween(part))))) runs.push(...partRuns);
    }
    return runs;
  }

  async function copy(store: ClosedIncidentRuns, range: CloseRange): Promise<void> {
    if (range.toMs <= range.fromMs) return;
    await store.add(range, await listClosed(range));
  }

  /**
   * Brings the shared copy back to `sinceMs` (whole UTC days, so nearby periods share it) and
   * forward to the settled time, then what this process knows up to the copy's coverage.
   */
  async function catchUp(store: ClosedIncidentRuns, sinceMs: number): Promise<CloseRange | undefined> {
    const settledMs = Date.now() - settleMs;
    const wantFromMs = Math.floor(sinceMs / DAY_MS) * DAY_MS;
    let coverage = await store.coverage();
    if (!coverage) {
      await copy(store, { fromMs: wantFromMs, toMs: settledMs });
    } else {
      if (wantFromMs < coverage.fromMs) await copy(store, { fromMs: wantFromMs, toMs: coverage.fromMs });
      if (coverage.toMs < settledMs - EXTEND_STEP_MS) await copy(store, { fromMs: coverage.toMs, toMs: settledMs });
    }
    coverage = await store.coverage();
    if (!coverage) return undefined;
    // Only what this request reaches back to is read: a copy of years costs a month's request a month.
    const readFromMs = Math.min(Math.max(coverage.fromMs, wantFromMs), coverage.toMs);
    if (!known || known.toMs < readFromMs || known.fromMs > coverage.toMs) {
      const index = createClosedIncidentIndex();
      index.add(await store.closedIn({ fromMs: readFromMs, toMs: coverage.toMs }));
      known = { fromMs: readFromMs, toMs: coverage.toMs, index };
    } else {
      // What this process holds only widens: read the edges it has not seen yet.
      const [before, after] = await Promise.all([
        readFromMs < known.fromMs ? store.closedIn({ fromMs: readFromMs, toMs: known.fromMs }) : [],
        coverage.toMs > known.toMs ? store.closedIn({ fromMs: known.toMs, toMs: coverage.toMs }) : [],
      ]);
      known.index.add([...before, ...after]);
      known = { ...known, fromMs: Math.min(known.fromMs, readFromMs), toMs: Math.max(known.toMs, coverage.toMs) };
    }
    return { fromMs: known.fromMs, toMs: known.toMs };
  }

  function caughtUp(store: ClosedIncidentRuns, sinceMs: number): Promise<CloseRange | undefined> {
    const next = catchingUp.catch(() => undefined).then(() => catchUp(store, sinceMs));
    catchingUp = next;
    return next;
  }

  /**
   * The copy's part of a request (its closed runs, as `known` holds them) and the runs listed
   * from visibility beside it: running ones, ones closed since the copy's end, and any part of
   * the period the copy does not cover.
   */
  async function gather({ from, to, service, lookbackSeconds }: KpiFactsQuery) {
    const sinceMs = from.getTime() - (lookbackSeconds ?? REOPEN_WINDOW_SECONDS) * 1000;
    const serviceCondition = service ? [`${searchAttributes.service.name} = ${quote(service)}`] : [];
    const held = closedRuns ? await caughtUp(closedRuns, sinceMs) : undefined;
    const listed: RunRecord[] = [];
    // `known` may have grown since `held` was read: the coverage asked for bounds what is used.
    const fromCopy = held && known ? { index: known.index, selection: { startedBeforeMs: to.getTime(), closedFromMs: sinceMs, closedBeforeMs: held.toMs, service } } : undefined;
    // A coverage short of the period (another replica pruned or raced it): that part is listed.
    if (held && known && held.fromMs > sinceMs) listed.push(...(await list([`StartTime < ${quote(to.toISOString())}`, ...closedBetween({ fromMs: sinceMs, toMs: held.fromMs }), ...serviceCondition])));
    const liveFromMs = held ? Math.max(sinceMs, held.toMs) : sinceMs;
    listed.push(...(await list([`StartTime < ${quote(to.toISOString())}`, `(ExecutionStatus = 'Running' OR CloseTime >= ${quote(new Date(liveFromMs).toISOString())})`, ...serviceCondition])));
    return { fromCopy, listed };
  }

  return {
    async incidentFacts(query) {
      const { fromCopy, listed } = await gather(query);
      const runs = fromCopy ? fromCopy.index.runs.filter((run) => selects(fromCopy.selection, run)) : [];
      return factsOfRuns([...runs, ...listed]);
    },

    /** The same incidents, those of the copy parsed once per process (decision 80). */
    async incidentEntries(query) {
      const { fromCopy, listed } = await gather(query);
      if (fromCopy) return fromCopy.index.entries(fromCopy.selection, listed);
      return { entries: factsOfRuns(listed).map(kpiEntryOf) };
    },

    async openProblems() {
      const { count } = await call(() => client.workflow.count(`WorkflowType = ${quote(PROBLEM_WORKFLOW_TYPE)} AND ExecutionStatus = 'Running'`));
      return count;
    },

    /** Copies the default period's closed runs, so the first request after a start finds them. */
    async warm() {
      if (closedRuns) await caughtUp(closedRuns, Date.now() - WARM_DAYS * DAY_MS - REOPEN_WINDOW_SECONDS * 1000);
    },
  };
}
