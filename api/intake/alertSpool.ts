/**
 * The spool: intake items kept in the SQL store while Temporal cannot take them, oldest first,
 * until the forwarder delivers them. A row is deleted only after Temporal holds its item.
 *
 * Whether the spool is in use is the store's to say, not a process's: while any row waits, every
 * replica puts new items behind it, so one key's items reach Temporal in the order they were
 * answered whichever replica took them; once the last row is gone, every replica delivers
 * directly again.
 */
import { jsonParam, type SqlStore } from '../../platform/sqlStore';
import type { IntakeItem } from './intakeItem';

export interface SpooledItem {
  seq: number;
  item: IntakeItem;
  attempts: number;
}

export interface SpoolStats {
  /** Items waiting for Temporal. */
  depth: number;
  /** Age of the oldest waiting item; 0 when none waits. */
  oldestAgeSeconds: number;
  /** Items set aside after failing for a reason other than an outage (see `docs/deployment.md`). */
  failed: number;
}

export interface AlertSpool {
  /**
   * Whether any item waits (set-aside ones do not count), read from the store on every call: new
   * items then go behind it, so none overtakes an older one of the same incident.
   */
  waiting(): Promise<boolean>;
  append(items: IntakeItem[]): Promise<void>;
  /** The oldest waiting items, in order. */
  oldest(limit: number): Promise<SpooledItem[]>;
  remove(seq: number): Promise<void>;
  /** Counts a failed delivery; `setAside` takes the item out of the queue for good. */
  recordFailure(seq: number, error: string, setAside: boolean): Promise<void>;
  stats(): Promise<SpoolStats>;
  /** Takes or renews the right to forward (one replica at a time keeps the order). */
  tryLease(holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(holder: string): Promise<void>;
}

const LEASE = 'forwarder';

export async function createAlertSpool(store: SqlStore): Promise<AlertSpool> {
  return {
    async waiting() {
      // An index of the waiting rows only (migration 9) keeps this cheap on every request.
      const rows = await store.query('SELECT 1 FROM alert_spool WHERE failed_at IS NULL LIMIT 1');
      return rows.length > 0;
    },
    async append(items) {
      if (items.length === 0) return;
      const placeholders = items.map((_, index) => `($${index + 1}::jsonb)`).join(', ');
      // One statement: the request's items are held all together or not at all, in their order.
      await store.query(`INSERT INTO alert_spool (item) VALUES ${placeholders}`, items.map((item) => jsonParam(item)));
    },
    async oldest(limit) {
      const rows = await store.query<{ seq: string; item: IntakeItem; attempts: number }>(
        'SELECT seq::text AS seq, item, attempts FROM alert_spool WHERE failed_at IS NULL ORDER BY alert_spool.seq LIMIT $1',
        [limit],
      );
      return rows.map((row) => ({ seq: Number(row.seq), item: row.item, attempts: row.attempts }));
    },
    async remove(seq) {
      await store.query('DELETE FROM alert_spool WHERE seq = $1', [seq]);
    },
    async recordFailure(seq, error, setAside) {
      await store.query(`UPDATE alert_spool SET attempts = attempts + 1, last_error = $2, failed_at = CASE WHEN $3 THEN now() ELSE NULL END WHERE seq = $1`, [
        seq,
        error.slice(0, 2_000),
        setAside,
      ]);
    },
    async stats() {
      const [row] = await store.query<{ depth: number; age: number | null; failed: number }>(
        `SELECT count(*) FILTER (WHERE failed_at IS NULL)::int AS depth,
                extract(epoch FROM now() - min(spooled_at) FILTER (WHERE failed_at IS NULL))::float8 AS age,
                count(*) FILTER (WHERE failed_at IS NOT NULL)::int AS failed
           FROM alert_spool`,
      );
      return { depth: row.depth, oldestAgeSeconds: Math.max(0, row.age ?? 0), failed: row.failed };
    },
    async tryLease(holder, ttlMs) {
      const rows = await store.query(
        `INSERT INTO spool_lease (name, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE spool_lease.holder = EXCLUDED.holder OR spool_lease.expires_at < now()
         RETURNING holder`,
        [LEASE, holder, ttlMs],
      );
      return rows.length === 1;
    },
    async releaseLease(holder) {
      await store.query('DELETE FROM spool_lease WHERE name = $1 AND holder = $2', [LEASE, holder]);
    },
  };
}
