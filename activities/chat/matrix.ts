/**
 * The Matrix side of incidents in chat (#16), with the official matrix-js-sdk as Vigil's bot.
 * Retries stay harmless the Matrix way: every message is sent with a transaction id derived from
 * what it is (the card of this incident for this person, this edit, this timeline line), and the
 * homeserver answers a repeated transaction id with the event it already made; rooms are found
 * again by an alias derived from their name, which only one room can hold.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { MatrixClient, Preset, Visibility } from 'matrix-js-sdk';
import type { ChatDestination, ChatIncidentCard, ChatMessageRef, IncidentRoom } from '../../domain/chat/platform';
import { matrixCardContent } from '../../domain/chat/matrixCard';
import { lazyMatrixClient, matrixSettingsFromEnv, serverNameOf } from '../../platform/matrixClient';
import type { ChatPlatform } from './chatPlatform';

/** Aliases Vigil makes start with this; the application service claims them (docs/chat.md), so nobody else can. */
export const MATRIX_ALIAS_PREFIX = 'vigil-';

/** A transaction id for one send: the same parts give the same id, so a retried send is one event. */
function txnId(...parts: string[]): string {
  return `vigil-${createHash('sha256').update(parts.join('\0')).digest('base64url').slice(0, 32)}`;
}

/** An alias localpart from a room name: lower case, Matrix's alias characters only, bounded. */
export function aliasLocalpart(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9._=-]+/g, '-').replace(/^-+|-+$/g, '');
  return `${MATRIX_ALIAS_PREFIX}${cleaned || 'room'}`.slice(0, 120);
}

/** A person's direct room with the bot, by an alias naming a hash of their id (not the id: aliases are listable on a server). */
const directAliasLocalpart = (userId: string) => `${MATRIX_ALIAS_PREFIX}dm-${createHash('sha256').update(userId).digest('hex').slice(0, 24)}`;

const errcodeOf = (error: unknown) => (error as { errcode?: string } | undefined)?.errcode;

/** The edit (`m.replace`) that shows `content` in place of the event `eventId`. */
function replacement(eventId: string, content: ReturnType<typeof matrixCardContent>) {
  return {
    msgtype: content.msgtype,
    body: `* ${content.body}`,
    format: content.format,
    formatted_body: `* ${content.formatted_body}`,
    'm.new_content': content,
    'm.relates_to': { rel_type: 'm.replace', event_id: eventId },
  };
}

export function createMatrixPlatform(client: () => Promise<MatrixClient>, botUserId: string): ChatPlatform {
  const serverName = serverNameOf(botUserId);
  const fullAlias = (localpart: string) => `#${localpart}:${serverName}`;

  async function roomOfAlias(matrix: MatrixClient, alias: string): Promise<string | undefined> {
    try {
      return (await matrix.getRoomIdForAlias(alias)).room_id;
    } catch (error) {
      if (errcodeOf(error) === 'M_NOT_FOUND') return undefined;
      throw error;
    }
  }

  async function membershipOf(matrix: MatrixClient, roomId: string, userId: string): Promise<string | undefined> {
    try {
      return ((await matrix.getStateEvent(roomId, 'm.room.member', userId)) as { membership?: string }).membership;
    } catch (error) {
      if (errcodeOf(error) === 'M_NOT_FOUND') return undefined;
      throw error;
    }
  }

  /**
   * The room behind `alias`, made with `create` when there is none. A room made by an earlier try
   * (or by another worker at the same moment: the alias is taken once) is found and reused, but
   * only if the bot is in it, so a room someone else put under the alias is never Vigil's.
   */
  async function roomByAlias(matrix: MatrixClient, localpart: string, create: () => Promise<string>): Promise<string> {
    const alias = fullAlias(localpart);
    let roomId = await roomOfAlias(matrix, alias);
    if (roomId === undefined) {
      try {
        return await create();
      } catch (error) {
        if (errcodeOf(error) !== 'M_ROOM_IN_USE') throw error;
        roomId = await roomOfAlias(matrix, alias);
        if (roomId === undefined) throw error;
      }
    }
    if ((await membershipOf(matrix, roomId, botUserId)) !== 'join') throw new Error(`${alias} names a room the Vigil bot is not in`);
    return roomId;
  }

  /**
   * Invites each member; one who cannot be (a malformed id, a banned user) does not keep the others
   * out: everyone else is invited first, then the error names who was not. Inviting again is
   * harmless, so a retry only repeats what failed.
   */
  async function inviteAll(matrix: MatrixClient, roomId: string, members: string[]): Promise<void> {
    const refused: string[] = [];
    for (const member of new Set(members)) {
      if (member === botUserId) continue;
      try {
        await matrix.invite(roomId, member);
      } catch (error) {
        // Synapse refuses to invite someone already in the room; that is the outcome wanted.
        const membership = await membershipOf(matrix, roomId, member);
        if (membership !== 'join' && membership !== 'invite') refused.push(`${member} (${(error as Error).message})`);
      }
    }
    if (refused.length > 0) throw new Error(`could not invite to ${roomId}: ${refused.join('; ')}`);
  }

  async function destinationRoom(matrix: MatrixClient, destination: ChatDestination): Promise<string> {
    if (destination.kind === 'channel') {
      if (!destination.id.startsWith('#')) return destination.id;
      const roomId = await roomOfAlias(matrix, destination.id);
      if (roomId === undefined) throw new Error(`no Matrix room has the alias ${destination.id}`);
      return roomId;
    }
    const person = destination.id;
    const localpart = directAliasLocalpart(person);
    const roomId = await roomByAlias(matrix, localpart, async () => {
      const created = await matrix.createRoom({ room_alias_name: localpart, is_direct: true, invite: [person], preset: 'trusted_private_chat' as Preset, visibility: 'private' as Visibility, name: 'Vigil' });
      return created.room_id;
    });
    // A person who left the direct room is invited back: a page must be able to reach them.
    await inviteAll(matrix, roomId, [person]);
    return roomId;
  }

  const send = async (roomId: string, content: object, id: string) => (await (await client()).sendEvent(roomId, 'm.room.message' as never, content as never, id)).event_id;

  return {
    id: 'matrix',

    async postCard(destination, card) {
      const matrix = await client();
      const roomId = await destinationRoom(matrix, destination);
      const eventId = await send(roomId, matrixCardContent(card), txnId('card', card.incidentId, roomId));
      return { platform: 'matrix', channelId: roomId, messageId: eventId };
    },

    async updateCard(ref: ChatMessageRef, card: ChatIncidentCard) {
      const content = matrixCardContent(card);
      // Keyed by what the card now shows: a retried edit is one edit, a new state a new one.
      await send(ref.channelId, replacement(ref.messageId, content), txnId('edit', ref.messageId, JSON.stringify(content)));
    },

    async openRoom({ name, topic, members }) {
      const matrix = await client();
      const localpart = aliasLocalpart(name);
      // Invites apart from the creation: one that fails inside createRoom fails the call after the
      // room exists, with the rest of the invites never sent.
      const roomId = await roomByAlias(matrix, localpart, async () => {
        const created = await matrix.createRoom({ room_alias_name: localpart, name, topic, preset: 'private_chat' as Preset, visibility: 'private' as Visibility });
        return created.room_id;
      });
      await inviteAll(matrix, roomId, members);
      return { platform: 'matrix', channelId: roomId, url: `https://matrix.to/#/${encodeURIComponent(fullAlias(localpart))}` };
    },

    async setTopic(room: IncidentRoom, topic: string) {
      await (await client()).setRoomTopic(room.channelId, topic);
    },

    async invite(room, members) {
      await inviteAll(await client(), room.channelId, members);
    },

    async postText(room, text, once) {
      // The homeserver takes a transaction id once, so a retried line is one line; without a key a
      // retry may post it twice, better than losing a line that repeats.
      const eventId = await send(room.channelId, { msgtype: 'm.notice', body: text }, once === undefined ? randomUUID() : txnId('text', room.channelId, once.key));
      return { platform: 'matrix', channelId: room.channelId, messageId: eventId };
    },

    /**
     * Posts a closing notice, marks the topic, and leaves: the people keep the room and its
     * history, and the bot stops hearing reactions and commands in an incident that is over. Not a
     * tombstone: that event points to a successor room, and clients show a dead link without one.
     */
    async archive(room) {
      const matrix = await client();
      if ((await membershipOf(matrix, room.channelId, botUserId)) !== 'join') return;
      await send(room.channelId, { msgtype: 'm.notice', body: 'This incident is closed and its room archived: Vigil no longer reads it.' }, txnId('archive', room.channelId));
      const topic = await matrix.getStateEvent(room.channelId, 'm.room.topic', '').then(
        (event) => String((event as { topic?: unknown }).topic ?? ''),
        () => '',
      );
      if (!topic.startsWith('[archived]')) await matrix.setRoomTopic(room.channelId, `[archived] ${topic}`.trim());
      await matrix.leave(room.channelId);
    },
  };
}

/** The Matrix platform from `MATRIX_HOMESERVER_URL`, `MATRIX_ACCESS_TOKEN` and `MATRIX_USER_ID`; undefined when Matrix is not configured. */
export function fromEnv(env: NodeJS.ProcessEnv): ChatPlatform | undefined {
  const settings = matrixSettingsFromEnv(env);
  return settings && createMatrixPlatform(lazyMatrixClient(settings), settings.userId);
}
