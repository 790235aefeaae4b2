/**
 * The storm guard: beyond a rate of NEW incidents per integration (or per API key), further new
 * incident keys join one "alert storm" incident of that integration, which pages once, instead of
 * each paging the on-call. Nothing is refused (Alertmanager and Grafana drop a 4xx for good) and
 * nothing is lost: a folded alert keeps its own service, key and labels in its details.
 *
 * "New" means an incident key this integration has not sent within KEY_MEMORY_SECONDS. Keys and
 * the per-integration counters live in the SQL store, so the rate holds across replicas; a short
 * in-process memory of recent keys spares the store a query per repeat during a storm.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { incidentWorkflowId, type Alert } from '../../domain/alert';
import type { SqlExecutor } from '../../platform/sqlStore';

/** A key sent again within this long is a repeat of its (probably still open) incident. */
export const KEY_MEMORY_SECONDS = 3600;
/** How long this process trusts what it learned of a key without asking the store again. */
const LOCAL_MEMORY_MS = 60_000;
const LOCAL_MEMORY_MAX = 50_000;

export interface StormGuard {
  /** The alert as it should travel: itself, or folded into its integration's storm incident. */
  admit(alert: Alert, integrationId: string, now: Date): Promise<Alert>;
}

export interface StormGuardDeps {
  store: SqlExecutor;
  /** Consumed once per new incident key; keyed by integration id. */
  limiterFor: (integrationId: string) => RateLimiterAbstract;
  /** The service a storm incident of this integration is filed under. */
  stormServiceOf: (integrationId: string) => string;
  /** The store failed: the alert goes on unguarded (paging too much beats losing an alert). */
  onError?: (error: unknown) => void;
}

/** The alert, joined to its integration's storm incident; what it was is kept in its details. */
export function foldIntoStorm(alert: Alert, integrationId: string, stormService: string): Alert {
  return {
    ...alert,
    service: stormService,
    dedupKey: `alert-storm/${integrationId}`,
    groupKey: `alert-storm/${integrationId}`,
    summary: `Alert storm from ${integrationId}: ${alert.summary}`.slice(0, 1000),
    labels: { ...alert.labels, vigil_storm: integrationId },
    details: { ...alert.details, vigilStorm: { integration: integrationId, service: alert.service, dedupKey: alert.dedupKey, groupKey: alert.groupKey ?? null } },
  };
}

export function createStormGuard(deps: StormGuardDeps): StormGuard {
  /** `integration\nincident key` → whether it was folded, and when this process learned it. */
  const recent = new Map<string, { folded: boolean; at: number }>();

  function remember(memoryKey: string, folded: boolean, at: number): void {
    recent.delete(memoryKey);
    recent.set(memoryKey, { folded, at });
    if (recent.size > LOCAL_MEMORY_MAX) recent.delete(recent.keys().next().value as string);
  }

  async function isOverRate(integrationId: string): Promise<boolean> {
    try {
      await deps.limiterFor(integrationId).consume(integrationId);
      return false;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return true;
      throw rejection;
    }
  }

  /** Whether this key's alerts go to the storm incident, deciding it for a new key. */
  async function decide(integrationId: string, incidentKey: string, now: Date): Promise<boolean> {
    const [row] = await deps.store.query<{ previous_seen: Date | string | null; previous_folded: boolean | null }>(
      `WITH previous AS (SELECT last_seen, folded FROM storm_guard_keys WHERE integration = $1 AND incident_key = $2)
       INSERT INTO storm_guard_keys (integration, incident_key, last_seen, folded) VALUES ($1, $2, $3, false)
       ON CONFLICT (integration, incident_key) DO UPDATE SET last_seen = EXCLUDED.last_seen
       RETURNING (SELECT last_seen FROM previous) AS previous_seen, (SELECT folded FROM previous) AS previous_folded`,
      [integrationId, incidentKey, now.toISOString()],
    );
    const seenAt = row?.previous_seen ? new Date(row.previous_seen).getTime() : undefined;
    if (seenAt !== undefined && now.getTime() - seenAt < KEY_MEMORY_SECONDS * 1000) return row?.previous_folded === true;
    const folded = await isOverRate(integrationId);
    if (folded || row?.previous_folded) {
      await deps.store.query('UPDATE storm_guard_keys SET folded = $3 WHERE integration = $1 AND incident_key = $2', [integrationId, incidentKey, folded]);
    }
    return folded;
  }

  return {
    async admit(alert, integrationId, now) {
      const incidentKey = incidentWorkflowId(alert);
      const memoryKey = `${integrationId}\n${incidentKey}`;
      const known = recent.get(memoryKey);
      let folded: boolean;
      if (known && now.getTime() - known.at < LOCAL_MEMORY_MS) {
        folded = known.folded;
      } else {
        try {
          folded = await decide(integrationId, incidentKey, now);
        } catch (error) {
          deps.onError?.(error);
          return alert;
        }
        remember(memoryKey, folded, now.getTime());
      }
      return folded ? foldIntoStorm(alert, integrationId, deps.stormServiceOf(integrationId)) : alert;
    },
  };
}
