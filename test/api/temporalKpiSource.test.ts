import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTemporalKpiSource } from '../../api/reporting/temporalKpiSource';
import { searchAttributes } from '../../domain/visibility';

const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-11-25T12:00:00Z');

interface FakeRun {
  workflowId: string;
  runId: string;
  incidentId: string;
  startMs: number;
  closeMs?: number;
  service: string;
  resolvedAtMs?: number;
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
    if (service && run.service !== service) return false;
    if (startedBefore !== undefined && run.startMs >= startedBefore) return false;
    if (query.includes("ExecutionStatus = 'Running' OR")) return run.closeMs === undefined || run.closeMs >= (closedFrom as number);
    if (closedFrom !== undefined && (run.closeMs === undefined || run.closeMs < closedFrom)) return false;
    if (closedBefore !== undefined && (run.closeMs === undefined || run.closeMs >= closedBefore)) return false;
    return true;
  }
  const execution = (run: FakeRun) =>
    ({
      workflowId: run.workflowId,
      runId: run.runId,
      startTime: new Date(run.startMs),
      closeTime: run.closeMs === undefined ? undefined : new Date(run.closeMs),
      memo: { incidentId: run.incidentId },
      typedSearchAttributes: new TypedSearchAttributes([
        { key: searchAttributes.service, value: run.service },
        { key: searchAttributes.status, value: run.resolvedAtMs ? 'resolved' : 'triggered' },
        ...(run.resolvedAtMs ? [{ key: searchAttributes.resolvedAt, value: new Date(run.resolvedAtMs) }] : []),
      ]),
    }) as unknown as WorkflowExecutionInfo;
  const client = {
    connection: { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() },
    workflow: {
      async *list({ query }: { query: string }) {
        queries.push(query);
        for (const run of runs) if (matches(run, query)) yield execution(run);
      },
      count: async () => ({ count: 0 }),
    },
  } as unknown as Client;
  return { client, queries };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('KPI facts from Temporal visibility', () => {
  it('reads a settled day once, then only what is running or closed today', async () => {
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
    const source = createTemporalKpiSource(client);
    const query = { from: new Date(NOW - 7 * DAY_MS), to: new Date(NOW) };

    const first = await source.incidentFacts(query);
    expect(first.map((facts) => facts.incidentId).sort()).toEqual(['i1', 'i2', 'i3']);
    // The incident that continued as new counts once, from its first run's start.
    expect(first.find((facts) => facts.incidentId === 'i2')?.openedAt).toBe(new Date(NOW - DAY_MS).toISOString());
    const daysRead = queries.filter((text) => text.includes('CloseTime <')).length;
    expect(daysRead).toBe(7); // the 7 whole days before today (the reopen look-back starts within the first)

    queries.length = 0;
    const second = await source.incidentFacts(query);
    expect(second).toEqual(first);
    expect(queries).toHaveLength(1);
    expect(queries[0]).toContain("ExecutionStatus = 'Running' OR CloseTime >=");
  });

  it('counts an incident opened in a past period that closed days after it', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const { client } = fakeVisibility([
      { workflowId: 'w1', runId: 'r1', incidentId: 'late', startMs: NOW - 20 * DAY_MS, closeMs: NOW - 5 * DAY_MS, resolvedAtMs: NOW - 5 * DAY_MS, service: 'checkout' },
      { workflowId: 'w2', runId: 'r2', incidentId: 'after', startMs: NOW - 8 * DAY_MS, closeMs: NOW - 8 * DAY_MS + 60_000, service: 'checkout' },
    ]);
    const source = createTemporalKpiSource(client);
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
    const source = createTemporalKpiSource(client);
    const query = { from: new Date(NOW - 3 * DAY_MS), to: new Date(NOW) };
    expect((await source.incidentFacts({ ...query, service: 'search' })).map((fact) => fact.incidentId)).toEqual(['b']);
    expect((await source.incidentFacts(query)).map((fact) => fact.incidentId).sort()).toEqual(['a', 'b']);
  });
});
