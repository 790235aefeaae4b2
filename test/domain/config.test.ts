import { describe, expect, it } from 'vitest';
import { ConfigError, contactByPhone, parseConfig, snapshotPolicy } from '../../domain/config';

const valid = {
  services: { web: { escalationPolicy: 'p' } },
  defaultEscalationPolicy: 'p',
  contacts: { alice: { name: 'Alice', email: 'alice@example.test', phone: '+15550100001' }, bob: { name: 'Bob', email: 'bob@example.test' } },
  escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }, { notify: ['bob'], channels: ['email'], timeout: '1h' }] } },
};

function issuesOf(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
}

describe('config', () => {
  it('fills defaults and freezes a policy with addresses resolved', () => {
    const config = parseConfig(valid, 'test');
    expect(config.escalationPolicies.p.repeat).toBe(0);
    expect(config.runbooks.stepTimeout).toBe('2m');
    expect(snapshotPolicy(config, 'p').levels.map((level) => [level.timeoutSeconds, level.channels, level.targets[0].id])).toEqual([
      [300, ['email', 'sms'], 'alice'],
      [3600, ['email'], 'bob'],
    ]);
    expect(contactByPhone(config, '+15550100001')?.id).toBe('alice');
    expect(contactByPhone(config, '+15550100009')).toBeUndefined();
  });

  it('names the field of every problem', () => {
    const issues = issuesOf({
      ...valid,
      services: { web: { escalationPolicy: 'nope' } },
      contacts: { ...valid.contacts, carol: { name: 'Carol', phone: '555-1234' } },
      escalationPolicies: { p: { levels: [{ notify: ['ghost'], timeout: 'soon' }, { notify: ['bob'], channels: ['sms'], timeout: '1m' }] } },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^contacts\.carol\.phone: /),
        expect.stringMatching(/^escalationPolicies\.p\.levels\.0\.timeout: /),
      ]),
    );
    const references = issuesOf({ ...valid, services: { web: { escalationPolicy: 'nope' } }, escalationPolicies: { p: { levels: [{ notify: ['ghost'], timeout: '1m' }, { notify: ['bob'], channels: ['sms'], timeout: '1m' }] } } });
    expect(references).toEqual(
      expect.arrayContaining([
        'services.web.escalationPolicy: no escalation policy "nope"',
        'escalationPolicies.p.levels.0.notify.0: no contact "ghost"',
        'escalationPolicies.p.levels.1.notify.0: contact "bob" has no address for channels sms',
      ]),
    );
  });
});
