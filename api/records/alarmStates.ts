/**
 * The newest state change seen per CloudWatch alarm, in the SQL store. SNS may redeliver an
 * ALARM after the OK that followed it; comparing `StateChangeTime`s keeps the late one from
 * reopening the incident, on whichever API replica it lands.
 */
import type { SqlStore } from '../../platform/sqlStore';

export interface AlarmState {
  state: string;
  at: Date;
}

export type AlarmAdvance =
  /** This change is the newest seen; `previous` is what it replaced (to put back if delivering it fails). */
  | { advanced: true; previous?: AlarmState }
  /** A change as new or newer was already seen: this one is stale. */
  | { advanced: false; latest?: AlarmState };

export interface AlarmStates {
  advance(alarmKey: string, change: AlarmState): Promise<AlarmAdvance>;
  /** Undoes `advance` when the change could not be delivered, unless a newer one came since. */
  restore(alarmKey: string, change: AlarmState, previous?: AlarmState): Promise<void>;
}

interface Row {
  state: string;
  state_change_time: Date | string;
}

const stateOf = (row: Row | undefined): AlarmState | undefined => (row ? { state: row.state, at: new Date(row.state_change_time) } : undefined);

export function createAlarmStates(store: SqlStore): AlarmStates {
  return {
    async advance(alarmKey, change) {
      return store.transaction(async (tx) => {
        // The row lock orders two replicas taking changes of one alarm at once.
        const [before] = await tx.query<Row>('SELECT state, state_change_time FROM alarm_states WHERE alarm_key = $1 FOR UPDATE', [alarmKey]);
        const previous = stateOf(before);
        if (previous && previous.at.getTime() >= change.at.getTime()) return { advanced: false, latest: previous };
        // Conditional as well: without a row to lock, another replica may insert first.
        const written = await tx.query(
          `INSERT INTO alarm_states (alarm_key, state, state_change_time, seen_at) VALUES ($1, $2, $3, now())
           ON CONFLICT (alarm_key) DO UPDATE SET state = EXCLUDED.state, state_change_time = EXCLUDED.state_change_time, seen_at = now()
           WHERE alarm_states.state_change_time < EXCLUDED.state_change_time
           RETURNING alarm_key`,
          [alarmKey, change.state, change.at],
        );
        if (written.length === 0) {
          const [latest] = await tx.query<Row>('SELECT state, state_change_time FROM alarm_states WHERE alarm_key = $1', [alarmKey]);
          return { advanced: false, latest: stateOf(latest) };
        }
        return { advanced: true, previous };
      });
    },
    async restore(alarmKey, change, previous) {
      if (previous) {
        await store.query('UPDATE alarm_states SET state = $2, state_change_time = $3 WHERE alarm_key = $1 AND state_change_time = $4', [alarmKey, previous.state, previous.at, change.at]);
      } else {
        await store.query('DELETE FROM alarm_states WHERE alarm_key = $1 AND state_change_time = $2', [alarmKey, change.at]);
      }
    },
  };
}
