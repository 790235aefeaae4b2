/**
 * KPI facts of closed incident runs, copied from Temporal visibility into the SQL store
 * (migration 16, decision 64). A closed run's search attributes and memo are final, so a copy
 * taken once its close has settled equals what visibility says of it for good; every replica
 * reads the same copy, and a new replica starts with it instead of listing visibility again.
 *
 * The copy is complete over one range of close times, its coverage: every incident run that closed
 * in [fromMs, toMs) is held. A range is added only together with the runs visibility listed for
 * it, and only where it touches the coverage, so the coverage never has a hole.
 */
import type { IncidentFacts } from '../../domain/kpis';
import { jsonParam, type SqlStore } from '../../platform/sqlStore';

/** What the KPIs need of one run (`api/reporting/temporalKpiSource.ts`), without its raw payloads. */
export interface RunRecord {
  /** Workflow id and run id. */
  runKey: string;
  incidentId: string;
  startMs: number;
  closeMs?: number;
  facts: Omit<IncidentFacts, 'openedAt'> & { openedAt?: string };
}

export interface CloseRange {
  fromMs: number;
  toMs: number;
}

export interface ClosedIncidentRuns {
  /** The range of close times held in full; undefined before the first fill. */
  coverage(): Promise<CloseRange | undefined>;
  /**
   * Holds `runs`, all the incident runs visibility listed as closed in `range`, and widens the
   * coverage by `range` when it touches it (or starts it). One transaction: runs and coverage
   * agree. Runs already held stay as they are (the same final facts, from another replica).
   */
  add(range: CloseRange, runs: RunRecord[]): Promise<void>;
  /** The runs held whose close is in the range. */
  closedIn(range: CloseRange): Promise<RunRecord[]>;
}

/** Rows per INSERT: one statement's parameter stays a few MB. */
const INSERT_CHUNK = 5_000;

export function createClosedIncidentRuns(store: SqlStore): ClosedIncidentRuns {
  return {
    async coverage() {
      const [row] = await store.query<{ from_ms: number; to_ms: number }>('SELECT from_ms, to_ms FROM kpi_closed_coverage WHERE id = 1');
      return row ? { fromMs: Number(row.from_ms), toMs: Number(row.to_ms) } : undefined;
    },

    async add(range, runs) {
      await store.transaction(async (tx) => {
        for (let index = 0; index < runs.length; index += INSERT_CHUNK) {
          const chunk = runs.slice(index, index + INSERT_CHUNK).map((run) => ({ key: run.runKey, closeMs: run.closeMs, record: run }));
          await tx.query(
            `INSERT INTO kpi_closed_runs (run_key, close_ms, record)
             SELECT row->>'key', (row->>'closeMs')::double precision, row->'record' FROM jsonb_array_elements($1::jsonb) AS row
             ON CONFLICT (run_key) DO NOTHING`,
            [jsonParam(chunk)],
          );
        }
        // Widened only where the ranges touch: a range apart from the coverage would leave a hole between them.
        await tx.query(
          `INSERT INTO kpi_closed_coverage (id, from_ms, to_ms) VALUES (1, $1, $2)
           ON CONFLICT (id) DO UPDATE SET from_ms = LEAST(kpi_closed_coverage.from_ms, EXCLUDED.from_ms), to_ms = GREATEST(kpi_closed_coverage.to_ms, EXCLUDED.to_ms)
           WHERE EXCLUDED.from_ms <= kpi_closed_coverage.to_ms AND EXCLUDED.to_ms >= kpi_closed_coverage.from_ms`,
          [range.fromMs, range.toMs],
        );
      });
    },

    async closedIn(range) {
      const rows = await store.query<{ record: RunRecord | string }>('SELECT record FROM kpi_closed_runs WHERE close_ms >= $1 AND close_ms < $2', [range.fromMs, range.toMs]);
      return rows.map((row) => (typeof row.record === 'string' ? (JSON.parse(row.record) as RunRecord) : row.record));
    },
  };
}
