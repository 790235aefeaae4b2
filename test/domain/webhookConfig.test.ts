import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../domain/config';
import { planIncident } from '../../domain/incidentPlan';
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhooks';
import { makeAlert } from '../../devkit/alerts';

const base = {
  services: { web: { escalationPolicy: 'p' }, db: { escalationPolicy: 'p' } },
  defaultEscalationPolicy: 'p',
  contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
  escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
};

function issuesOf(webhooks: unknown): string[] {
  try {
    parseConfig({ ...base, webhooks }, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
}

const bridge = { id: 'bridge', url: 'https://bridge.example.test/vigil', secretEnv: 'VIGIL_WEBHOOK_BRIDGE_SECRET' };

describe('webhook config', () => {
  it('is optional, and an endpoint needs only id, url and secretEnv', () => {
    expect(parseConfig(base, 'test').webhooks).toEqual([]);
    expect(issuesOf([bridge])).toEqual([]);
  });

  it('names the field of each mistake', () => {
    expect(issuesOf([{ ...bridge, url: 'ftp://bridge.example.test/' }])).toEqual(['webhooks.0.url: an http:// or https:// URL without user or password']);
    expect(issuesOf([{ ...bridge, url: 'not a url' }])).toEqual(['webhooks.0.url: an http:// or https:// URL without user or password']);
    expect(issuesOf([{ ...bridge, url: 'https://user:pw@bridge.example.test/' }])).toEqual(['webhooks.0.url: an http:// or https:// URL without user or password']);
    expect(issuesOf([{ ...bridge, secretEnv: 'whsec_abc' }])[0]).toMatch(/^webhooks\.0\.secretEnv: an environment variable name/);
    expect(issuesOf([{ ...bridge, events: ['incident.deleted'] }])[0]).toMatch(/^webhooks\.0\.events\.0: /);
    expect(issuesOf([{ ...bridge, services: ['nope'] }])).toEqual(['webhooks.0.services.0: no service "nope"']);
    expect(issuesOf([bridge, { ...bridge }])).toEqual(['webhooks.1.id: webhook "bridge" is declared twice']);
    expect(issuesOf([{ ...bridge, secret: 'inline' }])[0]).toMatch(/^webhooks\.0: .*secret/);
  });

  it('puts the endpoints that follow a service into its incidents plan, with their events', () => {
    const config = parseConfig(
      {
        ...base,
        webhooks: [
          { ...bridge, id: 'everything' },
          { ...bridge, id: 'web-only', services: ['web'], events: ['incident.opened', 'incident.resolved'] },
          { ...bridge, id: 'db-only', services: ['db'] },
        ],
      },
      'test',
    );
    expect(planIncident(config, [], makeAlert({ service: 'web' })).webhooks).toEqual([
      { endpoint: 'everything', events: [...WEBHOOK_EVENT_TYPES] },
      { endpoint: 'web-only', events: ['incident.opened', 'incident.resolved'] },
    ]);
    // Without endpoints, plans stay as they were (no `webhooks` key).
    expect(planIncident(parseConfig(base, 'test'), [], makeAlert({ service: 'web' }))).not.toHaveProperty('webhooks');
  });
});
