import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../domain/config';
import { createIncidentReviews } from '../../api/records/incidentReviews';
import { createMaintenanceWindows } from '../../platform/maintenanceWindows';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { resolveApiKeys } from '../../platform/loadConfig';
import { makeAlert } from '../../devkit/alerts';
import { API_KEY, PROBLEM_MANAGER_KEY, RESPONDER_KEY, startTestApp, testConfig, AUTH } from '../../devkit/testApp';

let store: SqlStore;
let app: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  store = await openSqlStore({});
  app = await startTestApp({ maintenance: createMaintenanceWindows(store), reviews: createIncidentReviews(store) });
});
afterAll(async () => {
  await app?.close();
  await store?.close();
});

function call(method: string, path: string, key: string, body?: unknown) {
  return fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const windowBody = () => ({ service: 'checkout', endsAt: new Date(Date.now() + 3_600_000).toISOString(), reason: 'database upgrade' });
const incidentPath = (id: string, action: string) => `/v1/incidents/${encodeURIComponent(id)}/${action}`;

describe('roles of API keys', () => {
  it('refuses a responder key maintenance windows with a 403 naming the role needed', async () => {
    const created = await call('POST', '/v1/maintenance', RESPONDER_KEY, windowBody());
    expect(created.status).toBe(403);
    expect(await created.json()).toEqual({
      error: 'this needs the operations-manager role; the key of bob has the responder role',
      details: [{ field: 'authorization', message: 'role operations-manager needed' }],
      requiredRole: 'operations-manager',
      role: 'responder',
    });
    const window = (await (await call('POST', '/v1/maintenance', API_KEY, windowBody())).json()) as { id: string };
    expect((await call('DELETE', `/v1/maintenance/${window.id}`, RESPONDER_KEY)).status).toBe(403);
    // Reads stay open to every key, and to none.
    expect((await fetch(`${app.url}/v1/maintenance/${window.id}`, { headers: AUTH })).status).toBe(200);
  });

  it("refuses a problem manager key a responder's writes, naming the responder role", async () => {
    const incident = app.fake.open(makeAlert({ dedupKey: `pm-${randomUUID()}` }));
    for (const [action, body] of [['ack', {}], ['resolve', {}], ['escalate', {}], ['updates', { text: 'x' }], ['reassign', { to: 'user:alice' }]] as const) {
      const refused = await call('POST', incidentPath(incident.id, action), PROBLEM_MANAGER_KEY, body);
      expect(refused.status, action).toBe(403);
      expect(await refused.json()).toMatchObject({ requiredRole: 'responder', role: 'problem-manager', error: expect.stringContaining('responder (or operations-manager)') });
    }
    expect(app.fake.incidents.get(incident.id)?.status).toBe('triggered');
    expect((await call('POST', '/v1/maintenance', PROBLEM_MANAGER_KEY, windowBody())).status).toBe(403);
  });

  it("lets a responder key make a responder's writes", async () => {
    const incident = app.fake.open(makeAlert({ dedupKey: `resp-${randomUUID()}` }));
    expect((await call('POST', incidentPath(incident.id, 'ack'), RESPONDER_KEY, {})).status).toBe(200);
    expect((await call('POST', incidentPath(incident.id, 'resolve'), RESPONDER_KEY, {})).status).toBe(200);
    expect((await call('PUT', incidentPath(incident.id, 'review'), RESPONDER_KEY, { wentWell: ['fast'] })).status).toBe(200);
  });

  it('lets an operations manager key do everything', async () => {
    const incident = app.fake.open(makeAlert({ dedupKey: `ops-${randomUUID()}` }));
    const steps: Array<[string, string, unknown, number]> = [
      ['POST', incidentPath(incident.id, 'ack'), {}, 200],
      ['POST', incidentPath(incident.id, 'updates'), { text: 'failing over' }, 201],
      ['POST', incidentPath(incident.id, 'escalate'), {}, 200],
      ['POST', incidentPath(incident.id, 'reassign'), { to: 'user:alice' }, 200],
      ['POST', incidentPath(incident.id, 'resolve'), { note: 'failed over' }, 200],
      ['PUT', incidentPath(incident.id, 'review'), { wentBadly: ['slow failover'], completed: true }, 200],
      ['POST', '/v1/maintenance', windowBody(), 201],
    ];
    for (const [method, path, body, status] of steps) expect((await call(method, path, API_KEY, body)).status, `${method} ${path}`).toBe(status);
    const windows = ((await (await fetch(`${app.url}/v1/maintenance`, { headers: AUTH })).json()) as { windows: Array<{ id: string; createdBy: string }> }).windows;
    const mine = windows.filter((window) => window.createdBy === 'alice');
    expect(mine.length).toBeGreaterThan(0);
    expect((await call('DELETE', `/v1/maintenance/${mine[0].id}`, API_KEY)).status).toBe(204);
  });
});

describe('roles in config', () => {
  it('gives each key its role, and a key without one the responder role (configs from before roles)', () => {
    const config = parseConfig(
      {
        ...testConfig,
        apiKeys: [
          { user: 'old', env: 'OLD_KEY' },
          { user: 'pat', env: 'PAT_KEY', role: 'problem-manager' },
          { user: 'olga', env: 'OLGA_KEY', role: 'operations-manager' },
          { user: 'unset', env: 'UNSET_KEY', role: 'responder' },
        ],
      },
      'test',
    );
    const keys = resolveApiKeys(config, { OLD_KEY: 'k1', PAT_KEY: 'k2', OLGA_KEY: 'k3' });
    expect([...keys]).toEqual([
      ['k1', { user: 'old', role: 'responder' }],
      ['k2', { user: 'pat', role: 'problem-manager' }],
      ['k3', { user: 'olga', role: 'operations-manager' }],
    ]);
  });

  it('refuses an unknown role, naming the field', () => {
    expect(() => parseConfig({ ...testConfig, apiKeys: [{ user: 'x', env: 'X_KEY', role: 'admin' }] }, 'test')).toThrow(/apiKeys\.0\.role/);
  });
});

describe('policy documents', () => {
  it('serves the event, incident and problem policies as Markdown rendered from the running config', async () => {
    for (const [kind, title] of [['event', '# Event Management Policy'], ['incident', '# Incident Management Policy'], ['problem', '# Problem Management Policy']]) {
      const response = await fetch(`${app.url}/v1/policies/${kind}`, { headers: AUTH });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/markdown/);
      expect((await response.text()).startsWith(title)).toBe(true);
    }
    const incident = await (await fetch(`${app.url}/v1/policies/incident`, { headers: AUTH })).text();
    // testConfig's one policy, as configured.
    expect(incident).toContain('### p\n\n1. Notify Alice (alice)');
    expect((await fetch(`${app.url}/v1/policies/unknown`, { headers: AUTH })).status).toBe(404);
  });
});
