import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type SearchAttributePair } from '@temporalio/common';
// The SDK's own encoder, so the fake's attributes are the payloads a server hands back.
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClosedIncidentRuns } from '../../api/records/closedIncidentRuns';
import { createTemporalKpiSource } from '../../api/reporting/temporalKpiSource';
import { computeKpis, REOPEN_WINDOW_SECONDS, RESOLVER_KINDS, type IncidentFacts, type ReopenWindow } from '../../domain/kpis';
import { computeKpisInOnePass } from '../../domain/kpiPass';
import { SEVERITIES } from '../../domain/severity';
import { searchAttributes } from '../../domain/visibility';
import { seededRandom } from '../../devkit/seededRandom';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';

const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-11-25T12:00:00Z');

interface FakeRun {
  workflowId: string;
  runId: string;
  incidentId: string;
  startMs: number;
  closeMs?: number;
  service: string;
  /** The VigilOpenedAt attribute, which every incident opened since the KPI attributes carries. */
  openedAtMs?: number;
  resolvedAtMs?: number;
  acknowledgedAtMs?: number;
  resolvedBy?: string;
  pages?: number;
  severity?: string;
  /** Not yet in the close-time index (visibility is eventually consistent). */
  unindexed?: boolean;
  /** The VigilFingerprint attribute: incidents of one fingerprint are "the same" for reopenings. */
  fingerprint?: string;
}

/**
 * A visibility store that understands the few query shapes the KPI source sends (CloseTime
 * ranges, running or closed-since, StartTime before), and records every query it answered.
 */
function fakeVisibility(runs: FakeRun[]) {
  const queries: string[] = [];
  const time = (query: string, pattern: RegExp) => {
    const match = pattern.exec(query);
    return match ? Date.parse(match[1]) : undefined;
  };
  function matches(run: FakeRun, query: string): boolean {
    const closedFrom = time(query, /CloseTime >= '([^']+)'/);
    const closedBefore = time(query, /CloseTime < '([^']+)'/);
    const startedBefore = time(query, /StartTime < '([^']+)'/);
    const service = /VigilService = '([^']+)'/.exec(query)?.[1];
    if (run.unindexed) return false;
    if (service && run.service !== service) return false;
    if (startedBefore !== undefined && run.startMs >= startedBefore) return false;
    if (query.includes("ExecutionStatus = 'Running' OR")) return run.closeMs === undefined || run.closeMs >= (closedFrom as number);
    if (closedFrom !== undefined && (run.closeMs === undefined || run.closeMs < closedFrom)) return false;
    if (closedBefore !== undefined && (run.closeMs === undefined || run.closeMs >= closedBefore)) return false;
    return true;
  }
  // Runs as the server's ListWorkflowExecutions answers: memo and attributes as payloads.
  const timestamp = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });
  const execution = (run: FakeRun) => ({
    execution: { workflowId: run.workflowId, runId: run.runId },
    startTime: timestamp(run.startMs),
    closeTime: run.closeMs === undefined ? null : timestamp(run.closeMs),
    memo: { fields: { incidentId: defaultPayloadConverter.toPayload(run.incidentId) } },
    searchAttributes: {
      indexedFields: encodeUnifiedSearchAttributes(undefined, [
        { key: searchAttributes.service, value: run.service },
        { key: searchAttributes.status, value: run.resolvedAtMs ? 'resolved' : 'triggered' },
        ...(run.openedAtMs ? [{ key: searchAttributes.openedAt, value: new Date(run.openedAtMs) }] : []),
        ...(run.resolvedAtMs ? [{ key: searchAttributes.resolvedAt, value: new Date(run.resolvedAtMs) }] : []),
        ...(run.acknowledgedAtMs ? [{ key: searchAttributes.acknowledgedAt, value: new Date(run.acknowledgedAtMs) }] : []),
        ...(run.resolvedBy ? [{ key: searchAttributes.resolvedBy, value: run.resolvedBy }] : []),
        ...(run.pages !== undefined ? [{ key: searchAttributes.pages, value: run.pages }] : []),
        ...(run.severity ? [{ key: searchAttributes.severity, value: run.severity }] : []),
        ...(run.fingerprint ? [{ key: searchAttributes.fingerprint, value: run.fingerprint }] : []),
      ] as SearchAttributePair[]),
    },
  });
  const PAGE = 2;
  const client = {
    connection: { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() },
    options: { namespace: 'default', loadedDataConverter: { payloadConverter: defaultPayloadConverter, payloadCodecs: [], failureConverter: undefined } },
    workflowService: {
      // Pages of two, so every listing also walks its page tokens.
      async listWorkflowExecutions({ query, nextPageToken }: { query: string; nextPageToken?: Uint8Array }) {
        const offset = nextPageToken ? Number(Buffer.from(nextPageToken).toString()) : 0;
        if (offset === 0) queries.push(query);
        const matching = runs.filter((run) => matches(run, query));
        const executions = matching.slice(offset, offset + PAGE).map(execution);
        return { executions, nextPageToken: offset + PAGE < matching.length ? Buffer.from(String(offset + PAGE)) : Buffer.alloc(0) };
      },
    },
    workflow: {
      count: async () => ({ count: 0 }),
    },
  } as unknown as Client;
  return { client, queries };
}

let store: SqlStore;

beforeAll(async () => {
  store = await openSqlStore({});
});

afterAll(async () => {
  await store?.close();
});

beforeEach(async () => {
  // Each test starts as a fresh deployment: nothing copied yet.
  await store.query('DELETE FROM kpi_closed_runs');
  await store.query('DELETE FROM kpi_closed_coverage');
});

afterEach(() => {
  vi.useRealTimers();
});

/** A source as api/main.ts wires it: closed runs copied into the shared store. */
const cachedSource = (client: Client) => createTemporalKpiSource(client, { closedRuns: createClosedIncidentRuns(store) });

/** The facts in a stable order, to compare two sources' answers. */
const sorted = <T extends { incidentId: string }>(facts: T[]) => [...facts].sort((a, b) => a.incidentId.localeCompare(b.incidentId));

describe('KPI facts from Temporal visibility', () => {
  it('copies settled closed runs once; later requests list only what is running or closed since', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const runs: FakeRun[] = [
      // Opened and resolved three days ago.
      { workflowId: 'w1', runId: 'r1', incidentId: 'i1', startMs: NOW - 3 * DAY_MS, closeMs: NOW - 3 * DAY_MS + 3_600_000, resolvedAtMs: NOW - 3 * DAY_MS + 3_600_000, service: 'checkout' },
      // Still open, begun yesterday in one run that continued as new into another.
      { workflowId: 'w2', runId: 'r2a', incidentId: 'i2', startMs: NOW - DAY_MS, closeMs: NOW - DAY_MS + 60_000, service: 'search' },
      { workflowId: 'w2', runId: 'r2b', incidentId: 'i2', startMs: NOW - DAY_MS + 60_000, service: 'search' },
      // Resolved an hour ago.
      { workflowId: 'w3', runId: 'r3', incidentId: 'i3', startMs: NOW - 2 * 3_600_000, closeMs: NOW - 3_600_000, resolvedAtMs: NOW - 3_600_000, service: 'checkout' },
    ];
    const { client, queries } = fakeVisibility(runs);
    const source = cachedSource(client);
    const query = { from: new Date(NOW - 7 * DAY_MS), to: new Date(NOW) };

    const first = await source.incidentFacts(query);
    expect(first.map((facts) => facts.incidentId).sort()).toEqual(['i1', 'i2', 'i3']);
    // The incident that continued as new counts once, from its first run's start.
    expect(first.find((facts) => facts.incidentId === 'i2')?.openedAt).toBe(new Date(NOW - DAY_MS).toISOString());
    // Copied a day at a time from the day the reopen look-back starts in, up to 5 minutes ago.
    expect(queries.filter((text) => text.includes('CloseTime <'))).toHaveLength(8);
    expect(await store.query('SELECT run_key FROM kpi_closed_runs ORDER BY run_key')).toEqual([{ run_key: 'w1/r1' }, { run_key: 'w2/r2a' }, { run_key: 'w3/r3' }]);

    queries.length = 0;
    const second = await source.incidentFacts(query);
    expect(sorted(second)).toEqual(sorted(first));
    expect(queries).toHaveLength(1);
    expect(queries[0]).toContain("ExecutionStatus = 'Running' OR CloseTime >= '2026-11-25T11:55:00.000Z'");
  });

  it('counts an incident opened in a past period that closed days after it', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const { client } = fakeVisibility([
      { workflowId: 'w1', runId: 'r1', incidentId: 'late', startMs: NOW - 20 * DAY_MS, closeMs: NOW - 5 * DAY_MS, resolvedAtMs: NOW - 5 * DAY_MS, service: 'checkout' },
      { workflowId: 'w2', runId: 'r2', incidentId: 'after', startMs: NOW - 8 * DAY_MS, closeMs: NOW - 8 * DAY_MS + 60_000, service: 'checkout' },
    ]);
    const source = cachedSource(client);
    const facts = await source.incidentFacts({ from: new Date(NOW - 30 * DAY_MS), to: new Date(NOW - 10 * DAY_MS) });
    expect(facts.map((fact) => fact.incidentId)).toEqual(['late']);
    expect(facts[0].resolvedAt).toBe(new Date(NOW - 5 * DAY_MS).toISOString());
  });

  it('keeps the days of one service apart from those of all services', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const { client } = fakeVisibility([
      { workflowId: 'w1', runId: 'r1', incidentId: 'a', startMs: NOW - 2 * DAY_MS, closeMs: NOW - 2 * DAY_MS + 1, service: 'checkout' },
      { workflowId: 'w2', runId: 'r2', incidentId: 'b', startMs: NOW - 2 * DAY_MS, closeMs: NOW - 2 * DAY_MS + 1, service: 'search' },
    ]);
    const source = cachedSource(client);
    const query = { from: new Date(NOW - 3 * DAY_MS), to: new Date(NOW) };
    expect((await source.incidentFacts({ ...query, service: 'search' })).map((fact) => fact.incidentId)).toEqual(['b']);
    expect((await source.incidentFacts(query)).map((fact) => fact.incidentId).sort()).toEqual(['a', 'b']);
  });

  /** Several hundred incidents over 45 days: some still open, some continued as new, all kinds of resolution. */
  function manyRuns(): FakeRun[] {
    const random = seededRandom(64);
    const runs: FakeRun[] = [];
    for (let index = 0; index < 400; index++) {
      const startMs = NOW - Math.floor(random() * 45 * DAY_MS);
      const service = ['checkout', 'search', 'billing'][index % 3];
      const severity = SEVERITIES[index % SEVERITIES.length];
      const open = random() < 0.1;
      const resolvedAtMs = open ? undefined : Math.min(NOW - 1000, startMs + Math.floor(random() * 3 * DAY_MS));
      const resolvedBy = RESOLVER_KINDS[index % RESOLVER_KINDS.length];
      const acknowledgedAtMs = resolvedBy === 'human' && resolvedAtMs ? startMs + Math.floor((resolvedAtMs - startMs) / 3) : undefined;
      const incidentId = `i${index}`;
      if (index % 25 === 0 && !open && resolvedAtMs) {
        // Continued as new halfway: its first run closed then, its second at resolution.
        const midMs = startMs + Math.floor((resolvedAtMs - startMs) / 2);
        runs.push({ workflowId: `w${index}`, runId: 'a', incidentId, startMs, closeMs: midMs, service, severity });
        runs.push({ workflowId: `w${index}`, runId: 'b', incidentId, startMs: midMs, closeMs: resolvedAtMs, resolvedAtMs, resolvedBy, acknowledgedAtMs, pages: 2, service, severity });
      } else {
        runs.push({ workflowId: `w${index}`, runId: 'a', incidentId, startMs, closeMs: resolvedAtMs, resolvedAtMs, resolvedBy, acknowledgedAtMs, pages: resolvedAtMs ? index % 4 : undefined, service, severity });
      }
    }
    return runs;
  }

  /** The report of a period from the copied facts, and from a fresh listing of visibility alone. */
  async function cachedAndFresh(client: Client, source: ReturnType<typeof cachedSource>, period: { from: Date; to: Date }, service?: string) {
    const fresh = createTemporalKpiSource(client);
    const report = async (of: typeof fresh) => computeKpis({ period, service, incidents: await of.incidentFacts({ ...period, service }), openProblems: 0 });
    return { cached: await report(source), fresh: await report(fresh) };
  }

  it('gives the same figures from the copy as a fresh computation from visibility, for any period and service', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const runs = manyRuns();
    const { client } = fakeVisibility(runs);
    const source = cachedSource(client);
    const someClose = runs.find((run) => run.closeMs && run.closeMs < NOW - 20 * DAY_MS)?.closeMs as number;
    const periods = [
      { from: new Date(NOW - 30 * DAY_MS), to: new Date(NOW) },
      // Edges inside days, and a period ending exactly at a close (excluded) or starting at one (included).
      { from: new Date(NOW - 10.3 * DAY_MS), to: new Date(NOW - 2.7 * DAY_MS) },
      { from: new Date(someClose - 5 * DAY_MS), to: new Date(someClose) },
      { from: new Date(someClose), to: new Date(someClose + 3 * DAY_MS) },
      { from: new Date(NOW - 40 * DAY_MS), to: new Date(NOW - 39 * DAY_MS) },
    ];
    for (const period of periods) {
      for (const service of [undefined, 'search']) {
        const { cached, fresh } = await cachedAndFresh(client, source, period, service);
        expect(cached).toEqual(fresh);
      }
    }
    const whole = await cachedAndFresh(client, source, periods[0]);
    // Not vacuous: the figures count hundreds of incidents, some open at the end.
    expect(whole.cached.incidents.opened).toBeGreaterThan(200);
    expect(whole.cached.incidents.openAtEnd).toBeGreaterThan(10);
    expect(Number((await store.query<{ n: number }>('SELECT count(*)::int AS n FROM kpi_closed_runs'))[0].n)).toBeGreaterThan(300);
  });

  it('answers from the copy exactly what the incidents\' own facts give, asked again and again in any order', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    // As incidents opened since the KPI attributes: each run says when its incident opened.
    const runs = manyRuns().map((run, index) => {
      const first = run.runId === 'a' ? run : undefined;
      return { ...run, openedAtMs: index % 7 === 0 ? undefined : first ? run.startMs : undefined };
    });
    for (const run of runs) if (run.runId === 'b') run.openedAtMs = runs.find((other) => other.workflowId === run.workflowId && other.runId === 'a')?.startMs;
    // What each incident is, from the runs that made it: the truth a report must agree with.
    const truth = new Map<string, IncidentFacts>();
    for (const run of [...runs].sort((a, b) => a.startMs - b.startMs)) {
      const opened = truth.get(run.incidentId)?.openedAt ?? new Date(run.openedAtMs ?? run.startMs).toISOString();
      truth.set(run.incidentId, {
        incidentId: run.incidentId,
        key: run.workflowId,
        service: run.service,
        severity: (run.severity ?? 'critical') as IncidentFacts['severity'],
        openedAt: opened,
        ...(run.acknowledgedAtMs ? { acknowledgedAt: new Date(run.acknowledgedAtMs).toISOString() } : {}),
        ...(run.resolvedAtMs ? { resolvedAt: new Date(run.resolvedAtMs).toISOString() } : {}),
        ...(run.resolvedBy ? { resolvedBy: run.resolvedBy as IncidentFacts['resolvedBy'] } : {}),
        ...(run.pages !== undefined ? { pages: run.pages } : {}),
      });
    }
    const { client } = fakeVisibility(runs);
    const source = cachedSource(client);
    const periods = [
      { from: new Date(NOW - 30 * DAY_MS), to: new Date(NOW) },
      { from: new Date(NOW - 3.5 * DAY_MS), to: new Date(NOW - 1.25 * DAY_MS) },
      { from: new Date(NOW - 44 * DAY_MS), to: new Date(NOW - 20 * DAY_MS) },
    ];
    // Twice over, whole system and one service interleaved: whatever a report keeps of the facts
    // it saw (their parsed times) must not leak from one period or service into another.
    for (const round of [1, 2]) {
      for (const period of round === 1 ? periods : [...periods].reverse()) {
        for (const service of [undefined, 'billing']) {
          // In one order: a mean's float sum depends on the order it adds in.
          const fromCopy = computeKpis({ period, service, incidents: sorted(await source.incidentFacts({ ...period, service })), openProblems: 0 });
          const fromTruth = computeKpis({ period, service, incidents: sorted(structuredClone([...truth.values()])), openProblems: 0 });
          expect(fromCopy).toEqual(fromTruth);
        }
      }
    }
    const whole = computeKpis({ period: periods[0], incidents: await source.incidentFacts(periods[0]), openProblems: 0 });
    // Not vacuous: hundreds opened and resolved, some open at the end, times to acknowledge known.
    expect(whole.incidents.opened).toBeGreaterThan(200);
    expect(whole.incidents.resolved).toBeGreaterThan(200);
    expect(whole.incidents.openAtEnd).toBeGreaterThan(10);
    expect(whole.mtta.count).toBeGreaterThan(50);
  });

  it('gives from the parsed copy in one pass what the plain computation gives over the same facts', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    // Recurring fingerprints (reopenings), shared between copied runs and runs listed live.
    const runs = manyRuns().map((run, index) => ({ ...run, fingerprint: index % 4 === 0 ? undefined : `fp-${index % 17}` }));
    // Continued as new into a run still going: its first run is copied, its second listed live.
    runs.push({ workflowId: 'cont', runId: 'a', incidentId: 'cont', startMs: NOW - 6 * DAY_MS, closeMs: NOW - 5 * DAY_MS, service: 'search', fingerprint: 'fp-3' });
    runs.push({ workflowId: 'cont', runId: 'b', incidentId: 'cont', startMs: NOW - 5 * DAY_MS, acknowledgedAtMs: NOW - 4 * DAY_MS, service: 'search', fingerprint: 'fp-3' });
    // Closed a minute ago (not settled, listed live) right after one of its fingerprint resolved.
    runs.push({ workflowId: 'fresh', runId: 'a', incidentId: 'fresh', startMs: NOW - 30 * 60_000, openedAtMs: NOW - 30 * 60_000, closeMs: NOW - 60_000, resolvedAtMs: NOW - 60_000, resolvedBy: 'human', pages: 1, service: 'checkout', fingerprint: 'fp-fresh' });
    runs.push({ workflowId: 'before-fresh', runId: 'a', incidentId: 'before-fresh', startMs: NOW - 2 * 3_600_000, closeMs: NOW - 45 * 60_000, resolvedAtMs: NOW - 45 * 60_000, resolvedBy: 'source', service: 'checkout', fingerprint: 'fp-fresh' });
    const { client } = fakeVisibility(runs);
    const source = cachedSource(client);
    const windows: ReopenWindow = (service) => (service === 'search' ? 3 * 86_400 : service === 'billing' ? undefined : 2 * 86_400);
    const periods = [
      { from: new Date(NOW - 30 * DAY_MS), to: new Date(NOW) },
      { from: new Date(NOW - 10.3 * DAY_MS), to: new Date(NOW - 2.7 * DAY_MS) },
      { from: new Date(NOW - 5.5 * DAY_MS), to: new Date(NOW - 4.5 * DAY_MS) },
      { from: new Date(NOW - 3_600_000), to: new Date(NOW) },
    ];
    let reopened = 0;
    let ungrouped = 0;
    for (const period of periods) {
      for (const service of [undefined, 'search', 'checkout']) {
        const query = { ...period, service, lookbackSeconds: 3 * 86_400 };
        const plain = computeKpis({ period, service, incidents: await source.incidentFacts(query), openProblems: 0, reopenWithinSeconds: windows });
        const parsed = await source.incidentEntries?.(query);
        ungrouped += parsed?.mayShareKey?.filter((shares) => !shares).length ?? 0;
        expect(computeKpisInOnePass({ period, service, ...(parsed as NonNullable<typeof parsed>), openProblems: 0, reopenWithinSeconds: windows })).toEqual(plain);
        reopened += plain.incidents.reopened;
      }
    }
    // Not vacuous: reopenings, incidents left out of the grouping, the live continuation and the fresh close.
    expect(reopened).toBeGreaterThan(10);
    expect(ungrouped).toBeGreaterThan(50);
    const facts = await source.incidentFacts({ ...periods[0], lookbackSeconds: 3 * 86_400 });
    expect(facts.find((fact) => fact.incidentId === 'cont')).toMatchObject({ openedAt: new Date(NOW - 6 * DAY_MS).toISOString(), acknowledgedAt: new Date(NOW - 4 * DAY_MS).toISOString() });
    expect(facts.find((fact) => fact.incidentId === 'fresh')?.resolvedBy).toBe('human');
  });

  it('counts a late close on a day already copied, and copies it once settled', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const runs = manyRuns();
    // Opened 10 days ago, still open when the days are copied.
    const late: FakeRun = { workflowId: 'late', runId: 'a', incidentId: 'late', startMs: NOW - 10 * DAY_MS, service: 'search', severity: 'critical' };
    runs.push(late);
    const { client } = fakeVisibility(runs);
    const source = cachedSource(client);
    const period = { from: new Date(NOW - 12 * DAY_MS), to: new Date(NOW - 8 * DAY_MS) };
    const before = await cachedAndFresh(client, source, period);
    expect(before.cached).toEqual(before.fresh);

    // It is resolved an hour later; asked right then (not settled), and again once settled.
    vi.setSystemTime(NOW + 3_600_000);
    Object.assign(late, { closeMs: NOW + 3_600_000, resolvedAtMs: NOW + 3_600_000, resolvedBy: 'human', pages: 1 });
    const wide = { from: new Date(NOW - 12 * DAY_MS), to: new Date(NOW + 3_600_001) };
    const justClosed = await cachedAndFresh(client, source, wide);
    expect(justClosed.cached).toEqual(justClosed.fresh);
    // Read live until settled: resolved, though the day it opened on was copied while it ran.
    expect((await source.incidentFacts(wide)).find((fact) => fact.incidentId === 'late')?.resolvedAt).toBe(new Date(NOW + 3_600_000).toISOString());
    expect((await store.query("SELECT run_key FROM kpi_closed_runs WHERE run_key = 'late/a'")).length).toBe(0);

    vi.setSystemTime(NOW + 3_600_000 + 10 * 60_000);
    const settled = await cachedAndFresh(client, source, wide);
    expect(settled.cached).toEqual(settled.fresh);
    expect((await store.query("SELECT run_key FROM kpi_closed_runs WHERE run_key = 'late/a'")).length).toBe(1);
    // The period it opened in still counts it open at its end, and now resolved within the wide one.
    const opening = await cachedAndFresh(client, source, period);
    expect(opening.cached).toEqual(opening.fresh);
    expect(opening.cached.incidents.openAtEnd).toBe(before.cached.incidents.openAtEnd);
  });

  it('lets a replica with nothing in memory use the copy another made, without listing closed days', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const runs = manyRuns();
    const first = fakeVisibility(runs);
    const query = { from: new Date(NOW - 30 * DAY_MS), to: new Date(NOW) };
    const facts = await cachedSource(first.client).incidentFacts(query);

    const replica = fakeVisibility(runs);
    const replicaFacts = await cachedSource(replica.client).incidentFacts(query);
    expect(sorted(replicaFacts)).toEqual(sorted(facts));
    expect(replica.queries).toHaveLength(1);
    expect(replica.queries[0]).toContain("ExecutionStatus = 'Running' OR");
  });

  it('reads of the copy only the days a request reaches back to, and the older edge once a request reaches further', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const runs = manyRuns();
    const { client } = fakeVisibility(runs);
    // Another replica copied all 45 days.
    await cachedSource(client).incidentFacts({ from: new Date(NOW - 45 * DAY_MS), to: new Date(NOW) });
    const read: Array<{ fromMs: number; toMs: number }> = [];
    const shared = createClosedIncidentRuns(store);
    const spied: typeof shared = { ...shared, closedIn: (range) => (read.push(range), shared.closedIn(range)) };
    const replica = createTemporalKpiSource(client, { closedRuns: spied });
    const dayOf = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
    const lookbackMs = REOPEN_WINDOW_SECONDS * 1000;
    for (const days of [7, 30]) {
      const period = { from: new Date(NOW - days * DAY_MS), to: new Date(NOW) };
      const { cached, fresh } = await cachedAndFresh(client, replica, period);
      expect(cached, `${days} days`).toEqual(fresh);
    }
    // The week's request read from its first day (reopen look-back included), not the copy's 45 days;
    // the month's then read only the days before that.
    expect(read[0].fromMs).toBe(dayOf(NOW - 7 * DAY_MS - lookbackMs));
    expect(read[1]).toEqual({ fromMs: dayOf(NOW - 30 * DAY_MS - lookbackMs), toMs: read[0].fromMs });
    expect(read).toHaveLength(2);
  });

  it('copies a run only once its close has settled, so one indexed late is still counted', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    // Closed 2 minutes ago, but not yet in visibility's close-time index.
    const slow: FakeRun = { workflowId: 'slow', runId: 'a', incidentId: 'slow', startMs: NOW - DAY_MS, closeMs: NOW - 120_000, resolvedAtMs: NOW - 120_000, resolvedBy: 'runbook', service: 'search', unindexed: true };
    const { client } = fakeVisibility([slow]);
    const source = cachedSource(client);
    const query = { from: new Date(NOW - 2 * DAY_MS), to: new Date(NOW) };
    expect(await source.incidentFacts(query)).toEqual([]);
    // The copy ends 5 minutes before now: the run is not held as missing.
    expect(await createClosedIncidentRuns(store).coverage()).toEqual({ fromMs: Math.floor((NOW - 2 * DAY_MS - 3_600_000) / DAY_MS) * DAY_MS, toMs: NOW - 5 * 60_000 });

    slow.unindexed = false;
    vi.setSystemTime(NOW + 10 * 60_000);
    const facts = await source.incidentFacts(query);
    expect(facts.map((fact) => [fact.incidentId, fact.resolvedBy])).toEqual([['slow', 'runbook']]);
    expect((await store.query("SELECT run_key FROM kpi_closed_runs WHERE run_key = 'slow/a'")).length).toBe(1);
  });
});
