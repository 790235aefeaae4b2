/**
 * Windows of grouping-rule groups in the SQL store, shared by every API replica: which incident
 * (by sequence number) a group's next alert joins.
 */
import type { SqlStore } from '../../platform/sqlStore';

export interface AlertGroups {
  /**
   * A firing alert of the group arrived: the group's current sequence number, or the next one if
   * the group has been quiet for longer than `windowSeconds`.
   */
  touch(groupKey: string, windowSeconds: number, at: Date): Promise<number>;
  /** The group's current sequence number (for an alert's resolution); 1 when none yet. */
  current(groupKey: string): Promise<number>;
}

export function createAlertGroups(store: SqlStore): AlertGroups {
  return {
    async touch(groupKey, windowSeconds, at) {
      // One statement, so two replicas touching the same group agree on its sequence.
      const [row] = await store.query<{ seq: number }>(
        `INSERT INTO alert_groups (group_key, seq, last_alert_at) VALUES ($1, 1, $2)
         ON CONFLICT (group_key) DO UPDATE SET
           seq = CASE WHEN alert_groups.last_alert_at < $2::timestamptz - $3 * interval '1 second' THEN alert_groups.seq + 1 ELSE alert_groups.seq END,
           last_alert_at = GREATEST(alert_groups.last_alert_at, $2::timestamptz)
         RETURNING seq`,
        [groupKey, at.toISOString(), windowSeconds],
      );
      return row.seq;
    },
    async current(groupKey) {
      const [row] = await store.query<{ seq: number }>('SELECT seq FROM alert_groups WHERE group_key = $1', [groupKey]);
      return row?.seq ?? 1;
    },
  };
}
