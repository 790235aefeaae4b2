/**
 * A few thousand randomized and mutated real payloads at every endpoint: no 5xx (other than 503
 * while Temporal is away), every error JSON, the process up, memory bounded. Seeded, so a
 * failure reproduces.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type AdapterId } from '../../api/adapters/index';
import { createApp } from '../../api/app';
import { createAlertSpool } from '../../api/intake/alertSpool';
import { startForwarder, type Forwarder } from '../../api/intake/forwarder';
import { forwardToTemporal } from '../../api/intake/intakeItem';
import { createAlarmStates } from '../../api/records/alarmStates';
import { createAlertGroups } from '../../api/records/alertGroups';
import { createChangeEvents } from '../../api/records/changeEvents';
import { createEventLog } from '../../api/records/eventLog';
import { createMaintenanceWindows } from '../../platform/maintenanceWindows';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { parseConfig } from '../../domain/config';
import { createFakeGateway } from '../../devkit/fakeGateway';
import { adapterFixture } from '../support/fixtures';
import { seededRandom } from '../../devkit/seededRandom';

const CASES = 3_000;

const next = seededRandom(20261124);
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];

const ODD_VALUES: unknown[] = [null, true, 0, -1, 1e308, '', ' ', 'x'.repeat(5_000), '9999-12-31T23:59:59Z', '\u0000\r\nBcc: x@example.test', [], {}, [[[]]], { __proto__: { polluted: true } }, '<script>', 'ACK', NaN];

/** Replaces, deletes or adds one field somewhere in a copy of `value`. */
function mutate(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 4 || next() < 0.25) return pick(ODD_VALUES);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const roll = next();
  if (keys.length === 0 || roll < 0.15) (copy as Record<string, unknown>)[`extra${Math.floor(next() * 9)}`] = pick(ODD_VALUES);
  else if (roll < 0.3) delete (copy as Record<string, unknown>)[pick(keys)];
  else {
    const key = pick(keys);
    (copy as Record<string, unknown>)[key] = mutate((copy as Record<string, unknown>)[key], depth + 1);
  }
  return copy;
}

const config = parseConfig(
  {
    services: {},
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test', phone: '+15550100001' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
    integrations: Object.fromEntries(Object.keys(ADAPTERS).map((source) => [source, { source, service: 'svc', tokenEnv: 'TOKEN' }])),
    apiKeys: [{ user: 'alice', env: 'KEY' }],
    // Every stage of the pipeline takes part: event rules with promotion, a grouping rule.
    eventPolicy: { rules: [{ name: 'warnings', match: { severity: 'warning' }, action: 'event', promote: { count: 3, within: '10m' } }, { name: 'no-dev', match: { labels: { env: 'dev' } }, action: 'drop' }] },
    grouping: [{ name: 'by-cluster', match: { labels: { cluster: '*' } }, by: ['cluster'], window: '5m' }],
  },
  'fuzz',
);

const fake = createFakeGateway();
let server: Server;
let url: string;
let store: SqlStore;
let forwarder: Forwarder;

beforeAll(async () => {
  store = await openSqlStore({});
  const spool = await createAlertSpool(store);
  forwarder = startForwarder({ spool, deliver: (item) => forwardToTemporal(fake.gateway, item), logger: pino({ level: 'silent' }), idleMs: 20, maxBackoffMs: 50 });
  const app = createApp({
    spool,
    events: createEventLog(store),
    maintenance: createMaintenanceWindows(store),
    groups: createAlertGroups(store),
    changes: createChangeEvents(store),
    // Alarm order for the sources that report it (eventbridge), so those are fuzzed past the store.
    alarmStates: createAlarmStates(store),
    gateway: fake.gateway,
    config,
    apiKeys: new Map([['key', { user: 'alice', role: 'operations-manager' }]]),
    publicUrl: 'https://x',
    twilioAuthToken: 'token',
    logger: pino({ level: 'silent' }),
    env: { TOKEN: 'token' },
    snsFetcher: { certificate: async () => 'not a key', confirm: async () => 200 },
  });
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await forwarder?.stop();
  await store?.close();
});

interface Target {
  path: string;
  seed: unknown;
  contentType: string;
  auth?: string;
}

const TARGETS: Target[] = [
  { path: '/v1/alerts', seed: { service: 'checkout', summary: 'down', severity: 'critical', labels: { a: 'b' } }, contentType: 'application/json', auth: 'Bearer key' },
  ...Object.keys(ADAPTERS).map((source) => ({ path: `/v1/integrations/${source}`, seed: adapterFixture(source as AdapterId).payload, contentType: 'application/json', auth: 'Bearer token' })),
  { path: '/v2/enqueue', seed: { ...(adapterFixture('pagerduty').payload as object), routing_key: 'token' }, contentType: 'application/json' },
  { path: '/v1/webhooks/sns/cloudwatch/token', seed: adapterFixture('cloudwatch').payload, contentType: 'text/plain' },
  { path: '/v2/change/enqueue', seed: { routing_key: 'token', payload: { summary: 'deploy v2', source: 'ci', timestamp: '2026-11-25T10:00:00Z' }, links: [{ href: 'https://ci.example.test/1' }] }, contentType: 'application/json' },
  { path: '/v1/maintenance', seed: { service: 'svc', matchers: { env: 'prod' }, endsAt: new Date(Date.now() + 86_400_000).toISOString(), reason: 'upgrade' }, contentType: 'application/json', auth: 'Bearer key' },
  { path: '/v1/incidents/x.y/ack', seed: {}, contentType: 'application/json', auth: 'Bearer key' },
  { path: '/v1/webhooks/twilio/sms', seed: 'From=%2B15550100001&Body=ACK', contentType: 'application/x-www-form-urlencoded' },
];

describe('fuzzing every endpoint', () => {
  // Generous: 3000 requests through PGlite take ~50 s on a loaded 2-core machine.
  it(`answers ${CASES} mutated payloads without a 5xx, always in JSON or TwiML, with memory bounded`, { timeout: 240_000 }, async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const statuses = new Map<number, number>();
    for (let i = 0; i < CASES; i++) {
      const target = pick(TARGETS);
      const unavailable = next() < 0.05;
      fake.state.available = !unavailable;
      const raw = next() < 0.1 ? String(pick(ODD_VALUES)).slice(0, 200) + '{' : JSON.stringify(next() < 0.1 ? target.seed : mutate(target.seed));
      const body = target.contentType === 'application/x-www-form-urlencoded' && typeof target.seed === 'string' && next() < 0.5 ? target.seed : raw ?? 'null';
      const response = await fetch(`${url}${target.path}`, {
        method: 'POST',
        headers: { 'content-type': target.contentType, ...(target.auth ? { authorization: target.auth } : {}) },
        body,
      });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500 && !(response.status === 503)) throw new Error(`${target.path} answered ${response.status} to ${body.slice(0, 300)}: ${text.slice(0, 300)}`);
      if (response.status >= 400) expect(() => JSON.parse(text), `${target.path} ${response.status}: ${text.slice(0, 200)}`).not.toThrow();
    }
    fake.state.available = true;
    // Some requests must have been accepted and many refused, or the fuzzer tested nothing.
    expect([...statuses.keys()].some((status) => status < 300)).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(CASES / 10);
    global.gc?.();
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
