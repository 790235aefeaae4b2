import { describe, expect, it } from 'vitest';
import { meaningOf } from '../../../domain/chat/matrixEvent';

const BOT = '@vigil:example.com';
const message = (body: string, extra: Record<string, unknown> = {}) => ({ type: 'm.room.message', event_id: '$e', room_id: '!r:example.com', sender: '@alice:example.com', content: { msgtype: 'm.text', body, ...extra } });

describe('what a Matrix event means to Vigil', () => {
  it('reads `!vigil` commands, any case, after a quoted reply, and nothing that merely starts alike', () => {
    expect(meaningOf(message('!vigil ack 7KQ2MX'), BOT)).toEqual({ kind: 'command', text: 'ack 7KQ2MX' });
    expect(meaningOf(message('!VIGIL'), BOT)).toEqual({ kind: 'command', text: '' });
    expect(meaningOf(message('> <@vigil:example.com> [CRITICAL] checkout\n> Status: triggered\n\n!vigil resolve'), BOT)).toEqual({ kind: 'command', text: 'resolve' });
    expect(meaningOf(message('!vigilant ack'), BOT)).toBeUndefined();
    expect(meaningOf(message('please !vigil ack'), BOT)).toBeUndefined();
  });

  it('reads `/vigil` too, as a client sends a `/` command it does not know, and nothing that merely starts alike', () => {
    expect(meaningOf(message('/vigil ack'), BOT)).toEqual({ kind: 'command', text: 'ack' });
    expect(meaningOf(message('/Vigil update 7KQ2MX rolled back'), BOT)).toEqual({ kind: 'command', text: 'update 7KQ2MX rolled back' });
    expect(meaningOf(message('/vigilant ack'), BOT)).toBeUndefined();
    expect(meaningOf(message('//vigil ack'), BOT)).toBeUndefined();
    expect(meaningOf(message('see /vigil ack'), BOT)).toBeUndefined();
  });

  it('ignores edits, notices, the bot itself and over-long messages', () => {
    expect(meaningOf(message('* !vigil ack', { 'm.relates_to': { rel_type: 'm.replace', event_id: '$x' } }), BOT)).toBeUndefined();
    expect(meaningOf({ ...message('!vigil ack'), content: { msgtype: 'm.notice', body: '!vigil ack' } }, BOT)).toBeUndefined();
    expect(meaningOf({ ...message('!vigil ack'), sender: BOT }, BOT)).toBeUndefined();
    expect(meaningOf(message(`!vigil update ${'x'.repeat(5000)}`), BOT)).toBeUndefined();
  });

  it('reads a reaction as an action on the event it annotates, only for the three keys', () => {
    const reaction = (key: string, relType = 'm.annotation') => ({ type: 'm.reaction', event_id: '$r', room_id: '!r:example.com', sender: '@bob:example.com', content: { 'm.relates_to': { rel_type: relType, event_id: '$card', key } } });
    expect(meaningOf(reaction('⬆️'), BOT)).toEqual({ kind: 'reaction', action: 'escalate', onEventId: '$card' });
    expect(meaningOf(reaction('👍'), BOT)).toBeUndefined();
    expect(meaningOf(reaction('✅', 'm.reference'), BOT)).toBeUndefined();
  });
});
