import { describe, expect, it } from 'vitest';
import { escalationSchedule, firstStep, nextStep, type EscalationPolicySnapshot } from '../../domain/escalation';

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
