import { describe, expect, it } from 'vitest';
import type { ChannelId as Channel } from '../../domain/channels';
import { fallbackChannels } from '../../domain/channels/choice';

const both = { id: 'alice', name: 'Alice', email: 'alice@example.test', phone: '+15550000001' };
const never = () => false;

describe('fallbackChannels', () => {
  it('falls back from a failed SMS to email and from a failed email to SMS', () => {
    expect(fallbackChannels(both, 'sms', never)).toEqual(['email']);
    expect(fallbackChannels(both, 'email', never)).toEqual(['sms']);
  });

  it('skips a channel the person has no address for', () => {
    expect(fallbackChannels({ id: 'b', name: 'B', email: 'b@example.test' }, 'email', never)).toEqual([]);
    expect(fallbackChannels({ id: 'c', name: 'C', phone: '+1555' }, 'sms', never)).toEqual([]);
  });

  it('never repeats a channel already tried for the page', () => {
    const tried = (channel: Channel) => channel === 'email';
    expect(fallbackChannels(both, 'sms', tried)).toEqual([]);
  });
});
