/** Acknowledge links already used, in the SQL store: a link works once, on any API replica. */
import type { SqlStore } from '../../platform/sqlStore';

export interface UsedAckLinks {
  /** @returns true the first time a link id is used, false ever after. */
  use(linkId: string): Promise<boolean>;
  /** Gives a link back when acknowledging failed for a reason not of its own (Temporal down). */
  release(linkId: string): Promise<void>;
}

export function createUsedAckLinks(store: SqlStore): UsedAckLinks {
  return {
    async use(linkId) {
      return (await store.query('INSERT INTO used_ack_links (id) VALUES ($1) ON CONFLICT (id) DO NOTHING RETURNING id', [linkId])).length === 1;
    },
    async release(linkId) {
      await store.query('DELETE FROM used_ack_links WHERE id = $1', [linkId]);
    },
  };
}
