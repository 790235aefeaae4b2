/**
 * Heartbeat pings over HTTP: GET and POST, token as a Bearer header or in the path, one 401 for an
 * unknown heartbeat and a wrong token (counted as failed authentication), 503 while Temporal is
 * down, and the list behind a reader's key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authFailureGuardFor } from '../../api/access/limitsFromConfig';
import { parseConfig } from '../../domain/config';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { createFakeHeartbeatGateway } from '../support/fakeHeartbeatGateway';
import { AUTH, startTestApp, testConfig } from '../../devkit/testApp';
import { heartbeatListAnswerSchema } from '../../api/routes/heartbeats';

const TOKEN = 'backup-token-0123456789';
const config = parseConfig(
  {
    ...testConfig,
    heartbeats: {
      'nightly-backup': { service: 'checkout', interval: '24h', grace: '1h', tokenEnv: 'BACKUP_TOKEN', summary: 'the nightly backup did not run' },
      'hourly-export': { service: 'checkout', interval: '1h', tokenEnv: 'EXPORT_TOKEN' },
    },
  },
  'heartbeat config',
);
const env = { BACKUP_TOKEN: TOKEN };

describe('heartbeat pings', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let fake: ReturnType<typeof createFakeHeartbeatGateway>;
  beforeAll(async () => {
    fake = createFakeHeartbeatGateway();
    app = await startTestApp({ config, env, heartbeats: fake.gateway });
  });
  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['GET', 'a Bearer header', '/v1/heartbeats/nightly-backup/ping', { authorization: `Bearer ${TOKEN}` }],
    ['POST', 'a Bearer header', '/v1/heartbeats/nightly-backup/ping', { authorization: `Bearer ${TOKEN}` }],
    ['GET', 'the path', `/v1/heartbeats/nightly-backup/ping/${TOKEN}`, {}],
    ['POST', 'the path', `/v1/heartbeats/nightly-backup/ping/${TOKEN}`, {}],
  ])('takes a %s ping with the token in %s, without an API key', async (method, _where, path, headers) => {
    const before = fake.pings.length;
    const response = await fetch(`${app.url}${path}`, { method, headers });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', heartbeat: 'nightly-backup' });
    expect(fake.pings.slice(before)).toEqual([{ id: 'nightly-backup', service: 'checkout', intervalSeconds: 86_400, graceSeconds: 3600, severity: 'critical', summary: 'the nightly backup did not run' }]);
  });

  it('takes a POST whose body is a job log in plain text (the body is not read)', async () => {
    const response = await fetch(`${app.url}/v1/heartbeats/nightly-backup/ping/${TOKEN}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'backup done, 3 GB' });
    expect(response.status).toBe(200);
  });

  it.each([
    ['an unknown heartbeat', 'GET', `/v1/heartbeats/nope/ping/${TOKEN}`, {}],
    ['a wrong path token', 'GET', '/v1/heartbeats/nightly-backup/ping/wrong-token', {}],
    ['a wrong Bearer token', 'POST', '/v1/heartbeats/nightly-backup/ping', { authorization: 'Bearer wrong-token' }],
    ['an API key instead of its token', 'POST', '/v1/heartbeats/nightly-backup/ping', AUTH],
    ['no token', 'GET', '/v1/heartbeats/nightly-backup/ping', {}],
    ['a heartbeat whose token variable is unset', 'GET', `/v1/heartbeats/hourly-export/ping/${TOKEN}`, {}],
  ])('answers %s with the one 401 and takes no ping', async (_case, method, path, headers) => {
    const before = fake.pings.length;
    const response = await fetch(`${app.url}${path}`, { method, headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toEqual({ error: 'unknown heartbeat or wrong token', details: [{ field: 'authorization', message: 'expected the heartbeat token as a Bearer header or a URL path segment' }] });
    expect(fake.pings).toHaveLength(before);
  });

  it('answers 503 with Retry-After while Temporal cannot hold the ping', async () => {
    fake.state.down = true;
    try {
      const response = await fetch(`${app.url}/v1/heartbeats/nightly-backup/ping/${TOKEN}`);
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      fake.state.down = false;
    }
  });

  it('lists configured heartbeats with last ping, next deadline and state, for a reader only', async () => {
    expect((await fetch(`${app.url}/v1/heartbeats`)).status).toBe(401);
    expect((await fetch(`${app.url}/v1/heartbeats`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
    const response = await fetch(`${app.url}/v1/heartbeats`, { headers: AUTH });
    expect(response.status).toBe(200);
    const { heartbeats } = (await response.json()) as { heartbeats: Array<Record<string, unknown>> };
    const lastPing = fake.views.get('nightly-backup');
    expect(heartbeats).toEqual([
      { id: 'nightly-backup', service: 'checkout', interval: '24h', grace: '1h', intervalSeconds: 86_400, graceSeconds: 3600, state: 'ok', lastPingAt: lastPing?.lastPingAt, nextDeadlineAt: lastPing?.nextDeadlineAt, pings: lastPing?.pings, maintenanceUntil: null },
      { id: 'hourly-export', service: 'checkout', interval: '1h', grace: '0s', intervalSeconds: 3600, graceSeconds: 0, state: 'unknown', lastPingAt: null, nextDeadlineAt: null, pings: 0, maintenanceUntil: null },
    ]);
    expect(lastPing?.pings).toBeGreaterThanOrEqual(5);
    // The answer is what /openapi.json documents.
    expect(heartbeatListAnswerSchema.safeParse({ heartbeats }).error?.issues ?? []).toEqual([]);
  });
});

describe('wrong heartbeat tokens', () => {
  let store: SqlStore;
  beforeAll(async () => {
    store = await openSqlStore({});
  });
  afterAll(async () => {
    await store.close();
  });

  it('count toward the failed-authentication limit, so guessing a token gets a 429', async () => {
    const limited = { ...config, limits: { ...config.limits, failedAuthAttempts: 3, failedAuthWindow: '1m', failedAuthBlock: '2m' } };
    const fake = createFakeHeartbeatGateway();
    const app = await startTestApp({ config: limited, env, heartbeats: fake.gateway, authFailures: authFailureGuardFor(limited, store) });
    try {
      const statuses: number[] = [];
      for (let guess = 0; guess < 4; guess += 1) statuses.push((await fetch(`${app.url}/v1/heartbeats/nightly-backup/ping/guess-${guess}`)).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect((await fetch(`${app.url}/v1/heartbeats/nightly-backup/ping/${TOKEN}`)).status).toBe(429);
      expect(fake.pings).toHaveLength(0);
    } finally {
      await app.close();
    }
  });
});
