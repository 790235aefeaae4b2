/**
 * Inbound chat requests already handled, in the SQL store: a request replayed to any API replica
 * (the same Slack trigger, Matrix event id, …) acts once. Ids are kept for a window longer than any
 * platform's own freshness check (Slack's is five minutes), then forgotten.
 */
import type { ChatPlatformId } from '../../domain/chat/platform';
import type { SqlExecutor } from '../../platform/sqlStore';

export interface ChatRequestGuard {
  /** @returns true the first time a platform's request id is seen within the window, false ever after. */
  firstTime(platform: ChatPlatformId, requestId: string, now: Date): Promise<boolean>;
  /** Gives an id back when acting failed for a reason not of the request's own (Temporal down), so a retry may act. */
  release(platform: ChatPlatformId, requestId: string): Promise<void>;
}

/** A day: far beyond every platform's freshness window, and small (one row per command or button press). */
export const CHAT_REQUEST_WINDOW_MS = 24 * 3600 * 1000;

export function createChatRequestGuard(store: SqlExecutor, windowMs = CHAT_REQUEST_WINDOW_MS): ChatRequestGuard {
  return {
    async firstTime(platform, requestId, now) {
      await store.query('DELETE FROM chat_requests WHERE seen_at < $1', [new Date(now.getTime() - windowMs).toISOString()]);
      const inserted = await store.query('INSERT INTO chat_requests (platform, request_id, seen_at) VALUES ($1, $2, $3) ON CONFLICT (platform, request_id) DO NOTHING RETURNING request_id', [
        platform,
        requestId,
        now.toISOString(),
      ]);
      return inserted.length === 1;
    },
    async release(platform, requestId) {
      await store.query('DELETE FROM chat_requests WHERE platform = $1 AND request_id = $2', [platform, requestId]);
    },
  };
}
