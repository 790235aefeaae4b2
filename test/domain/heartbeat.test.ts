import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../domain/config';
import { heartbeatAlert, heartbeatsOf } from '../../domain/heartbeat';

const base = {
  services: { storage: { escalationPolicy: 'p' } },
  defaultEscalationPolicy: 'p',
  contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
  escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
};

function issuesOf(heartbeats: unknown): string[] {
  try {
    parseConfig({ ...base, heartbeats }, 'test');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
}

describe('heartbeats in the config', () => {
  it('reads durations as the rest of the config does, with defaults', () => {
    const config = parseConfig({ ...base, heartbeats: { 'nightly-backup': { service: 'storage', interval: '1d', grace: '90m', tokenEnv: 'BACKUP_TOKEN' }, hourly: { service: 'storage', interval: '1h', tokenEnv: 'HOURLY_TOKEN', severity: 'warning' } } }, 'test');
    expect(heartbeatsOf(config)).toEqual([
      { id: 'nightly-backup', service: 'storage', intervalSeconds: 86_400, graceSeconds: 5400, severity: 'critical', summary: 'heartbeat nightly-backup missed' },
      { id: 'hourly', service: 'storage', intervalSeconds: 3600, graceSeconds: 0, severity: 'warning', summary: 'heartbeat hourly missed' },
    ]);
  });

  it('names the field of every mistake', () => {
    expect(issuesOf({ backup: { service: 'nope', interval: '0s', grace: 'soon', tokenEnv: 'lower-case', severity: 'urgent', extra: 1 } })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^heartbeats\.backup\.interval: a positive duration/),
        expect.stringMatching(/^heartbeats\.backup\.grace: a duration/),
        expect.stringMatching(/^heartbeats\.backup\.tokenEnv: an environment variable name/),
        expect.stringMatching(/^heartbeats\.backup\.severity: /),
        expect.stringMatching(/^heartbeats\.backup: .*extra/),
      ]),
    );
    expect(issuesOf({ backup: { service: 'nope', interval: '1h', tokenEnv: 'T' } })).toEqual(['heartbeats.backup.service: no service "nope"']);
    expect(issuesOf({ backup: { interval: '1h', tokenEnv: 'T' } })[0]).toMatch(/^heartbeats\.backup\.service: /);
  });

  it('raises one dedup key per heartbeat, so every miss of it is one incident', () => {
    const [settings] = heartbeatsOf(parseConfig({ ...base, heartbeats: { backup: { service: 'storage', interval: '1h', tokenEnv: 'T' } } }, 'test'));
    const at = new Date('2026-11-29T03:00:00Z');
    const missed = heartbeatAlert(settings, 'a1', at, { deadlineAt: at.toISOString() });
    const again = heartbeatAlert(settings, 'a2', new Date(at.getTime() + 3600_000), { deadlineAt: at.toISOString() }, true);
    expect(missed).toMatchObject({ service: 'storage', dedupKey: 'heartbeat-backup', source: 'heartbeat', severity: 'critical', summary: 'heartbeat backup missed' });
    expect(again.dedupKey).toBe(missed.dedupKey);
  });
});
