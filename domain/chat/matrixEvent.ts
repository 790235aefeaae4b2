/**
 * Which Matrix room events mean something to Vigil (#16), read from the event alone: a reaction
 * that stands for an action on a card, or a message that is a `!vigil` command. Whether the sender
 * may, and which incident a reaction's card is, need the homeserver (api/routes/matrixAppService.ts).
 */
import { actionOfReaction } from './matrixCard';
import type { ChatAction } from './platform';

/** The fields of a room event this reads; everything else in it is ignored. */
export interface MatrixRoomEvent {
  type: string;
  event_id: string;
  room_id: string;
  sender: string;
  content: Record<string, unknown>;
}

export type MatrixEventMeaning = { kind: 'reaction'; action: ChatAction; onEventId: string } | { kind: 'command'; text: string };

/** What a typed command starts with; Matrix clients keep `/` for their own commands. */
export const MATRIX_COMMAND_PREFIX = '!vigil';

/**
 * `/vigil` is read too: people type it as on every other platform, and Element (like other
 * clients) offers to send a `/` command it does not know as a message, which arrives as that text.
 */
const COMMAND_PREFIXES = [MATRIX_COMMAND_PREFIX, '/vigil'];

/** The longest message read as a command: a command is a line, not an essay. */
const MAX_COMMAND_BODY = 4000;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The message's own text: older clients put a quote of the message replied to first (lines that
 * start with "> ", then a blank line), which is not what the sender typed.
 */
function ownText(body: string): string {
  const lines = body.split('\n');
  let first = 0;
  while (first < lines.length && lines[first].startsWith('> ')) first += 1;
  if (first > 0 && lines[first] === '') first += 1;
  return lines.slice(first).join('\n').trim();
}

/** The meaning of `event` to Vigil, or undefined (most events: chat, edits, the bot's own). */
export function meaningOf(event: MatrixRoomEvent, botUserId: string): MatrixEventMeaning | undefined {
  if (event.sender === botUserId) return undefined;
  const relation = isRecord(event.content['m.relates_to']) ? event.content['m.relates_to'] : undefined;
  if (event.type === 'm.reaction') {
    if (relation?.rel_type !== 'm.annotation' || typeof relation.event_id !== 'string' || typeof relation.key !== 'string') return undefined;
    const action = actionOfReaction(relation.key);
    return action && { kind: 'reaction', action, onEventId: relation.event_id };
  }
  if (event.type !== 'm.room.message' || event.content.msgtype !== 'm.text' || typeof event.content.body !== 'string') return undefined;
  // An edit repeats the message: the command was heard when it was first sent.
  if (relation?.rel_type === 'm.replace' || event.content.body.length > MAX_COMMAND_BODY) return undefined;
  const text = ownText(event.content.body);
  // String tests, not a regular expression: this is anyone's text (and no backtracking to fear).
  const prefix = COMMAND_PREFIXES.find((candidate) => text.slice(0, candidate.length).toLowerCase() === candidate);
  if (prefix === undefined) return undefined;
  const rest = text.slice(prefix.length);
  if (rest !== '' && rest.trimStart() === rest) return undefined;
  return { kind: 'command', text: rest.trim() };
}
