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
    // A level without channels leaves them to each person's notification rules.
    expect(snapshotPolicy(config, 'p').levels.map((level) => [level.timeoutSeconds, level.channels, level.channelsFromRules ?? false, level.targets[0].id])).toEqual([
      [300, [], true, 'alice'],
      [3600, ['email'], false, 'bob'],
    ]);
    expect(contactByPhone(config, '+15550100001')?.id).toBe('alice');
    expect(contactByPhone(config, '+15550100009')).toBeUndefined();
  });

  it('resolves teams now and keeps schedule and team references for when a level fires; copies notification rules', () => {
    const config = parseConfig(
      {
        ...valid,
        contacts: { ...valid.contacts, carol: { name: 'Carol', phone: '+15550100003', email: 'carol@example.test', notificationRules: [{ channel: 'sms' }, { channel: 'email', after: '1m' }] } },
        teams: { dba: { members: ['bob', 'carol'] } },
        escalationPolicies: {
          p: { levels: [{ notify: ['user:alice', 'team:dba'], timeout: '5m' }], ackTimeout: '30m', onExhausted: { notify: ['carol'] } },
        },
      },
      'test',
    );
    const policy = snapshotPolicy(config, 'p');
    expect(policy).toMatchObject({ ackTimeoutSeconds: 1800, onExhaustedRefs: ['carol'] });
    expect(policy.levels[0].targetRefs).toEqual(['user:alice', 'team:dba']);
    expect(policy.levels[0].targets.map((target) => target.id)).toEqual(['alice', 'bob', 'carol']);
    expect(policy.levels[0].targets[2].rules).toEqual([
      { channel: 'sms', afterSeconds: 0 },
      { channel: 'email', afterSeconds: 60 },
    ]);
    const issues = issuesOf({ ...valid, teams: { t: { members: ['ghost'] } }, escalationPolicies: { p: { levels: [{ notify: ['team:nope', 'schedule:nope'], timeout: '1m' }] } } });
    expect(issues).toEqual(expect.arrayContaining([
      expect.stringMatching(/^teams\.t\.members\.0: no contact/),
      expect.stringMatching(/^escalationPolicies\.p\.levels\.0\.notify\.0: no team/),
      expect.stringMatching(/^escalationPolicies\.p\.levels\.0\.notify\.1: no schedule/),
    ]));
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

describe('an integration token header (EventBridge API-key connections)', () => {
  const withHeader = (tokenHeader: string) => ({ ...valid, integrations: { eb: { source: 'eventbridge', service: 'web', tokenEnv: 'EB_TOKEN', tokenHeader } } });

  it('takes a header name of its own', () => {
    expect(parseConfig(withHeader('x-vigil-token'), 'test').integrations.eb.tokenHeader).toBe('x-vigil-token');
  });

  it('refuses a standard header or a malformed name, naming the field', () => {
    for (const name of ['Authorization', 'host', 'cookie', 'content-type', 'x-forwarded-for', 'x vigil', '']) {
      expect(issuesOf(withHeader(name))[0]).toMatch(/^integrations\.eb\.tokenHeader: /);
    }
  });
});
