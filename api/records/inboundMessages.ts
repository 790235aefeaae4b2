/**
 * Messages a sender identifies (Twilio `MessageSid`, SNS `MessageId`) already taken, in the SQL
 * store: a replayed or redelivered message acts once, whichever API replica it reaches.
 */
import type { SqlStore } from '../../platform/sqlStore';

/** `sms` for Twilio replies, `telnyx-sms` for Telnyx's (message ids), `voice` for keys pressed in a call (`<CallSid>:<round>`), `sns` for SNS notifications, `matrix` for Matrix event ids, `slack` and `mattermost` for chat requests (trigger ids): ids of different senders never collide. */
export type InboundChannel = 'sms' | 'sns' | 'voice' | 'telnyx-sms' | 'matrix' | 'slack' | 'mattermost';

export interface InboundMessages {
  /** @returns true the first time a message id is taken, false for every replay of it. */
  claim(channel: InboundChannel, messageId: string): Promise<boolean>;
  /** Gives an id back when acting on it failed for a reason not of its own (Temporal down), so the sender's retry is heard. */
  release(channel: InboundChannel, messageId: string): Promise<void>;
}

export interface InboundMessagesOptions {
  /**
   * How long ids of a channel are kept (absent: for ever). An SNS message older than its
   * Timestamp window is refused anyway, so its id need not be kept much longer than that.
   */
  keepMs?: Partial<Record<InboundChannel, number>>;
  /** Old ids are pruned at most this often per process (default: a minute). */
  pruneEveryMs?: number;
}

export function createInboundMessages(store: SqlStore, options: InboundMessagesOptions = {}): InboundMessages {
  const pruneEveryMs = options.pruneEveryMs ?? 60_000;
  // Only paces the clean-up in this process; which ids were taken lives in the store.
  const lastPrunedAt = new Map<InboundChannel, number>();

  async function pruneIfDue(channel: InboundChannel): Promise<void> {
    const keepMs = options.keepMs?.[channel];
    if (keepMs === undefined) return;
    const now = Date.now();
    if (now - (lastPrunedAt.get(channel) ?? 0) < pruneEveryMs) return;
    lastPrunedAt.set(channel, now);
    await store.query('DELETE FROM inbound_messages WHERE channel = $1 AND received_at < $2', [channel, new Date(now - keepMs)]);
  }

  return {
    async claim(channel, messageId) {
      await pruneIfDue(channel);
      const rows = await store.query('INSERT INTO inbound_messages (channel, message_id) VALUES ($1, $2) ON CONFLICT (channel, message_id) DO NOTHING RETURNING message_id', [channel, messageId]);
      return rows.length === 1;
    },
    async release(channel, messageId) {
      await store.query('DELETE FROM inbound_messages WHERE channel = $1 AND message_id = $2', [channel, messageId]);
    },
  };
}
