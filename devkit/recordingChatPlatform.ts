/**
 * A chat platform that records what it is asked, for the chat core's tests (the platform adapters
 * are tested against fakes of the real APIs). Rooms and messages get ids as a platform would give
 * them; `failNext` makes the next calls fail, as a platform that is down does.
 */
import type { ChatPlatform } from '../activities/chat/chatPlatform';
import type { ChatDestination, ChatIncidentCard, ChatMessageRef, ChatPlatformId, IncidentRoom } from '../domain/chat/platform';

export type RecordedChatCall =
  | { call: 'postCard'; destination: ChatDestination; card: ChatIncidentCard; ref: ChatMessageRef }
  | { call: 'updateCard'; ref: ChatMessageRef; card: ChatIncidentCard }
  | { call: 'openRoom'; name: string; topic: string; members: string[]; room: IncidentRoom }
  | { call: 'setTopic'; room: IncidentRoom; topic: string }
  | { call: 'invite'; room: IncidentRoom; members: string[] }
  | { call: 'postText'; room: IncidentRoom; text: string }
  | { call: 'archive'; room: IncidentRoom };

export interface RecordingChatPlatform extends ChatPlatform {
  readonly calls: RecordedChatCall[];
  /** The next `count` calls throw. */
  failNext(count: number): void;
  /** How long each call takes first, as a slow platform does (changeable during a test). */
  delayMs: number;
}

/** `delayMs`: each call takes this long first, as a slow platform does. */
export function recordingChatPlatform(id: ChatPlatformId = 'slack', delayMs = 0): RecordingChatPlatform {
  const calls: RecordedChatCall[] = [];
  let failures = 0;
  let next = 0;
  const rooms = new Map<string, IncidentRoom>();
  const slow = () => (platform.delayMs ? new Promise((resolve) => setTimeout(resolve, platform.delayMs)) : Promise.resolve());
  const step = () => {
    if (failures > 0) {
      failures -= 1;
      throw new Error(`${id} is down`);
    }
    next += 1;
    return next;
  };
  const platform: RecordingChatPlatform = {
    id,
    calls,
    delayMs,
    failNext(count) {
      failures = count;
    },
    async postCard(destination, card) {
      await slow();
      const ref = { platform: id, channelId: destination.kind === 'direct' ? `D-${destination.id}` : destination.id, messageId: `m${step()}` };
      calls.push({ call: 'postCard', destination, card, ref });
      return ref;
    },
    async updateCard(ref, card) {
      await slow();
      step();
      calls.push({ call: 'updateCard', ref, card });
    },
    async openRoom({ name, topic, members }) {
      await slow();
      step();
      const room = rooms.get(name) ?? { platform: id, channelId: `R-${name}`, url: `https://chat.example.test/${name}` };
      rooms.set(name, room);
      calls.push({ call: 'openRoom', name, topic, members, room });
      return room;
    },
    async setTopic(room, topic) {
      await slow();
      step();
      calls.push({ call: 'setTopic', room, topic });
    },
    async invite(room, members) {
      await slow();
      step();
      calls.push({ call: 'invite', room, members });
    },
    async postText(room, text) {
      await slow();
      const messageId = `t${step()}`;
      calls.push({ call: 'postText', room, text });
      return { platform: id, channelId: room.channelId, messageId };
    },
    async archive(room) {
      await slow();
      step();
      calls.push({ call: 'archive', room });
    },
  };
  return platform;
}
