/**
 * Recorded events in the SQL store: alerts that paged nobody (events by policy, suppressed by
 * maintenance) and those promoted to incidents, queryable by `GET /v1/events`.
 */
import type { Disposition, Recurrence } from '../../domain/classification';
import { jsonParam, type SqlStore } from '../../platform/sqlStore';

export type EventDisposition = 'event' | 'suppressed' | 'promoted';

export interface EventRecord {
  id: string;
  receivedAt: string;
  service: string;
  dedupKey: string;
  source: string;
  severity: string;
  summary: string;
  labels: Record<string, string>;
  status: 'firing' | 'resolved';
  disposition: EventDisposition;
  reason: string;
  rule?: string;
  maintenanceId?: string;
}

export interface EventFilter {
  service?: string;
  dedupKey?: string;
  disposition?: EventDisposition;
  since?: Date;
  until?: Date;
  /** At most this many, newest first. */
  limit: number;
}

export interface EventLog {
  /**
   * Holds every record durably (one statement), or throws. A record whose id is already held (a
   * sender's retry, see `api/intake/alertIdentity.ts`) is left as first recorded.
   */
  record(records: EventRecord[]): Promise<void>;
  /** Facts for promotion: events of the key since `windowStart`, and since when it fires. */
  recurrence(service: string, dedupKey: string, windowStart: Date, excludeId?: string): Promise<Recurrence>;
  list(filter: EventFilter): Promise<EventRecord[]>;
  /** Firing alerts recorded in [since, until), by disposition: the quiet side of the noise ratio (docs/kpis.md). */
  countFiring(filter: { service?: string; since: Date; until: Date }): Promise<Record<EventDisposition, number>>;
}

export type { Disposition };

interface EventRow {
  id: string;
  received_at: Date | string;
  service: string;
  dedup_key: string;
  source: string;
  severity: string;
  summary: string;
  labels: Record<string, string>;
  status: 'firing' | 'resolved';
  disposition: EventDisposition;
  reason: string;
  rule: string | null;
  maintenance_id: string | null;
}

const COLUMNS = ['id', 'received_at', 'service', 'dedup_key', 'source', 'severity', 'summary', 'labels', 'status', 'disposition', 'reason', 'rule', 'maintenance_id'];

function fromRow(row: EventRow): EventRecord {
  return {
    id: row.id,
    receivedAt: new Date(row.received_at).toISOString(),
    service: row.service,
    dedupKey: row.dedup_key,
    source: row.source,
    severity: row.severity,
    summary: row.summary,
    labels: row.labels,
    status: row.status,
    disposition: row.disposition,
    reason: row.reason,
    ...(row.rule ? { rule: row.rule } : {}),
    ...(row.maintenance_id ? { maintenanceId: row.maintenance_id } : {}),
  };
}

export function createEventLog(store: SqlStore): EventLog {
  return {
    async record(records) {
      if (records.length === 0) return;
      const values: unknown[] = [];
      const rows = records.map((record) => {
        const start = values.length;
        values.push(
          record.id,
          record.receivedAt,
          record.service,
          record.dedupKey,
          record.source,
          record.severity,
          record.summary,
          jsonParam(record.labels),
          record.status,
          record.disposition,
          record.reason,
          record.rule ?? null,
          record.maintenanceId ?? null,
        );
        return `(${COLUMNS.map((column, index) => `$${start + index + 1}${column === 'labels' ? '::jsonb' : ''}`).join(', ')})`;
      });
      await store.query(`INSERT INTO events (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')} ON CONFLICT (id) DO NOTHING`, values);
    },

    async recurrence(service, dedupKey, windowStart, excludeId) {
      const [row] = await store.query<{ recent: number; firing_since: Date | string | null }>(
        `WITH last_resolved AS (
           SELECT max(received_at) AS at FROM events WHERE service = $1 AND dedup_key = $2 AND status = 'resolved'
         )
         SELECT count(*) FILTER (WHERE received_at >= $3)::int AS recent,
                min(received_at) FILTER (WHERE received_at > coalesce((SELECT at FROM last_resolved), '-infinity'::timestamptz)) AS firing_since
           FROM events WHERE service = $1 AND dedup_key = $2 AND status = 'firing' AND ($4::uuid IS NULL OR id <> $4::uuid)`,
        [service, dedupKey, windowStart.toISOString(), excludeId ?? null],
      );
      return { recentCount: row.recent, firingSince: row.firing_since ? new Date(row.firing_since) : undefined };
    },

    async list(filter) {
      const conditions: string[] = [];
      const values: unknown[] = [];
      const where = (sql: string, value: unknown) => {
        values.push(value);
        conditions.push(sql.replace('?', `$${values.length}`));
      };
      if (filter.service) where('service = ?', filter.service);
      if (filter.dedupKey) where('dedup_key = ?', filter.dedupKey);
      if (filter.disposition) where('disposition = ?', filter.disposition);
      if (filter.since) where('received_at >= ?', filter.since.toISOString());
      if (filter.until) where('received_at < ?', filter.until.toISOString());
      values.push(filter.limit);
      const rows = await store.query<EventRow>(
        `SELECT ${COLUMNS.join(', ')} FROM events ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY received_at DESC, id LIMIT $${values.length}`,
        values,
      );
      return rows.map(fromRow);
    },

    async countFiring(filter) {
      const values: unknown[] = [filter.since.toISOString(), filter.until.toISOString()];
      if (filter.service) values.push(filter.service);
      const rows = await store.query<{ disposition: EventDisposition; count: number }>(
        `SELECT disposition, count(*)::int AS count FROM events
          WHERE status = 'firing' AND received_at >= $1 AND received_at < $2 ${filter.service ? 'AND service = $3' : ''}
          GROUP BY disposition`,
        values,
      );
      const counts: Record<EventDisposition, number> = { event: 0, suppressed: 0, promoted: 0 };
      for (const row of rows) if (row.disposition in counts) counts[row.disposition] = row.count;
      return counts;
    },
  };
}
