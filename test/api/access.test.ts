import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authFailureGuardFor, stormGuardFor } from '../../api/access/limitsFromConfig';
import { incidentWorkflowId } from '../../domain/alert';
import { parseConfig } from '../../domain/config';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { makeAlert } from '../../devkit/alerts';
import { createFakeGateway } from '../../devkit/fakeGateway';
import { API_KEY, AUTH, METRICS_TOKEN, RESPONDER_KEY, startTestApp, testConfig } from '../../devkit/testApp';

const SENDER_KEY = 'test-key-sender';
const VIEWER_KEY = 'test-key-viewer';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const keys = new Map([
  [API_KEY, { user: 'alice', role: 'operations-manager' as const }],
  [RESPONDER_KEY, { user: 'bob', role: 'responder' as const }],
  [SENDER_KEY, { user: 'cron', role: 'sender' as const }],
  [VIEWER_KEY, { user: 'vic', role: 'viewer' as const }],
]);
const alertBody = (fields: Record<string, unknown> = {}) => JSON.stringify({ service: 'checkout', summary: 'checkout p99 above 2s', severity: 'critical', ...fields });
const postAlert = (url: string, headers: Record<string, string>, fields: Record<string, unknown> = {}) =>
  fetch(`${url}/v1/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: alertBody(fields) });

/** Every read of incident data the API serves (each must refuse an anonymous caller). */
const READS = [
  '/v1/incidents',
  '/v1/incidents/x',
  '/v1/incidents/x/review',
  '/v1/events',
  '/v1/maintenance',
  '/v1/maintenance/00000000-0000-0000-0000-000000000000',
  '/v1/problems',
  '/v1/problems/x',
  '/v1/reviews',
  '/v1/kpis',
  '/v1/schedules',
  '/v1/schedules/x/oncall',
  '/v1/policies/event',
  '/v1/policies/incident',
  '/v1/policies/problem',
  '/v1/dashboard/context',
  '/v1/dashboard/incidents?ids=x',
  '/v1/dashboard/rows',
  '/v1/heartbeats',
];

/** Every write behind an API key. */
const WRITES: Array<[string, string]> = [
  ['POST', '/v1/alerts'],
  ['POST', '/v1/incidents/x/ack'],
  ['POST', '/v1/incidents/x/resolve'],
  ['POST', '/v1/incidents/x/escalate'],
  ['POST', '/v1/incidents/x/updates'],
  ['POST', '/v1/incidents/x/reassign'],
  ['PUT', '/v1/incidents/x/review'],
  ['POST', '/v1/maintenance'],
  ['DELETE', '/v1/maintenance/00000000-0000-0000-0000-000000000000'],
  ['POST', '/v1/problems'],
  ['POST', '/v1/problems/x/rca'],
  ['POST', '/v1/problems/x/close'],
];

describe('no anonymous access', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  beforeAll(async () => {
    app = await startTestApp({ apiKeys: keys });
  });
  afterAll(async () => {
    await app.close();
  });

  it.each(READS)('refuses an anonymous GET %s with 401 naming the authorization header', async (path) => {
    const response = await fetch(`${app.url}${path}`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect((await response.json()) as unknown).toMatchObject({ details: [{ field: 'authorization' }] });
  });

  it.each(WRITES)('refuses an anonymous %s %s with 401, before reading the body', async (method, path) => {
    const response = await fetch(`${app.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: '{"not":' });
    expect(response.status).toBe(401);
  });

  it('opens no incident and pages nobody for a keyless alert', async () => {
    const before = app.fake.submitted.length;
    for (let index = 0; index < 5; index += 1) expect((await postAlert(app.url, {}, { dedupKey: `anon-${index}` })).status).toBe(401);
    expect((await postAlert(app.url, bearer('not-a-key'))).status).toBe(401);
    expect(app.fake.submitted).toHaveLength(before);
  });

  it('lets a sender key send alerts and nothing else; a viewer read and nothing else', async () => {
    const sent = await postAlert(app.url, bearer(SENDER_KEY), { dedupKey: 'from-cron' });
    expect(sent.status).toBe(202);
    const { incidentId } = (await sent.json()) as { incidentId: string };
    const senderRead = await fetch(`${app.url}/v1/incidents/${encodeURIComponent(incidentId)}`, { headers: bearer(SENDER_KEY) });
    expect(senderRead.status).toBe(403);
    expect(await senderRead.json()).toMatchObject({ role: 'sender', details: [{ field: 'authorization' }] });
    const senderAck = await fetch(`${app.url}/v1/incidents/${encodeURIComponent(incidentId)}/ack`, { method: 'POST', headers: bearer(SENDER_KEY) });
    expect(senderAck.status).toBe(403);

    expect((await fetch(`${app.url}/v1/incidents/${encodeURIComponent(incidentId)}`, { headers: bearer(VIEWER_KEY) })).status).toBe(200);
    expect((await postAlert(app.url, bearer(VIEWER_KEY))).status).toBe(403);
    const viewerAck = await fetch(`${app.url}/v1/incidents/${encodeURIComponent(incidentId)}/ack`, { method: 'POST', headers: bearer(VIEWER_KEY) });
    expect(viewerAck.status).toBe(403);
    expect(await viewerAck.json()).toMatchObject({ requiredRole: 'responder', role: 'viewer' });
  });

  it('keeps health, the API description and public status pages open', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/status', '/dashboard']) expect((await fetch(`${app.url}${path}`)).status, path).toBe(200);
  });

  it('serves /metrics on the API port only with the metrics token', async () => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${app.url}/metrics`, { headers: AUTH })).status).toBe(401);
    const scraped = await fetch(`${app.url}/metrics`, { headers: bearer(METRICS_TOKEN) });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('vigil_http_requests_total');
    const without = await startTestApp({ metricsToken: undefined });
    try {
      expect((await fetch(`${without.url}/metrics`, { headers: bearer(METRICS_TOKEN) })).status).toBe(404);
    } finally {
      await without.close();
    }
  });

  it('opens reads to the public only when config says so, never writes', async () => {
    const open = await startTestApp({ config: { ...testConfig, access: { publicReads: true } } });
    try {
      expect((await fetch(`${open.url}/v1/incidents`)).status).toBe(200);
      expect((await postAlert(open.url, {})).status).toBe(401);
    } finally {
      await open.close();
    }
  });
});

describe('failed authentication is limited per client, across replicas', () => {
  let store: SqlStore;
  beforeAll(async () => {
    store = await openSqlStore({});
  });
  afterAll(async () => {
    await store.close();
  });

  it('answers 429 with Retry-After once an address fails too often, even to a right key, on every replica', async () => {
    const config = { ...testConfig, limits: { ...testConfig.limits, failedAuthAttempts: 4, failedAuthWindow: '1m', failedAuthBlock: '2m' } };
    const replicaA = await startTestApp({ config, authFailures: authFailureGuardFor(config, store) });
    const replicaB = await startTestApp({ config, authFailures: authFailureGuardFor(config, store) });
    try {
      const statuses: number[] = [];
      // Guesses alternate between the replicas: the count is shared through the store.
      for (let guess = 0; guess < 6; guess += 1) statuses.push((await fetch(`${(guess % 2 ? replicaB : replicaA).url}/v1/incidents`, { headers: bearer(`guess-${guess}`) })).status);
      expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
      expect(statuses.slice(4)).toEqual([429, 429]);
      for (const replica of [replicaA, replicaB]) {
        const right = await fetch(`${replica.url}/v1/incidents`, { headers: AUTH });
        expect(right.status).toBe(429);
        expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(60);
        expect(await right.json()).toMatchObject({ details: [{ field: 'authorization' }] });
      }
      // Health and public status pages take no credential: refusing them would protect nothing.
      expect((await fetch(`${replicaA.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${replicaA.url}/status/shop`)).status).not.toBe(429);
      // Wrong integration tokens count the same way.
      const integration = await fetch(`${replicaA.url}/v1/integrations/nope/wrong`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(integration.status).toBe(429);
    } finally {
      await replicaA.close();
      await replicaB.close();
    }
  });
});

describe('requests that present no credential', () => {
  it('are refused, but never counted as guesses: a dashboard opened before its key is typed is not locked out', async () => {
    const store = await openSqlStore({});
    const config = { ...testConfig, limits: { ...testConfig.limits, failedAuthAttempts: 3 } };
    const app = await startTestApp({ config, authFailures: authFailureGuardFor(config, store) });
    try {
      for (let poll = 0; poll < 10; poll += 1) expect((await fetch(`${app.url}/v1/incidents`)).status).toBe(401);
      expect((await fetch(`${app.url}/v1/incidents`, { headers: AUTH })).status).toBe(200);
    } finally {
      await app.close();
      await store.close();
    }
  });
});

describe('the storm guard', () => {
  let store: SqlStore;
  beforeAll(async () => {
    store = await openSqlStore({});
  });
  afterAll(async () => {
    await store.close();
  });

  it('folds new incidents beyond the rate into one storm incident, refusing nothing, across replicas', async () => {
    const config = parseConfig(
      {
        ...testConfig,
        integrations: { am: { source: 'alertmanager', tokenEnv: 'AM_TOKEN' } },
        limits: { newIncidentsPerMinute: 3 },
      },
      'storm config',
    );
    const fake = createFakeGateway();
    const replicas = await Promise.all([0, 1].map(() => startTestApp({ config, gateway: fake.gateway, stormGuard: stormGuardFor(config, store), env: { AM_TOKEN: 'am-secret' } })));
    try {
      const statuses: number[] = [];
      for (let index = 0; index < 10; index += 1) {
        const body = {
          version: '4',
          status: 'firing',
          receiver: 'vigil',
          groupKey: `{}:{alertname="Down${index}"}`,
          groupLabels: { alertname: `Down${index}` },
          commonLabels: { alertname: `Down${index}` },
          commonAnnotations: {},
          externalURL: 'http://alertmanager.example:9093',
          alerts: [{ status: 'firing', labels: { alertname: `Down${index}`, service: 'checkout', severity: 'critical' }, annotations: { summary: `host ${index} down` }, startsAt: '2026-11-29T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', fingerprint: `f${index}`, generatorURL: 'http://prometheus.example:9090/graph' }],
        };
        const response = await fetch(`${replicas[index % 2].url}/v1/integrations/am`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer am-secret' }, body: JSON.stringify(body) });
        statuses.push(response.status);
      }
      expect(statuses.every((status) => status === 202)).toBe(true);
      expect(fake.submitted).toHaveLength(10);
      const incidentKeys = new Set(fake.submitted.map((alert) => incidentWorkflowId(alert)));
      // Three incidents of their own, and one storm incident holding the other seven.
      expect(incidentKeys.size).toBe(4);
      const storm = fake.submitted.filter((alert) => alert.labels.vigil_storm === 'am');
      expect(storm).toHaveLength(7);
      expect(new Set(storm.map((alert) => incidentWorkflowId(alert)))).toEqual(new Set(['incident/alert-storm/alert-storm/am']));
      expect(storm[0].summary).toMatch(/^Alert storm from am: /);
      expect(storm[0].details.vigilStorm).toMatchObject({ integration: 'am', service: 'checkout' });
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });

  it('sends a repeat of a key that had its own incident to that incident, not the storm', async () => {
    const config = parseConfig({ ...testConfig, limits: { newIncidentsPerMinute: 1 } }, 'storm config');
    const guard = stormGuardFor(config, store);
    const now = new Date();
    const first = await guard.admit(makeAlert({ dedupKey: 'own-1' }), 'api:alice', now);
    const second = await guard.admit(makeAlert({ dedupKey: 'own-2' }), 'api:alice', now);
    const firstAgain = await guard.admit(makeAlert({ dedupKey: 'own-1' }), 'api:alice', new Date(now.getTime() + 120_000));
    const secondAgain = await guard.admit(makeAlert({ dedupKey: 'own-2' }), 'api:alice', new Date(now.getTime() + 120_000));
    expect(incidentWorkflowId(first)).toBe('incident/checkout/own-1');
    expect(incidentWorkflowId(firstAgain)).toBe('incident/checkout/own-1');
    expect(incidentWorkflowId(second)).toBe('incident/alert-storm/alert-storm/api:alice');
    expect(incidentWorkflowId(secondAgain)).toBe('incident/alert-storm/alert-storm/api:alice');
  });
});

describe('concurrent work per client', () => {
  it('queues requests beyond the bound and answers 503 with Retry-After past the queue, never 4xx', async () => {
    const fake = createFakeGateway();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = {
      ...fake.gateway,
      async submitAlert(alert: Parameters<typeof fake.gateway.submitAlert>[0]) {
        await held;
        return fake.gateway.submitAlert(alert);
      },
    };
    const config = { ...testConfig, limits: { ...testConfig.limits, concurrentRequestsPerClient: 2, queuedRequestsPerClient: 2 } };
    const app = await startTestApp({ config, gateway: slow });
    try {
      const inFlight = [0, 1, 2, 3].map((index) => postAlert(app.url, AUTH, { dedupKey: `slow-${index}` }));
      // Give the four time to arrive: two run, two wait.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const overflow = await postAlert(app.url, AUTH, { dedupKey: 'slow-overflow' });
      expect(overflow.status).toBe(503);
      expect(overflow.headers.get('retry-after')).toBe('1');
      expect(await overflow.json()).toMatchObject({ details: [{ field: 'client' }] });
      release();
      expect((await Promise.all(inFlight)).map((response) => response.status)).toEqual([202, 202, 202, 202]);
      expect((await postAlert(app.url, AUTH, { dedupKey: 'after' })).status).toBe(202);
    } finally {
      await app.close();
    }
  });
});
