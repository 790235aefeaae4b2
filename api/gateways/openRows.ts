/**
 * Open incidents a page at a time for the dashboard: most severe first, newest first within a
 * severity, each with its row facts from the memo (decision 73). One visibility listing per
 * severity a page touches, never a query per incident. The cursor is keyset, not an offset, so a
 * later page costs what the first does and any API replica can answer it: it names the severity
 * reached and the start time (ms) of the last row given, with the runs already given at that same
 * millisecond (visibility lists running workflows by start time, newest first).
 */
import { SEVERITIES, type Severity } from '../../domain/severity';
import type { OpenRow, OpenRowsPage } from './incidentGateway';

export interface RowsPosition {
  /** Index in SEVERITIES of the severity being listed. */
  severity: number;
  /** Rows started before the end of this millisecond remain (absent: the severity from its newest). */
  beforeMs?: number;
  /** Runs started in that millisecond already given. */
  seen?: string[];
}

/** One listed run: its row and where it sorts. */
export interface ListedRun {
  runId: string;
  startMs: number;
  row: OpenRow;
}

/** Lists open runs of `severity` started before `beforeMs + 1` ms (all when absent), newest first, at most `limit`. */
export type ListOpenRuns = (severity: Severity, beforeMs: number | undefined, limit: number) => Promise<ListedRun[]>;

/** Counts what `ListOpenRuns` would list with no limit (a count is far cheaper than a listing). */
export type CountOpenRuns = (severity: Severity, beforeMs: number | undefined) => Promise<number>;

const MAX_SEEN = 200;

export function encodeRowsCursor(position: RowsPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position a cursor names, or undefined when it is not one this server wrote. */
export function decodeRowsCursor(cursor: string): RowsPosition | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { severity, beforeMs, seen } = value as Record<string, unknown>;
  if (!Number.isInteger(severity) || (severity as number) < 0 || (severity as number) >= SEVERITIES.length) return undefined;
  if (beforeMs !== undefined && !Number.isSafeInteger(beforeMs)) return undefined;
  if (seen !== undefined && !(Array.isArray(seen) && seen.length <= MAX_SEEN && seen.every((runId) => typeof runId === 'string' && runId.length <= 100))) return undefined;
  return { severity: severity as number, ...(beforeMs !== undefined ? { beforeMs: beforeMs as number } : {}), ...(seen ? { seen: seen as string[] } : {}) };
}

/**
 * One page from `from`. With `count`, the page's first severity is listed for the whole page; when
 * it falls short, the severities after it are counted and those the page needs are listed at once
 * (decisions 81, 85), each asked for what the page needs of it: a page that spans severities waits
 * for its slowest later listing, not their sum, and an empty severity is not listed. Without it,
 * one severity after another.
 */
export async function pageOfOpenRows(list: ListOpenRuns, limit: number, from: RowsPosition = { severity: 0 }, count?: CountOpenRuns): Promise<OpenRowsPage> {
  return count ? concurrentPage(list, count, limit, from) : sequentialPage(list, limit, from);
}

async function sequentialPage(list: ListOpenRuns, limit: number, from: RowsPosition): Promise<OpenRowsPage> {
  const rows: OpenRow[] = [];
  let position = from;
  while (rows.length < limit && position.severity < SEVERITIES.length) {
    const seen = new Set(position.seen ?? []);
    const runs = await list(SEVERITIES[position.severity], position.beforeMs, limit - rows.length + seen.size);
    const taken = takeRuns(runs, position, seen, rows, limit);
    // A page cut short inside this severity goes on from its last row; otherwise the next severity.
    position = taken.full ? taken.last : { severity: position.severity + 1 };
  }
  return pageFrom(rows, position);
}

async function concurrentPage(list: ListOpenRuns, count: CountOpenRuns, limit: number, from: RowsPosition): Promise<OpenRowsPage> {
  const rows: OpenRow[] = [];
  // The page's first severity is listed first, for the whole page (decision 85): where it fills
  // the page, as it does for most pages of a long list, nothing is counted (a count of one
  // severity among 5,000 open runs costs the dev server what listing 40 runs does).
  const firstSeen = new Set(from.seen ?? []);
  const first = takeRuns(await list(SEVERITIES[from.severity], from.beforeMs, limit + firstSeen.size + 1), from, firstSeen, rows, limit);
  if (first.full) return pageFrom(rows, first.last);
  // It had fewer than the page needs: the severities after it are counted, then those the page
  // needs are listed at once, each asked for what the page needs of it plus one more, so a
  // listing that comes back full tells that the severity has more than was counted.
  const later = SEVERITIES.map((_, index) => index).filter((index) => index > from.severity);
  const counts = await Promise.all(later.map((severity) => count(SEVERITIES[severity], undefined)));
  const asks: Array<{ severity: number; ask: number }> = [];
  let needed = limit - rows.length;
  later.forEach((severity, index) => {
    const take = Math.min(needed, counts[index]);
    if (take > 0) asks.push({ severity, ask: take + 1 });
    needed -= take;
  });
  const listings = await Promise.all(asks.map(({ severity, ask }) => list(SEVERITIES[severity], undefined, ask)));
  // Where the page ends: past the last severity counted as holding rows, unless cut short below.
  let position: RowsPosition = { severity: needed > 0 ? SEVERITIES.length : (asks.at(-1)?.severity ?? from.severity) + 1 };
  for (const [index, { severity, ask }] of asks.entries()) {
    const runs = listings[index];
    const taken = takeRuns(runs, { severity }, new Set(), rows, limit);
    // Full, or more runs than counted (some opened since the count): the page ends at its last row and the next goes on from there.
    if (taken.full || runs.length >= ask) {
      position = taken.last;
      break;
    }
  }
  return pageFrom(rows, position);
}

/** Adds the runs not yet given to `rows`, up to `limit`; `last` is the position after the last one added. */
function takeRuns(runs: ListedRun[], position: RowsPosition, seen: Set<string>, rows: OpenRow[], limit: number): { full: boolean; last: RowsPosition } {
  let last = position;
  for (const run of runs) {
    if (seen.has(run.runId)) continue;
    rows.push(run.row);
    const sameMs = last.beforeMs === run.startMs;
    last = { severity: position.severity, beforeMs: run.startMs, seen: sameMs ? [...(last.seen ?? []), run.runId].slice(-MAX_SEEN) : [run.runId] };
    if (rows.length >= limit) return { full: true, last };
  }
  return { full: false, last };
}

function pageFrom(rows: OpenRow[], position: RowsPosition): OpenRowsPage {
  return { rows, ...(position.severity < SEVERITIES.length ? { next: encodeRowsCursor(position) } : {}) };
}
