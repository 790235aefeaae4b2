/**
 * The human sections of post-incident reviews, in the SQL store, keyed by incident id. The
 * drafted part of a review is never stored: it is read from the resolved incident each time.
 */
import type { ActionItem, ReviewNotes } from '../../domain/review';
import { jsonParam, type SqlStore } from '../../platform/sqlStore';

/** What a responder writes in one PUT: the sections, and whether the review is done. */
export interface ReviewEdit {
  wentWell: string[];
  wentBadly: string[];
  actionItems: ActionItem[];
  completed: boolean;
}

export interface IncidentReviews {
  get(incidentId: string): Promise<ReviewNotes | undefined>;
  /** Replaces the sections; a review marked complete keeps the time it was first completed. */
  save(incidentId: string, edit: ReviewEdit, by: string, now: Date): Promise<ReviewNotes>;
  /** The incidents among `incidentIds` whose review is completed. */
  completedAmong(incidentIds: string[]): Promise<Set<string>>;
}

interface ReviewRow {
  incident_id: string;
  went_well: string[];
  went_badly: string[];
  action_items: ActionItem[];
  completed_at: Date | string | null;
  completed_by: string | null;
  updated_at: Date | string;
  updated_by: string;
}

function fromRow(row: ReviewRow): ReviewNotes {
  return {
    wentWell: row.went_well,
    wentBadly: row.went_badly,
    actionItems: row.action_items,
    ...(row.completed_at ? { completedAt: new Date(row.completed_at).toISOString(), completedBy: row.completed_by ?? undefined } : {}),
    updatedAt: new Date(row.updated_at).toISOString(),
    updatedBy: row.updated_by,
  };
}

const COLUMNS = 'incident_id, went_well, went_badly, action_items, completed_at, completed_by, updated_at, updated_by';

export function createIncidentReviews(store: SqlStore): IncidentReviews {
  return {
    async get(incidentId) {
      const [row] = await store.query<ReviewRow>(`SELECT ${COLUMNS} FROM incident_reviews WHERE incident_id = $1`, [incidentId]);
      return row ? fromRow(row) : undefined;
    },
    async save(incidentId, edit, by, now) {
      const at = now.toISOString();
      const [row] = await store.query<ReviewRow>(
        `INSERT INTO incident_reviews (${COLUMNS})
         VALUES ($1, $2::jsonb, $3::jsonb, $4::jsonb, $5, $6, $7, $8)
         ON CONFLICT (incident_id) DO UPDATE SET
           went_well = EXCLUDED.went_well,
           went_badly = EXCLUDED.went_badly,
           action_items = EXCLUDED.action_items,
           completed_at = CASE WHEN EXCLUDED.completed_at IS NULL THEN NULL ELSE COALESCE(incident_reviews.completed_at, EXCLUDED.completed_at) END,
           completed_by = CASE WHEN EXCLUDED.completed_at IS NULL THEN NULL ELSE COALESCE(incident_reviews.completed_by, EXCLUDED.completed_by) END,
           updated_at = EXCLUDED.updated_at,
           updated_by = EXCLUDED.updated_by
         RETURNING ${COLUMNS}`,
        [incidentId, jsonParam(edit.wentWell), jsonParam(edit.wentBadly), jsonParam(edit.actionItems), edit.completed ? at : null, edit.completed ? by : null, at, by],
      );
      return fromRow(row);
    },
    async completedAmong(incidentIds) {
      if (incidentIds.length === 0) return new Set();
      const rows = await store.query<{ incident_id: string }>('SELECT incident_id FROM incident_reviews WHERE completed_at IS NOT NULL AND incident_id = ANY($1::text[])', [incidentIds]);
      return new Set(rows.map((row) => row.incident_id));
    },
  };
}
