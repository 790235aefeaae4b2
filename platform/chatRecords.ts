/**
 * The chat side's records in the SQL store (#16): each incident's room, and every card posted, so
 * any worker updates a card another posted, and any API replica knows which incident a room is
 * for (a command typed there) and links the dashboard to it.
 */
import type { ChatMessageRef, ChatPlatformId, IncidentRoom } from '../domain/chat/platform';
import type { SqlExecutor } from './sqlStore';

export interface ChatRecords {
  recordRoom(incidentId: string, room: IncidentRoom, now: Date): Promise<void>;
  roomOf(incidentId: string): Promise<(IncidentRoom & { archived: boolean }) | undefined>;
  /** The rooms of these incidents, in one query (the dashboard's page of rows); incidents without one are absent. */
  roomsOf(incidentIds: string[]): Promise<Map<string, IncidentRoom & { archived: boolean }>>;
  /** The incident a room was opened for. */
  incidentOfRoom(platform: ChatPlatformId, channelId: string): Promise<string | undefined>;
  markArchived(incidentId: string, now: Date): Promise<void>;
  /** The card posted to a destination (`slack:channel:C0123`), if one was. */
  cardAt(incidentId: string, destination: string): Promise<ChatMessageRef | undefined>;
  recordCard(incidentId: string, destination: string, ref: ChatMessageRef, now: Date): Promise<void>;
  cardsOf(incidentId: string): Promise<ChatMessageRef[]>;
}

interface RoomRow {
  platform: ChatPlatformId;
  channel_id: string;
  url: string | null;
  archived_at: unknown;
}

interface CardRow {
  platform: ChatPlatformId;
  channel_id: string;
  message_id: string;
}

const roomOfRow = (row: RoomRow): IncidentRoom & { archived: boolean } => ({ platform: row.platform, channelId: row.channel_id, ...(row.url ? { url: row.url } : {}), archived: row.archived_at !== null });

const refOf = (row: CardRow): ChatMessageRef => ({ platform: row.platform, channelId: row.channel_id, messageId: row.message_id });

export function createChatRecords(store: SqlExecutor): ChatRecords {
  return {
    async recordRoom(incidentId, room, now) {
      await store.query(
        `INSERT INTO chat_rooms (incident_id, platform, channel_id, url, opened_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (incident_id) DO UPDATE SET platform = EXCLUDED.platform, channel_id = EXCLUDED.channel_id, url = EXCLUDED.url`,
        [incidentId, room.platform, room.channelId, room.url ?? null, now.toISOString()],
      );
    },
    async roomOf(incidentId) {
      const [row] = await store.query<RoomRow>('SELECT platform, channel_id, url, archived_at FROM chat_rooms WHERE incident_id = $1', [incidentId]);
      return row ? roomOfRow(row) : undefined;
    },
    async roomsOf(incidentIds) {
      if (incidentIds.length === 0) return new Map();
      const rows = await store.query<RoomRow & { incident_id: string }>('SELECT incident_id, platform, channel_id, url, archived_at FROM chat_rooms WHERE incident_id = ANY($1::text[])', [incidentIds]);
      return new Map(rows.map((row) => [row.incident_id, roomOfRow(row)]));
    },
    async incidentOfRoom(platform, channelId) {
      const [row] = await store.query<{ incident_id: string }>('SELECT incident_id FROM chat_rooms WHERE platform = $1 AND channel_id = $2', [platform, channelId]);
      return row?.incident_id;
    },
    async markArchived(incidentId, now) {
      await store.query('UPDATE chat_rooms SET archived_at = $2 WHERE incident_id = $1 AND archived_at IS NULL', [incidentId, now.toISOString()]);
    },
    async cardAt(incidentId, destination) {
      const [row] = await store.query<CardRow>('SELECT platform, channel_id, message_id FROM chat_cards WHERE incident_id = $1 AND destination = $2', [incidentId, destination]);
      return row ? refOf(row) : undefined;
    },
    async recordCard(incidentId, destination, ref, now) {
      await store.query(
        `INSERT INTO chat_cards (incident_id, destination, platform, channel_id, message_id, posted_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (incident_id, destination) DO NOTHING`,
        [incidentId, destination, ref.platform, ref.channelId, ref.messageId, now.toISOString()],
      );
    },
    async cardsOf(incidentId) {
      return (await store.query<CardRow>('SELECT platform, channel_id, message_id FROM chat_cards WHERE incident_id = $1 ORDER BY posted_at', [incidentId])).map(refOf);
    },
  };
}
