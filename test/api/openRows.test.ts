/**
 * The dashboard's keyset paging over open runs (api/gateways/openRows.ts), against a visibility
 * stand-in: every run given once, in order, whatever the page size, with or without counts first;
 * counted severities listed at once and empty ones not at all (decision 81), the first listed for
 * the whole page and counts asked only when it falls short (decision 85); and runs opened or
 * resolved between the count and the listing neither skipped nor repeated.
 */
import { describe, expect, it } from 'vitest';
import { decodeRowsCursor, pageOfOpenRows, type CountOpenRuns, type ListedRun, type ListOpenRuns } from '../../api/gateways/openRows';
import type { OpenRowsPage } from '../../api/gateways/incidentGateway';
import { SEVERITIES, type Severity } from '../../domain/severity';

interface Run {
  runId: string;
  severity: Severity;
  startMs: number;
}

/** Visibility as the gateway sees it: open runs of a severity, newest first, started before `beforeMs + 1`. */
function visibility(runs: Run[]) {
  const calls: Array<{ kind: 'list' | 'count'; severity: Severity; limit?: number }> = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const matching = (severity: Severity, beforeMs: number | undefined) =>
    runs.filter((run) => run.severity === severity && (beforeMs === undefined || run.startMs <= beforeMs)).sort((a, b) => b.startMs - a.startMs);
  const list: ListOpenRuns = async (severity, beforeMs, limit) => {
    calls.push({ kind: 'list', severity, limit });
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    await Promise.resolve();
    inFlight--;
    return matching(severity, beforeMs)
      .slice(0, limit)
      .map((run): ListedRun => ({ runId: run.runId, startMs: run.startMs, row: { summary: { id: run.runId, code: '', status: 'triggered', severity: run.severity, service: 's', summary: '', createdAt: new Date(run.startMs).toISOString() }, workflowId: run.runId } }));
  };
  const count: CountOpenRuns = async (severity, beforeMs) => {
    calls.push({ kind: 'count', severity });
    return matching(severity, beforeMs).length;
  };
  return { list, count, calls, mostInFlight: () => mostInFlight };
}

/** Runs spread over the severities, several opened in the same millisecond. */
function someRuns(total: number): Run[] {
  return Array.from({ length: total }, (_, index) => ({ runId: `run-${index}`, severity: SEVERITIES[(index * 7) % 3], startMs: 1_000 + Math.floor(index / 3) }));
}

const expectedOrder = (runs: Run[]) =>
  [...runs].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || b.startMs - a.startMs).map((run) => `${run.severity}@${run.startMs}`);

async function walk(next: (after?: string) => Promise<OpenRowsPage>): Promise<string[][]> {
  const pages: string[][] = [];
  let after: string | undefined;
  do {
    const page = await next(after);
    pages.push(page.rows.map((row) => row.summary.id));
    after = page.next;
  } while (after && pages.length < 1_000);
  expect(after).toBeUndefined();
  return pages;
}

describe('open rows, a page at a time', () => {
  it('gives every run once, most severe and newest first, for any page size, with counts or without', async () => {
    const runs = someRuns(130);
    const byId = new Map(runs.map((run) => [run.runId, run]));
    for (const limit of [1, 7, 50, 130, 500]) {
      for (const counted of [false, true]) {
        const { list, count } = visibility(runs);
        const pages = await walk((after) => pageOfOpenRows(list, limit, after ? decodeRowsCursor(after) : undefined, counted ? count : undefined));
        const ids = pages.flat();
        expect(new Set(ids).size, `limit ${limit}, counted ${counted}`).toBe(runs.length);
        expect(ids.map((id) => `${byId.get(id)!.severity}@${byId.get(id)!.startMs}`)).toEqual(expectedOrder(runs));
        expect(pages.every((page) => page.length <= limit)).toBe(true);
      }
    }
  });

  it('lists a page\'s first severity for the whole page, counts the later ones only when it falls short, asks each for what the page needs of it, and leaves an empty one alone', async () => {
    // 30 critical, no error, 40 warning, 5 info: one page of 60 needs critical, warning and nothing of info.
    const runs: Run[] = [
      ...Array.from({ length: 30 }, (_, index): Run => ({ runId: `c${index}`, severity: 'critical', startMs: 2_000 + index })),
      ...Array.from({ length: 40 }, (_, index): Run => ({ runId: `w${index}`, severity: 'warning', startMs: 3_000 + index })),
      ...Array.from({ length: 5 }, (_, index): Run => ({ runId: `i${index}`, severity: 'info', startMs: 4_000 + index })),
    ];
    const stand = visibility(runs);
    const page = await pageOfOpenRows(stand.list, 60, undefined, stand.count);
    expect(page.rows).toHaveLength(60);
    // Critical, where the page starts, is asked for the whole page (decision 85); the later severities are counted after it, and warning asked for what the page needs of it.
    expect(stand.calls).toEqual([
      { kind: 'list', severity: 'critical', limit: 61 },
      ...SEVERITIES.slice(1).map((severity) => ({ kind: 'count', severity })),
      { kind: 'list', severity: 'warning', limit: 31 },
    ]);
    expect(decodeRowsCursor(page.next!)).toMatchObject({ severity: SEVERITIES.indexOf('warning') });

    // A page its first severity fills asks no count: the next 10 critical rows.
    const filled = visibility(runs);
    const next = await pageOfOpenRows(filled.list, 10, undefined, filled.count);
    expect(next.rows.map((row) => row.summary.id)).toEqual(Array.from({ length: 10 }, (_, index) => `c${29 - index}`));
    expect(filled.calls).toEqual([{ kind: 'list', severity: 'critical', limit: 11 }]);
    expect(decodeRowsCursor(next.next!)).toEqual({ severity: 0, beforeMs: 2_020, seen: ['c20'] });
  });

  it('lists the later severities a page reaches at once, after the counts', async () => {
    // 10 critical, 20 error, 20 warning: a page of 45 lists critical beside the counts, then error and warning together.
    const runs: Run[] = [
      ...Array.from({ length: 10 }, (_, index): Run => ({ runId: `c${index}`, severity: 'critical', startMs: 2_000 + index })),
      ...Array.from({ length: 20 }, (_, index): Run => ({ runId: `e${index}`, severity: 'error', startMs: 3_000 + index })),
      ...Array.from({ length: 20 }, (_, index): Run => ({ runId: `w${index}`, severity: 'warning', startMs: 4_000 + index })),
    ];
    const stand = visibility(runs);
    const page = await pageOfOpenRows(stand.list, 45, undefined, stand.count);
    expect(page.rows.map((row) => row.summary.severity)).toEqual([...Array(10).fill('critical'), ...Array(20).fill('error'), ...Array(15).fill('warning')]);
    expect(stand.calls.filter((call) => call.kind === 'list')).toEqual([
      { kind: 'list', severity: 'critical', limit: 46 },
      { kind: 'list', severity: 'error', limit: 21 },
      { kind: 'list', severity: 'warning', limit: 16 },
    ]);
    expect(stand.mostInFlight()).toBe(2);
    expect(decodeRowsCursor(page.next!)).toMatchObject({ severity: SEVERITIES.indexOf('warning'), beforeMs: 4_005 });
  });

  it('neither skips nor repeats a run opened or resolved between the count and the listing', async () => {
    const runs = someRuns(60);
    const stand = visibility(runs);
    let late = 0;
    const resolved = new Set<string>();
    // After each page's counts, three newer runs open in every severity and the oldest open one resolves: the counts are stale by the listing.
    const count: CountOpenRuns = async (severity, beforeMs) => {
      const counted = await stand.count(severity, beforeMs);
      if (severity === SEVERITIES.at(-1)) {
        for (const each of [...SEVERITIES.slice(0, 3), ...SEVERITIES.slice(0, 3), ...SEVERITIES.slice(0, 3)]) runs.push({ runId: `late-${late++}`, severity: each, startMs: 10_000 + late });
        const oldest = runs.reduce((first, run) => (run.startMs < first.startMs ? run : first));
        runs.splice(runs.indexOf(oldest), 1);
        resolved.add(oldest.runId);
      }
      return counted;
    };
    const given: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await pageOfOpenRows(stand.list, 25, after ? decodeRowsCursor(after) : undefined, count);
      given.push(...page.rows.map((row) => row.summary.id));
      after = page.next;
    } while (after && ++pages < 100);
    expect(after).toBeUndefined();
    expect(new Set(given).size).toBe(given.length);
    // Every run open from the start and still open is given: the late ones may come in a later walk, the old ones never go missing.
    for (const run of someRuns(60)) if (!resolved.has(run.runId)) expect(given).toContain(run.runId);
    expect(resolved.size).toBeGreaterThan(0);
  });
});
