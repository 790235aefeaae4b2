import { describe, expect, it } from 'vitest';
import { deliveriesFor, escalationSchedule, firstStep, nextStep, type EscalationPolicySnapshot } from '../../domain/escalation';

const policy = (repeat: number): EscalationPolicySnapshot => ({
  id: 'p',
  repeat,
  levels: [
    { targets: [], channels: ['email'], timeoutSeconds: 300 },
    { targets: [], channels: ['sms'], timeoutSeconds: 600 },
  ],
});

describe('escalation arithmetic', () => {
  it('walks levels in order, then repeats the whole policy', () => {
    expect(escalationSchedule(policy(1))).toEqual([
      { cycle: 0, levelIndex: 0, atSeconds: 0 },
      { cycle: 0, levelIndex: 1, atSeconds: 300 },
      { cycle: 1, levelIndex: 0, atSeconds: 900 },
      { cycle: 1, levelIndex: 1, atSeconds: 1200 },
    ]);
  });

  it('ends after the last level when there is no repeat, and a policy without levels has no step', () => {
    expect(nextStep(policy(0), { cycle: 0, levelIndex: 1 })).toBeUndefined();
    expect(firstStep({ id: 'empty', repeat: 3, levels: [] })).toBeUndefined();
  });
});

describe('what a level sends to one person', () => {
  const both = { id: 'a', name: 'A', email: 'a@example.test', phone: '+15550000001' };
  const ruled = { ...both, rules: [{ channel: 'sms' as const, afterSeconds: 0 }, { channel: 'email' as const, afterSeconds: 60 }] };
  const describeAll = (deliveries: ReturnType<typeof deliveriesFor>) => deliveries.map((entry) => `${entry.channel}+${entry.afterSeconds}`).sort();

  it("sends a level's own channels at once, as plans before notification rules did", () => {
    expect(describeAll(deliveriesFor(ruled, { channels: ['email', 'sms'] }))).toEqual(['email+0', 'sms+0']);
    // Even to an address the person lacks: the attempt is recorded as undeliverable.
    expect(describeAll(deliveriesFor({ id: 'b', name: 'B', email: 'b@example.test' }, { channels: ['email', 'sms'] }))).toEqual(['email+0', 'sms+0']);
  });

  it("follows the person's rules when the level sets no channels, else every method they have at once", () => {
    expect(describeAll(deliveriesFor(ruled, { channels: [], channelsFromRules: true }))).toEqual(['email+60', 'sms+0']);
    expect(describeAll(deliveriesFor(both, { channels: [], channelsFromRules: true }))).toEqual(['email+0', 'sms+0']);
    expect(describeAll(deliveriesFor({ id: 'c', name: 'C', phone: '+15550000003' }, { channels: [], channelsFromRules: true }))).toEqual(['sms+0']);
  });

  it('keeps email only, at once, for low urgency, unless the person has no email', () => {
    expect(describeAll(deliveriesFor(ruled, { channels: [], channelsFromRules: true }, 'low'))).toEqual(['email+0']);
    expect(describeAll(deliveriesFor(both, { channels: ['sms', 'email'] }, 'low'))).toEqual(['email+0']);
    expect(describeAll(deliveriesFor({ id: 'c', name: 'C', phone: '+15550000003' }, { channels: [], channelsFromRules: true }, 'low'))).toEqual(['sms+0']);
  });
});
