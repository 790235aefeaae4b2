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

export async function pageOfOpenRows(list: ListOpenRuns, limit: number, from: RowsPosition = { severity: 0 }): Promise<OpenRowsPage> {
  const rows: OpenRow[] = [];
  let position = from;
  while (rows.length < limit && position.severity < SEVERITIES.length) {
    const seen = new Set(position.seen ?? []);
    const runs = await list(SEVERITIES[position.severity], position.beforeMs, limit - rows.length + seen.size);
    let last = position;
    let full = false;
    for (const run of runs) {
      if (seen.has(run.runId)) continue;
      rows.push(run.row);
      const sameMs = last.beforeMs === run.startMs;
      last = { severity: position.severity, beforeMs: run.startMs, seen: sameMs ? [...(last.seen ?? []), run.runId].slice(-MAX_SEEN) : [run.runId] };
      if (rows.length >= limit) {
        full = true;
        break;
      }
    }
    // A page cut short inside this severity goes on from its last row; otherwise the next severity.
    position = full ? last : { severity: position.severity + 1 };
  }
  return { rows, ...(position.severity < SEVERITIES.length ? { next: encodeRowsCursor(position) } : {}) };
}
