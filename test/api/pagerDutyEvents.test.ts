import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../domain/config';
import type { createFakeGateway } from '../../devkit/fakeGateway';
import { adapterFixture } from '../support/fixtures';
import { startTestApp } from '../../devkit/testApp';

const ROUTING_KEY = 'R0UT1NGKEY0000000000000000000000';
const config = parseConfig(
  {
    services: {},
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '5m' }] } },
    integrations: { pd: { source: 'pagerduty', service: 'checkout', tokenEnv: 'PD_KEY' }, prom: { source: 'alertmanager', tokenEnv: 'PROM_KEY' } },
  },
  'test',
);

let app: Awaited<ReturnType<typeof startTestApp>>;
let url: string;
let fake: ReturnType<typeof createFakeGateway>;

beforeAll(async () => {
  app = await startTestApp({ config, apiKeys: new Map(), env: { PD_KEY: ROUTING_KEY, PROM_KEY: 'prom-key' } });
  ({ url, fake } = app);
});

afterAll(async () => {
  await app.close();
});

function enqueue(event: Record<string, unknown>, contentType = 'application/json') {
  return fetch(`${url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify(event) });
}

const trigger: Record<string, unknown> = { ...(adapterFixture('pagerduty').payload as Record<string, unknown>), routing_key: ROUTING_KEY, dedup_key: 'disk-prod-datapipe03' };

describe('PagerDuty Events v2 endpoint', () => {
  it('takes a trigger as PagerDuty would, answering 202 with the dedup key', async () => {
    const response = await enqueue(trigger);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'disk-prod-datapipe03' });
    expect(fake.submitted.at(-1)).toMatchObject({ service: 'checkout', source: 'pagerduty', severity: 'critical', dedupKey: 'disk-prod-datapipe03' });
  });

  it('makes a dedup key when a trigger has none, and accepts a body sent without a JSON content type', async () => {
    const { dedup_key: _omitted, ...withoutKey } = trigger;
    const response = await enqueue(withoutKey, 'text/plain');
    expect(response.status).toBe(202);
    const { dedup_key } = (await response.json()) as { dedup_key: string };
    expect(dedup_key).toMatch(/^auto-/);
    expect(fake.submitted.at(-1)?.dedupKey).toBe(dedup_key);
  });

  it('acknowledges and resolves by dedup key', async () => {
    const opened = fake.open({ ...fake.submitted[0], id: 'x', service: 'checkout', dedupKey: 'to-ack' });
    const ack = await enqueue({ routing_key: ROUTING_KEY, event_action: 'acknowledge', dedup_key: 'to-ack' });
    expect(ack.status).toBe(202);
    expect(fake.incidents.get(opened.id)?.status).toBe('acknowledged');
    const resolve = await enqueue({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'to-ack' });
    expect(resolve.status).toBe(202);
    expect(fake.sourceResolved.at(-1)?.dedupKey).toBe('to-ack');
  });

  it.each([
    ['an unknown routing key', { ...trigger, routing_key: 'nope' }],
    ["another source's token", { ...trigger, routing_key: 'prom-key' }],
    ['no routing key', { ...trigger, routing_key: undefined }],
  ])('refuses %s with 401 in both error shapes', async (_name, event) => {
    const response = await enqueue(event);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ status: 'invalid event', message: 'Invalid routing key', details: [{ field: 'body.routing_key' }] });
  });

  it.each([
    ['a bad event_action', { ...trigger, event_action: 'explode' }, 'body.event_action'],
    ['a trigger without payload', { ...trigger, payload: undefined }, 'body.payload'],
    ['a resolve without dedup_key', { routing_key: ROUTING_KEY, event_action: 'resolve' }, 'body.dedup_key'],
    ['an unknown severity', { ...trigger, payload: { ...(trigger.payload as object), severity: 'meh' } }, 'body.payload.severity'],
  ])('refuses %s with 400 naming the field, as PagerDuty does', async (_name, event, field) => {
    const response = await enqueue(event);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { status: string; errors: string[]; details: Array<{ field: string }> };
    expect(body.status).toBe('invalid event');
    expect(body.errors[0]).toContain(field);
    expect(body.details[0].field).toBe(field);
  });
});
