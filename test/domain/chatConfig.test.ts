import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../domain/config';
import { contactByChatId } from '../../domain/chat/chatConfig';
import { planIncident } from '../../domain/incidentPlan';
import { makeAlert } from '../../devkit/alerts';

const base = {
  services: { web: { escalationPolicy: 'p' }, batch: { escalationPolicy: 'p' } },
  defaultEscalationPolicy: 'p',
  contacts: {
    alice: { name: 'Alice', email: 'alice@example.test', chat: { slack: 'U0ALICE', matrix: '@alice:example.org', direct: true } },
    bob: { name: 'Bob', email: 'bob@example.test', chat: { slack: 'U0BOB', role: 'viewer' } },
  },
  escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m', chat: ['ops-slack'] }, { notify: ['bob'], timeout: '10m' }] } },
  chatChannels: { 'ops-slack': { platform: 'slack', channel: 'C0OPS' } },
  incidentRooms: [{ platform: 'slack', services: ['web'], severities: ['critical'] }, { platform: 'matrix', open: 'request', invite: ['commander'], archiveAfter: '2d' }],
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

describe('chat config', () => {
  it('reads identities, channels and room rules, with defaults filled in', () => {
    const config = parseConfig(base, 'test');
    expect(config.contacts.alice.chat).toEqual({ slack: 'U0ALICE', matrix: '@alice:example.org', direct: true, role: 'responder' });
    expect(config.contacts.bob.chat?.role).toBe('viewer');
    expect(config.incidentRooms[0]).toMatchObject({ platform: 'slack', open: 'incident', invite: ['responders', 'commander'], archiveAfter: '7d' });
    expect(contactByChatId(config.contacts, 'slack', 'U0BOB')?.contactId).toBe('bob');
    // The id is the platform's: the same id on another platform is nobody.
    expect(contactByChatId(config.contacts, 'mattermost', 'U0BOB')).toBeUndefined();
  });

  it('keeps a config written before chat valid, and plans no chat side for it', () => {
    const { chatChannels: _channels, incidentRooms: _rooms, ...rest } = base;
    const old = { ...rest, contacts: { alice: { name: 'Alice', email: 'a@example.test' } }, escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } } };
    const config = parseConfig(old, 'test');
    expect(config.chatChannels).toEqual({});
    expect(config.incidentRooms).toEqual([]);
    expect(planIncident(config, [], makeAlert({ service: 'web' })).chat).toBeUndefined();
  });

  it('freezes level channels and the first matching room rule into the plan', () => {
    const config = parseConfig(base, 'test');
    const critical = planIncident(config, [], makeAlert({ service: 'web', severity: 'critical' }));
    expect(critical.chat).toEqual({ levelChannels: [['ops-slack'], []], direct: true, room: { platform: 'slack', open: 'incident', invite: ['responders', 'commander'], archiveAfterSeconds: 7 * 86_400 } });
    const other = planIncident(config, [], makeAlert({ service: 'batch', severity: 'warning' }));
    expect(other.chat?.room).toEqual({ platform: 'matrix', open: 'request', invite: ['commander'], archiveAfterSeconds: 2 * 86_400 });
    // No chat id of anyone in the plan: the worker looks them up when it posts.
    expect(JSON.stringify(critical)).not.toContain('U0ALICE');
  });

  it('names the field of every mistake', () => {
    const issues = issuesOf({
      ...base,
      contacts: {
        alice: { name: 'Alice', email: 'a@example.test', chat: { slack: 'U0SAME', matrix: 'alice' } },
        bob: { name: 'Bob', email: 'b@example.test', chat: { slack: 'U0SAME', role: 'boss', irc: 'bob' } },
      },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m', chat: ['nowhere'] }] } },
      chatChannels: { 'ops-slack': { platform: 'irc', channel: 'has space' } },
      incidentRooms: [{ platform: 'slack', services: ['ghost'], archiveAfter: 'soon' }],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^contacts\.alice\.chat\.matrix: a Matrix user id/),
        expect.stringMatching(/^contacts\.bob\.chat\.role: /),
        expect.stringMatching(/^contacts\.bob\.chat: .*irc/),
        expect.stringMatching(/^chatChannels\.ops-slack\.platform: /),
        expect.stringMatching(/^chatChannels\.ops-slack\.channel: a platform id/),
        expect.stringMatching(/^incidentRooms\.0\.archiveAfter: a positive duration/),
      ]),
    );
    const crossChecks = issuesOf({
      ...base,
      contacts: { alice: { name: 'Alice', email: 'a@example.test', chat: { slack: 'U0SAME' } }, bob: { name: 'Bob', email: 'b@example.test', chat: { slack: 'U0SAME' } } },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m', chat: ['nowhere'] }] } },
      incidentRooms: [{ platform: 'slack', services: ['ghost'] }],
    });
    expect(crossChecks).toEqual([
      'escalationPolicies.p.levels.0.chat.0: no chat channel "nowhere" (see chatChannels)',
      'incidentRooms.0.services.0: no service "ghost"',
      'contacts.bob.chat.slack: slack user "U0SAME" is already contact "alice"\'s',
    ]);
  });
});
