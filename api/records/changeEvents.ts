/**
 * Change events (deploys, feature flags, config pushes) in the SQL store. They page nobody; an
 * incident of the same service shows the ones just before and during it as "recent changes",
 * the first thing a responder asks about.
 */
import { jsonParam, type SqlStore } from '../../platform/sqlStore';

export interface ChangeEvent {
  id: string;
  receivedAt: string;
  /** When the change happened (the sender's timestamp, else receipt). */
  happenedAt: string;
  service: string;
  summary: string;
  source?: string;
  links: Array<{ href: string; text?: string }>;
  details?: unknown;
}

export interface ChangeEvents {
  /** Records the change once: a second record of the same id (the sender's retry) changes nothing. */
  record(change: ChangeEvent): Promise<void>;
  /** Changes of a service that happened in [from, to), newest first. */
  between(service: string, from: Date, to: Date, limit: number): Promise<ChangeEvent[]>;
}

interface ChangeRow {
  id: string;
  received_at: Date | string;
  happened_at: Date | string;
  service: string;
  summary: string;
  source: string | null;
  links: ChangeEvent['links'];
  details: unknown;
}

export function createChangeEvents(store: SqlStore): ChangeEvents {
  return {
    async record(change) {
      await store.query(
        'INSERT INTO change_events (id, received_at, happened_at, service, summary, source, links, details) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb) ON CONFLICT (id) DO NOTHING',
        [change.id, change.receivedAt, change.happenedAt, change.service, change.summary, change.source ?? null, jsonParam(change.links), change.details === undefined ? null : jsonParam(change.details)],
      );
    },
    async between(service, from, to, limit) {
      const rows = await store.query<ChangeRow>(
        `SELECT id, received_at, happened_at, service, summary, source, links, details FROM change_events
          WHERE service = $1 AND happened_at >= $2 AND happened_at < $3 ORDER BY happened_at DESC LIMIT $4`,
        [service, from.toISOString(), to.toISOString(), limit],
      );
      return rows.map((row) => ({
        id: row.id,
        receivedAt: new Date(row.received_at).toISOString(),
        happenedAt: new Date(row.happened_at).toISOString(),
        service: row.service,
        summary: row.summary,
        ...(row.source ? { source: row.source } : {}),
        links: row.links,
        ...(row.details !== null && row.details !== undefined ? { details: row.details } : {}),
      }));
    },
  };
}
