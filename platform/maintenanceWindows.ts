/**
 * Maintenance windows in the SQL store. Every alert is checked against the active ones, so they
 * are read through a short cache; a window created or deleted here is seen at once, one made
 * through another replica within `CACHE_MS`.
 */
import { randomUUID } from 'node:crypto';
import type { MaintenanceWindow } from '../domain/maintenance';
import { jsonParam, type SqlExecutor } from './sqlStore';

const CACHE_MS = 2_000;

export type NewMaintenanceWindow = Omit<MaintenanceWindow, 'id' | 'createdAt'>;

export interface MaintenanceWindows {
  create(window: NewMaintenanceWindow): Promise<MaintenanceWindow>;
  /** Windows not yet over (active or upcoming), or all when `includeEnded`. */
  list(options: { includeEnded: boolean; now: Date }): Promise<MaintenanceWindow[]>;
  get(id: string): Promise<MaintenanceWindow | undefined>;
  /** @returns false when there was no such window. */
  remove(id: string): Promise<boolean>;
  /** Windows not yet over, for checking alerts against (cached briefly). */
  current(now: Date): Promise<MaintenanceWindow[]>;
}

interface WindowRow {
  id: string;
  service: string | null;
  matchers: Record<string, string>;
  starts_at: Date | string;
  ends_at: Date | string;
  reason: string;
  created_by: string;
  created_at: Date | string;
}

function fromRow(row: WindowRow): MaintenanceWindow {
  return {
    id: row.id,
    ...(row.service ? { service: row.service } : {}),
    matchers: row.matchers,
    startsAt: new Date(row.starts_at).toISOString(),
    endsAt: new Date(row.ends_at).toISOString(),
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

const SELECT = 'SELECT id, service, matchers, starts_at, ends_at, reason, created_by, created_at FROM maintenance_windows';

export function createMaintenanceWindows(store: SqlExecutor): MaintenanceWindows {
  let cache: { at: number; windows: MaintenanceWindow[] } | undefined;
  const list = async (includeEnded: boolean, now: Date) =>
    (await store.query<WindowRow>(`${SELECT} ${includeEnded ? '' : 'WHERE ends_at > $1'} ORDER BY starts_at, id`, includeEnded ? [] : [now.toISOString()])).map(fromRow);
  return {
    async create(window) {
      const id = randomUUID();
      const [row] = await store.query<WindowRow>(
        `INSERT INTO maintenance_windows (id, service, matchers, starts_at, ends_at, reason, created_by) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
         RETURNING id, service, matchers, starts_at, ends_at, reason, created_by, created_at`,
        [id, window.service ?? null, jsonParam(window.matchers), window.startsAt, window.endsAt, window.reason, window.createdBy],
      );
      cache = undefined;
      return fromRow(row);
    },
    list: ({ includeEnded, now }) => list(includeEnded, now),
    async get(id) {
      const [row] = await store.query<WindowRow>(`${SELECT} WHERE id = $1`, [id]);
      return row ? fromRow(row) : undefined;
    },
    async remove(id) {
      const rows = await store.query('DELETE FROM maintenance_windows WHERE id = $1 RETURNING id', [id]);
      cache = undefined;
      return rows.length > 0;
    },
    async current(now) {
      if (!cache || now.getTime() - cache.at > CACHE_MS || now.getTime() < cache.at) cache = { at: now.getTime(), windows: await list(false, now) };
      return cache.windows;
    },
  };
}
