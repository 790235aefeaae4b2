/**
 * Hostile JSON through the real app (real key lanes, a real spool on an in-memory PGlite): deep
 * nesting, megabyte strings, lone surrogates, huge numbers, duplicate keys, `__proto__` and
 * `constructor` keys, at `POST /v1/alerts` and the integration routes, with Temporal up and down.
 * The process must live (no unhandled rejection, no uncaught exception) and every request must get
 * a 2xx, or a 4xx whose JSON names the field.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterId } from '../../api/adapters/index';
import { createApp } from '../../api/app';
import { INPUT_LIMITS } from '../../api/http/inputLimits';
import { createAlertSpool, type AlertSpool } from '../../api/intake/alertSpool';
import { createEventLog } from '../../api/records/eventLog';
import { createMaintenanceWindows } from '../../platform/maintenanceWindows';
import { createAlertGroups } from '../../api/records/alertGroups';
import { parseConfig } from '../../domain/config';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { createFakeGateway } from '../../devkit/fakeGateway';
import { adapterFixture } from '../support/fixtures';
import { seededRandom } from '../../devkit/seededRandom';
import { SEVERITIES } from '../../domain/severity';
import { API_KEY } from '../../devkit/testApp';

const INTEGRATIONS = ['alertmanager', 'grafana', 'datadog', 'generic', 'pagerduty'] as const satisfies readonly AdapterId[];

const config = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test', phone: '+15550100001' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
    integrations: Object.fromEntries(INTEGRATIONS.map((source) => [source, { source, service: 'checkout', tokenEnv: 'TOKEN' }])),
  },
  'hostile input',
);

/** Where a hostile value goes in each route's body: a free-form field, as a JSON placeholder. */
const HOLE = '"__HOSTILE__"';

interface Target {
  name: string;
  path: string;
  auth: string;
  /** Bodies with one HOLE each, and the field a refusal of that hole names (its prefix). */
  bodies: Array<{ text: string; field: string }>;
}

function withHole(seed: unknown, place: (body: Record<string, unknown>) => void): string {
  const body = structuredClone(seed) as Record<string, unknown>;
  place(body);
  return JSON.stringify(body);
}

const alertSeed = { service: 'checkout', summary: 'down', severity: 'critical', labels: { team: 'shop' } };
const promAlerts = (body: Record<string, unknown>) => (body.alerts as Array<Record<string, Record<string, unknown>>>)[0];

const TARGETS: Target[] = [
  {
    name: 'POST /v1/alerts',
    path: '/v1/alerts',
    auth: `Bearer ${API_KEY}`,
    bodies: [
      { text: withHole(alertSeed, (body) => (body.details = { x: '__HOSTILE__' })), field: 'body.details' },
      { text: withHole(alertSeed, (body) => (body.labels = { x: '__HOSTILE__' })), field: 'body.labels' },
      { text: withHole(alertSeed, (body) => (body.summary = '__HOSTILE__')), field: 'body.summary' },
    ],
  },
  ...INTEGRATIONS.map((source): Target => {
    const seed = adapterFixture(source).payload;
    const bodies: Target['bodies'] = [{ text: withHole(seed, (body) => (body.extra = '__HOSTILE__')), field: 'body' }];
    if (source === 'alertmanager' || source === 'grafana') {
      bodies.push({ text: withHole(seed, (body) => (promAlerts(body).labels.x = '__HOSTILE__')), field: 'body.alerts' });
      bodies.push({ text: withHole(seed, (body) => (promAlerts(body).annotations.summary = '__HOSTILE__')), field: 'body.alerts' });
    }
    if (source === 'generic') bodies.push({ text: withHole(seed, (body) => (body.details = { x: '__HOSTILE__' })), field: 'body.details' });
    if (source === 'pagerduty') bodies.push({ text: withHole(seed, (body) => ((body.payload as Record<string, unknown>).custom_details = { x: '__HOSTILE__' })), field: 'body.payload' });
    if (source === 'datadog') bodies.push({ text: withHole(seed, (body) => (body.body = '__HOSTILE__')), field: 'body.body' });
    return { name: `POST /v1/integrations/${source}`, path: `/v1/integrations/${source}`, auth: 'Bearer token', bodies };
  }),
];

const deepArrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const deepObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** Raw JSON texts for the hole; `deep` marks those nested past the limits, which must be refused. */
const HOSTILE: Array<{ name: string; json: string; deep?: true }> = [
  { name: '5,000 nested arrays', json: deepArrays(5_000), deep: true },
  { name: '5,000 nested objects', json: deepObjects(5_000), deep: true },
  { name: 'arrays just past the body depth', json: deepArrays(INPUT_LIMITS.jsonBodyDepth + 1), deep: true },
  { name: 'arrays past the details depth, within the body depth', json: deepArrays(INPUT_LIMITS.detailsDepth + 2) },
  { name: 'a 1 MB string', json: JSON.stringify('x'.repeat(1024 * 1024)) },
  { name: 'a 200 KB string', json: JSON.stringify('y'.repeat(200 * 1024)) },
  { name: 'lone surrogates', json: '"\\ud800 high, low \\udc00, reversed \\udc00\\ud800"' },
  { name: 'a lone surrogate as a key', json: '{"\\ud83d":"\\ude00"}' },
  { name: 'NUL and control characters', json: '"\\u0000\\r\\n\\u001b[31m"' },
  { name: '1e400', json: '1e400' },
  { name: 'a 5,000-digit number', json: '9'.repeat(5_000) },
  { name: 'a long negative fraction', json: `-0.${'0'.repeat(3_000)}1e-400` },
  { name: 'duplicate keys', json: '{"a":"1","a":{"a":"2"},"a":"3"}' },
  { name: '__proto__ and constructor keys', json: '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"toString":"*"}' },
];

/** Whole-body tricks on a valid body: duplicate keys and prototype keys at the top level. */
function topLevelVariants(text: string): Array<{ name: string; text: string }> {
  return [
    { name: 'duplicate top-level keys', text: text.replace('{', '{"summary":"first","severity":"nonsense",') },
    { name: '__proto__ at the top', text: text.replace('{', '{"__proto__":{"service":"evil","polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},') },
  ];
}

const fake = createFakeGateway();
let server: Server;
let url: string;
let store: SqlStore;
let spool: AlertSpool;
const crashes: unknown[] = [];
const onCrash = (error: unknown) => crashes.push(error);

beforeAll(async () => {
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  store = await openSqlStore({});
  spool = await createAlertSpool(store);
  const app = createApp({
    spool,
    events: createEventLog(store),
    maintenance: createMaintenanceWindows(store),
    groups: createAlertGroups(store),
    gateway: fake.gateway,
    config,
    apiKeys: new Map([[API_KEY, { user: 'alice', role: 'operations-manager' }]]),
    publicUrl: 'https://vigil.example.test',
    logger: pino({ level: 'silent' }),
    env: { TOKEN: 'token' },
  });
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  process.off('unhandledRejection', onCrash);
  process.off('uncaughtException', onCrash);
  await new Promise((resolve) => server?.close(resolve));
  await store?.close();
});

interface Answer {
  status: number;
  body: { error?: string; details?: Array<{ field?: unknown; message?: unknown }> } | undefined;
}

async function post(target: Target, text: string): Promise<Answer> {
  // A request the old code never answered must fail here, not hang the run.
  const response = await fetch(`${url}${target.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: target.auth },
    body: text,
    signal: AbortSignal.timeout(10_000),
  });
  const raw = await response.text();
  let body: Answer['body'];
  try {
    body = JSON.parse(raw) as Answer['body'];
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

/** A 2xx, or a 4xx in JSON naming at least one field; returns the named fields. */
function expectHeldOrFieldNamed(answer: Answer, what: string): string[] {
  if (answer.status >= 200 && answer.status < 300) return [];
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)?.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)?.slice(0, 300)}`).toBeLessThan(500);
  const fields = (answer.body?.details ?? []).map((detail) => detail.field);
  expect(fields.length, `${what}: a 4xx must name the field: ${JSON.stringify(answer.body)?.slice(0, 300)}`).toBeGreaterThan(0);
  for (const field of fields) expect(typeof field === 'string' && field.length > 0, what).toBe(true);
  return fields as string[];
}

describe('hostile JSON through the real app', () => {
  for (const temporal of ['up', 'down'] as const) {
    it(`keeps the process alive and answers every request, Temporal ${temporal}`, async () => {
      fake.state.available = temporal === 'up';
      let held = 0;
      for (const target of TARGETS) {
        for (const { text, field } of target.bodies) {
          for (const hostile of HOSTILE) {
            const what = `${target.name} with ${hostile.name} at ${field}`;
            const answer = await post(target, text.replace(HOLE, hostile.json));
            const fields = expectHeldOrFieldNamed(answer, what);
            if (hostile.deep) {
              expect(answer.status, what).toBe(400);
              expect(fields.some((named) => named.startsWith(field)), `${what}: named ${fields.join(', ')}`).toBe(true);
              expect(answer.body?.details?.[0]?.message, what).toMatch(/too deep/);
            }
            if (answer.status < 300) held += 1;
          }
          for (const variant of topLevelVariants(text.replace(HOLE, '"plain"'))) {
            const answer = await post(target, variant.text);
            if (expectHeldOrFieldNamed(answer, `${target.name} with ${variant.name}`).length === 0) held += 1;
          }
        }
      }
      // Plenty of hostile-but-valid bodies were held, so the harness did not refuse everything.
      expect(held).toBeGreaterThan(20);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // Let any stray rejection surface before looking.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(crashes.map(String)).toEqual([]);
      if (temporal === 'down') expect((await spool.stats()).depth).toBeGreaterThan(0);
      fake.state.available = true;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    }, 120_000);
  }

  it('answers random JSON in details with a 2xx or a 4xx naming the field', async () => {
    const target = TARGETS[0];
    const random = seededRandom(20261129);
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 12 }), async (value) => {
        fake.state.available = random() < 0.7;
        const answer = await post(target, JSON.stringify({ ...alertSeed, details: { value } }));
        expectHeldOrFieldNamed(answer, `details ${JSON.stringify(value).slice(0, 200)}`);
      }),
      { numRuns: 150, seed: 20261129 },
    );
    fake.state.available = true;
    expect(crashes.map(String)).toEqual([]);
  }, 120_000);
  it("never takes a word naming one of Object's own properties for a severity or a transition", async () => {
    fake.state.available = true;
    // Nothing spooled by the tests before: new alerts would wait behind it instead of reaching the gateway.
    await store.query('DELETE FROM alert_spool');
    const words = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
    const bodies = words.flatMap((word) => [
      { what: `/v1/alerts severity ${word}`, path: '/v1/alerts', auth: `Bearer ${API_KEY}`, body: { ...alertSeed, severity: word } },
      { what: `alertmanager severity label ${word}`, path: '/v1/integrations/alertmanager', auth: 'Bearer token', body: withHole(adapterFixture('alertmanager').payload, (body) => (promAlerts(body).labels.severity = word)) },
      { what: `grafana severity label ${word}`, path: '/v1/integrations/grafana', auth: 'Bearer token', body: withHole(adapterFixture('grafana').payload, (body) => (promAlerts(body).labels.severity = word)) },
      { what: `pagerduty severity ${word}`, path: '/v1/integrations/pagerduty', auth: 'Bearer token', body: withHole(adapterFixture('pagerduty').payload, (body) => ((body.payload as Record<string, unknown>).severity = word)) },
      { what: `datadog transition ${word}`, path: '/v1/integrations/datadog', auth: 'Bearer token', body: withHole(adapterFixture('datadog').payload, (body) => (body.alert_transition = word)) },
      { what: `datadog title tag ${word}`, path: '/v1/integrations/datadog', auth: 'Bearer token', body: withHole(adapterFixture('datadog').payload, (body) => ((body.title = `[${word}] disk full`), delete body.alert_transition)) },
      { what: `datadog priority ${word}`, path: '/v1/integrations/datadog', auth: 'Bearer token', body: withHole(adapterFixture('datadog').payload, (body) => (body.alert_priority = word)) },
    ]);
    const before = fake.submitted.length;
    let held = 0;
    for (const { what, path, auth, body } of bodies) {
      const answer = await post({ name: what, path, auth, bodies: [] }, typeof body === 'string' ? body : JSON.stringify(body));
      if (expectHeldOrFieldNamed(answer, what).length === 0) held += 1;
    }
    const severities = fake.submitted.slice(before).map((alert) => alert.severity);
    expect(held).toBeGreaterThan(0);
    expect(severities.length).toBeGreaterThan(0);
    for (const severity of severities) expect(SEVERITIES).toContain(severity);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(crashes.map(String)).toEqual([]);
  });
});
