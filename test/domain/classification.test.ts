import { describe, expect, it } from 'vitest';
import { classify, matchesAlert, promotionReason, type EventPolicy } from '../../domain/classification';
import { parseConfig, eventPolicyOf, ConfigError } from '../../domain/config';
import { windowCovering, type MaintenanceWindow } from '../../domain/maintenance';

const alert = (overrides: Partial<{ source: string; service: string; severity: 'critical' | 'error' | 'warning' | 'info'; labels: Record<string, string> }> = {}) => ({
  source: 'alertmanager',
  service: 'checkout',
  severity: 'warning' as const,
  labels: { alertname: 'HighLatency', env: 'prod' },
  ...overrides,
});

const policy: EventPolicy = {
  defaultAction: 'incident',
  rules: [
    { name: 'drop-test-env', match: { labels: { env: '/test|dev/' } }, action: 'drop' },
    { name: 'info-is-event', match: { severity: ['info'] }, action: 'event' },
    { name: 'disk-warnings', match: { severity: ['warning'], labels: { alertname: 'DiskFilling' } }, action: 'event', promote: { count: 3, withinSeconds: 600, persistsSeconds: 1800 } },
  ],
};
const now = new Date('2026-11-25T12:00:00Z');
const never = { recentCount: 0 };

describe('matching', () => {
  it('needs every given part to hold; lists mean any of; labels exact, * or anchored regex', () => {
    expect(matchesAlert({}, alert())).toBe(true);
    expect(matchesAlert({ source: ['grafana', 'alertmanager'] }, alert())).toBe(true);
    expect(matchesAlert({ source: ['grafana'] }, alert())).toBe(false);
    expect(matchesAlert({ service: ['checkout'], severity: ['critical'] }, alert())).toBe(false);
    expect(matchesAlert({ labels: { env: '*' } }, alert())).toBe(true);
    expect(matchesAlert({ labels: { team: '*' } }, alert())).toBe(false);
    expect(matchesAlert({ labels: { env: '/pr/' } }, alert())).toBe(false); // anchored: "pr" is not "prod"
    expect(matchesAlert({ labels: { env: '/pr.*/' } }, alert())).toBe(true);
  });
});

describe('classification', () => {
  it('pages by default, and the first matching rule decides', () => {
    expect(classify(policy, alert(), never, now)).toMatchObject({ disposition: 'incident', rule: 'default', promoted: false });
    expect(classify(policy, alert({ labels: { env: 'test' } }), never, now)).toMatchObject({ disposition: 'drop', rule: 'drop-test-env' });
    expect(classify(policy, alert({ severity: 'info', labels: { env: 'dev' } }), never, now)).toMatchObject({ disposition: 'drop' });
    expect(classify(policy, alert({ severity: 'info' }), never, now)).toMatchObject({ disposition: 'event', rule: 'info-is-event' });
  });

  it('promotes a recurring event to an incident on the Nth occurrence within the window', () => {
    const disk = alert({ labels: { alertname: 'DiskFilling', env: 'prod' } });
    expect(classify(policy, disk, { recentCount: 1 }, now)).toMatchObject({ disposition: 'event' });
    expect(classify(policy, disk, { recentCount: 2 }, now)).toMatchObject({ disposition: 'incident', promoted: true, reason: expect.stringContaining('repeated 3 times within 600 s') });
  });

  it('promotes an event that keeps firing longer than the persistence limit', () => {
    const disk = alert({ labels: { alertname: 'DiskFilling', env: 'prod' } });
    const since = (seconds: number) => ({ recentCount: 0, firingSince: new Date(now.getTime() - seconds * 1000) });
    expect(classify(policy, disk, since(1799), now).disposition).toBe('event');
    expect(classify(policy, disk, since(1800), now)).toMatchObject({ disposition: 'incident', reason: expect.stringContaining('firing for 1800 s') });
  });

  it('does not promote without a promotion rule, however often it recurs', () => {
    expect(promotionReason(undefined, { recentCount: 1000 }, now)).toBeUndefined();
    expect(classify(policy, alert({ severity: 'info' }), { recentCount: 1000, firingSince: new Date(0) }, now).disposition).toBe('event');
  });
});

describe('the event policy in config', () => {
  const base = {
    services: {},
    defaultEscalationPolicy: 'p',
    contacts: { a: { name: 'A', email: 'a@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['a'], timeout: '5m' }] } },
  };

  it('defaults to paging everything, and reads single values, lists and durations', () => {
    expect(eventPolicyOf(parseConfig(base, 'test'))).toEqual({ defaultAction: 'incident', rules: [] });
    const config = parseConfig(
      { ...base, eventPolicy: { rules: [{ name: 'disk', match: { severity: 'warning', source: ['grafana'] }, action: 'event', promote: { count: 5, within: '10m' } }] } },
      'test',
    );
    expect(eventPolicyOf(config).rules[0]).toEqual({
      name: 'disk',
      match: { severity: ['warning'], source: ['grafana'] },
      action: 'event',
      promote: { count: 5, withinSeconds: 600, persistsSeconds: undefined },
    });
  });

  it('names the field of a bad rule', () => {
    const bad = (rule: unknown) => {
      try {
        parseConfig({ ...base, eventPolicy: { rules: [rule] } }, 'test');
      } catch (error) {
        return (error as ConfigError).issues.map((issue) => issue.path);
      }
      return [];
    };
    expect(bad({ name: 'x', match: {}, action: 'page' })).toEqual(['eventPolicy.rules.0.action']);
    expect(bad({ name: 'x', match: { labels: { a: '/(/' } }, action: 'event' })).toEqual(['eventPolicy.rules.0.match.labels.a']);
    expect(bad({ name: 'x', match: {}, action: 'incident', promote: { count: 3 } })).toEqual(['eventPolicy.rules.0.promote']);
    expect(bad({ name: 'x', match: {}, action: 'event', promote: {} })).toEqual(['eventPolicy.rules.0.promote']);
  });
});

describe('maintenance windows', () => {
  const window = (overrides: Partial<MaintenanceWindow>): MaintenanceWindow => ({
    id: 'w',
    matchers: {},
    startsAt: '2026-11-25T11:00:00Z',
    endsAt: '2026-11-25T13:00:00Z',
    reason: 'upgrade',
    createdBy: 'alice',
    createdAt: '2026-11-25T10:00:00Z',
    ...overrides,
  });

  it('covers alerts of its service and labels only while it is active', () => {
    expect(windowCovering([window({ service: 'checkout' })], alert(), now)?.id).toBe('w');
    expect(windowCovering([window({ service: 'search' })], alert(), now)).toBeUndefined();
    expect(windowCovering([window({ matchers: { env: 'prod' } })], alert(), now)?.id).toBe('w');
    expect(windowCovering([window({ matchers: { env: 'staging' } })], alert(), now)).toBeUndefined();
    expect(windowCovering([window({ service: 'checkout', endsAt: '2026-11-25T12:00:00Z' })], alert(), now)).toBeUndefined(); // ends are exclusive
    expect(windowCovering([window({ service: 'checkout', startsAt: '2026-11-25T12:00:01Z' })], alert(), now)).toBeUndefined();
  });
});
