import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { ConfigError, parseConfig } from '../../domain/config';
import type { createFakeGateway } from '../../devkit/fakeGateway';
import { adapterFixture } from '../support/fixtures';
import { startTestApp, testConfig, AUTH, METRICS_AUTH } from '../../devkit/testApp';
import { incidentWorkflowId } from '../../domain/alert';

const TOKEN = 'am-token-for-tests';
const config = parseConfig(
  {
    services: {},
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '5m' }] } },
    integrations: {
      prom: { source: 'alertmanager', tokenEnv: 'PROM_TOKEN' },
      cron: { source: 'generic', service: 'batch', tokenEnv: 'CRON_TOKEN' },
      grafana: { source: 'generic', service: 'web', tokenEnv: 'GRAFANA_TOKEN', basicAuthUser: 'grafana' },
      unified: { source: 'grafana', service: 'platform', tokenEnv: 'UNIFIED_TOKEN', groupBySender: false },
      dd: { source: 'datadog', tokenEnv: 'DD_TOKEN' },
      'dd-default': { source: 'datadog', service: 'checkout', tokenEnv: 'DD_TOKEN' },
    },
  },
  'test',
);

let app: Awaited<ReturnType<typeof startTestApp>>;
let url: string;
let fake: ReturnType<typeof createFakeGateway>;

beforeAll(async () => {
  app = await startTestApp({ config, apiKeys: new Map(), env: { PROM_TOKEN: TOKEN, CRON_TOKEN: 'cron-token', GRAFANA_TOKEN: 'grafana-pass', UNIFIED_TOKEN: 'unified-token', DD_TOKEN: 'dd-token' } });
  ({ url, fake } = app);
});

afterAll(async () => {
  await app.close();
});

function send(path: string, body: unknown, token?: string, authorization = token && `Bearer ${token}`) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  return fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

describe('integrations', () => {
  it('opens incidents for firing Alertmanager alerts and notes resolved ones, token as a Bearer header', async () => {
    const before = fake.submitted.length;
    const response = await send('/v1/integrations/prom', adapterFixture('alertmanager').payload, TOKEN);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { alerts: number; incidentIds: string[]; openIncidentsUpdated: number };
    expect(body.alerts).toBe(2);
    expect(body.incidentIds).toHaveLength(1);
    expect(fake.submitted.slice(before).map((alert) => `${alert.source}/${alert.service}/${alert.dedupKey}`)).toEqual(['alertmanager/checkout/am-1a30ba71cca2921f']);
    expect(fake.sourceResolved.at(-1)?.dedupKey).toBe('am-9c1b2e8f00aa31d4');
  });

  it('accepts the token at the end of the path for senders that cannot set headers', async () => {
    const response = await send('/v1/integrations/cron/cron-token', { summary: 'backup failed', severity: 'warning' });
    expect(response.status).toBe(202);
    expect(fake.submitted.at(-1)).toMatchObject({ service: 'batch', severity: 'warning' });
  });

  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('accepts the token as the password of Basic auth, with any user name unless one is configured', async () => {
    expect((await send('/v1/integrations/cron', { summary: 'backup failed', severity: 'warning' }, undefined, basic('anyone', 'cron-token'))).status).toBe(202);
    expect((await send('/v1/integrations/grafana', { summary: 'slow', severity: 'warning' }, undefined, basic('grafana', 'grafana-pass'))).status).toBe(202);
    expect(fake.submitted.at(-1)).toMatchObject({ service: 'web' });
    const wrongUser = await send('/v1/integrations/grafana', { summary: 'slow', severity: 'warning' }, undefined, basic('mallory', 'grafana-pass'));
    expect(wrongUser.status).toBe(401);
    expect(wrongUser.headers.get('www-authenticate')).toContain('Basic');
    expect((await send('/v1/integrations/cron', { summary: 'x', severity: 'info' }, undefined, basic('anyone', 'wrong'))).status).toBe(401);
    expect((await send('/v1/integrations/cron', { summary: 'x', severity: 'info' }, undefined, 'Basic not-base64-@@')).status).toBe(401);
  });

  it.each([
    ['no token', '/v1/integrations/prom', undefined],
    ['a wrong token', '/v1/integrations/prom', 'nope'],
    ["another integration's token", '/v1/integrations/prom', 'cron-token'],
    ['an unknown integration', '/v1/integrations/ghost', TOKEN],
    ['a wrong path token', '/v1/integrations/prom/nope', undefined],
  ])('refuses %s with 401 and starts nothing', async (_name, path, token) => {
    const before = fake.submitted.length;
    const response = await send(path, adapterFixture('alertmanager').payload, token);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('authorization');
    expect(fake.submitted.length).toBe(before);
  });

  it('counts refused requests in metrics, unknown integrations under one label', async () => {
    await send('/v1/integrations/zzz-random', {}, 'x');
    const text = await (await fetch(`${url}/metrics`, { headers: METRICS_AUTH })).text();
    expect(text).toMatch(/vigil_integration_auth_failures_total\{integration="prom"\} [1-9]/);
    expect(text).toMatch(/vigil_integration_auth_failures_total\{integration="unknown"\} [1-9]/);
    expect(text).not.toContain('zzz-random');
  });

  it('refuses a payload of the wrong shape, naming the field', async () => {
    const response = await send('/v1/integrations/prom', { version: '4', status: 'firing', alerts: [{ status: 'firing' }] }, TOKEN);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('body.alerts.0.labels');
  });

  it('takes Grafana set to PUT: the firing notification opens one incident, the resolved one reaches it', async () => {
    const put = (path: string, body: unknown) =>
      fetch(`${url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: 'Bearer unified-token' }, body: JSON.stringify(body) });
    const before = fake.submitted.length;
    const firing = await put('/v1/integrations/unified', adapterFixture('grafana').payload);
    expect(firing.status).toBe(202);
    expect(((await firing.json()) as { incidentIds: string[] }).incidentIds).toHaveLength(1);
    const opened = fake.submitted.slice(before);
    expect(opened).toHaveLength(1);
    const resolved = await put('/v1/integrations/unified', adapterFixture('grafana', 'resolved').payload);
    expect(resolved.status).toBe(202);
    expect(await resolved.json()).toMatchObject({ incidentIds: [], openIncidentsUpdated: 1 });
    expect(fake.submitted.length).toBe(before + 1);
    expect(incidentWorkflowId(fake.sourceResolved.at(-1)!)).toBe(incidentWorkflowId(opened[0]));
    expect(fake.sourceResolved.at(-1)?.details).toMatchObject({ valueString: expect.stringContaining('value=12.5') });
  });

  it.each([
    ['the recommended custom payload', 'dd', 'custom'],
    ['the default payload', 'dd-default', 'default'],
  ])('Datadog with %s: Triggered then Recovered (another title) opens one incident and ends its alert', async (_name, integration, variant) => {
    const before = fake.submitted.length;
    const triggered = await send(`/v1/integrations/${integration}/dd-token`, adapterFixture('datadog', `${variant}-triggered`).payload);
    expect(triggered.status).toBe(202);
    const [incidentId] = ((await triggered.json()) as { incidentIds: string[] }).incidentIds;
    expect(incidentId).toBeDefined();
    const recovered = await send(`/v1/integrations/${integration}/dd-token`, adapterFixture('datadog', `${variant}-recovered`).payload);
    expect(recovered.status).toBe(202);
    expect(await recovered.json()).toMatchObject({ incidentIds: [], openIncidentsUpdated: 1 });
    expect(fake.submitted.length).toBe(before + 1);
    const view = fake.incidents.get(incidentId)!.view();
    expect(view.alerts?.map((alert) => alert.status)).toEqual(['resolved']);
    expect(fake.incidents.get(incidentId)!.allAlertsResolved).toBe(true);
  });

  it('refuses PUT on an integration whose sender only POSTs', async () => {
    const response = await fetch(`${url}/v1/integrations/cron/cron-token`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ summary: 'x', severity: 'info' }) });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('refuses to start with an integration whose source has no adapter', () => {
    const bad = parseConfig({ ...testConfig, integrations: { x: { source: 'nagios', tokenEnv: 'X' } } }, 'test');
    expect(() => createApp({ gateway: fake.gateway, config: bad, apiKeys: new Map(), publicUrl: 'https://x', logger: pino({ level: 'silent' }) })).toThrow(ConfigError);
  });
});
