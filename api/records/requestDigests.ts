/**
 * When the store first saw a request body that carries no sender identity (see
 * `api/intake/alertIdentity.ts`): every replica asks the same table, so a retry on another host
 * inside the window finds the same first sighting and makes the same alert ids. Time is the
 * database's (`now()`), so replicas' clocks need not agree.
 */
import type { SqlStore } from '../../platform/sqlStore';

export interface RequestDigests {
  /**
   * The first sighting of `digest` within the last `windowSeconds` (as microseconds since the
   * epoch, text), recording now as the first sighting when there is none or it is older.
   */
  firstSeen(digest: string, windowSeconds: number): Promise<string>;
}

/** Expired sightings are deleted at most this often per process, by whichever request comes next. */
const PURGE_EVERY_MS = 60_000;

export function createRequestDigests(store: SqlStore): RequestDigests {
  let lastPurge = 0;
  return {
    async firstSeen(digest, windowSeconds) {
      // One statement: two replicas taking the same body at once agree on one first sighting.
      const [row] = await store.query<{ micros: string }>(
        `INSERT INTO request_digests (digest, first_seen) VALUES ($1, now())
         ON CONFLICT (digest) DO UPDATE
           SET first_seen = CASE WHEN request_digests.first_seen <= now() - $2 * interval '1 second' THEN now() ELSE request_digests.first_seen END
         RETURNING (extract(epoch FROM first_seen) * 1000000)::bigint::text AS micros`,
        [digest, windowSeconds],
      );
      if (Date.now() - lastPurge > PURGE_EVERY_MS) {
        lastPurge = Date.now();
        // Tidying only: a failure here must not cost the answer above.
        await store.query(`DELETE FROM request_digests WHERE first_seen <= now() - $1 * interval '1 second'`, [windowSeconds]).catch(() => undefined);
      }
      return row.micros;
    },
  };
}
