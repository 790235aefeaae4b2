/**
 * The trigger a sender sent under each of its dedup keys, in the SQL store. PagerDuty's
 * acknowledge and resolve carry only `dedup_key`: the trigger's service, summary, severity and
 * labels are recalled from here, so they reach the incident (or the recorded event) the trigger
 * made, on any replica, whatever the integration's own `service` says.
 */
import { jsonParam, type SqlStore } from '../../platform/sqlStore';
import type { Severity } from '../../domain/severity';

export interface RememberedTrigger {
  service: string;
  summary: string;
  severity: Severity;
  source: string;
  labels: Record<string, string>;
}

export interface SenderTriggers {
  remember(integrationId: string, dedupKey: string, trigger: RememberedTrigger): Promise<void>;
  /** The latest trigger of that key, or undefined when none was seen (or it was forgotten). */
  recall(integrationId: string, dedupKey: string): Promise<RememberedTrigger | undefined>;
}

/** A key untouched this long is forgotten: its incident is long over. */
const KEEP_DAYS = 90;
/** Old rows are swept at most this often per process (the sweep is only housekeeping). */
const SWEEP_EVERY_MS = 3600_000;

export function createSenderTriggers(store: SqlStore): SenderTriggers {
  let lastSweep = 0;
  return {
    async remember(integrationId, dedupKey, trigger) {
      await store.query(
        `INSERT INTO sender_triggers (integration_id, dedup_key, service, summary, severity, source, labels, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, now())
         ON CONFLICT (integration_id, dedup_key) DO UPDATE SET service = EXCLUDED.service, summary = EXCLUDED.summary,
           severity = EXCLUDED.severity, source = EXCLUDED.source, labels = EXCLUDED.labels, updated_at = now()`,
        [integrationId, dedupKey, trigger.service, trigger.summary, trigger.severity, trigger.source, jsonParam(trigger.labels)],
      );
      if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
        lastSweep = Date.now();
        await store.query(`DELETE FROM sender_triggers WHERE updated_at < now() - $1 * interval '1 day'`, [KEEP_DAYS]);
      }
    },
    async recall(integrationId, dedupKey) {
      const [row] = await store.query<RememberedTrigger>(
        'SELECT service, summary, severity, source, labels FROM sender_triggers WHERE integration_id = $1 AND dedup_key = $2',
        [integrationId, dedupKey],
      );
      return row ? { service: row.service, summary: row.summary, severity: row.severity, source: row.source, labels: row.labels } : undefined;
    },
  };
}
