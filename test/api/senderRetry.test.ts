/**
 * A sender's retry counts once (issue 12, point 3): the same request posted to two replicas makes
 * the same alert ids, so the incident workflow (which counts an id once) and the event log (one
 * row per id) count it once. Ids come from the sender's own identity where its format has one,
 * an Idempotency-Key header, or else a digest of the body within a window.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { alertIdsFor, canonicalJson, uuidFromParts } from '../../api/intake/alertIdentity';
import { cloudwatchAdapter } from '../../api/adapters/cloudwatch';
import { parseConfig } from '../../domain/config';
import { startReplicas } from '../../devkit/replicas';
import { API_KEY } from '../../devkit/testApp';

const config = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
    integrations: {
      pd: { source: 'pagerduty', service: 'checkout', tokenEnv: 'PD_KEY' },
      am: { source: 'alertmanager', service: 'checkout', tokenEnv: 'AM_KEY' },
      dd: { source: 'datadog', service: 'checkout', tokenEnv: 'DD_KEY' },
    },
    eventPolicy: { rules: [{ name: 'info-events', match: { severity: 'info' }, action: 'event' }] },
  },
  'test',
);
const env = { PD_KEY: 'pd-routing-key-000000000000000000', AM_KEY: 'am-key', DD_KEY: 'dd-key' };

let cluster: Awaited<ReturnType<typeof startReplicas>> | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
const auth = { authorization: `Bearer ${API_KEY}` };
const ids = () => (cluster?.taken ?? []).map((item) => item.alert.id);

describe('a sender retrying on another replica', () => {
  it('makes the same alert id from the same body, and a new one for another body', { timeout: 120_000 }, async () => {
    cluster = await startReplicas({ count: 2, config, env });
    const [a, b] = cluster.replicas;
    const alert = { service: 'checkout', summary: 'disk full', severity: 'critical', dedupKey: 'disk' };
    expect((await post(a.url, '/v1/alerts', alert, auth)).status).toBe(202);
    // The retry, keys in another order (the digest is of canonical JSON).
    expect((await post(b.url, '/v1/alerts', { dedupKey: 'disk', severity: 'critical', summary: 'disk full', service: 'checkout' }, auth)).status).toBe(202);
    expect((await post(b.url, '/v1/alerts', { ...alert, summary: 'disk fuller' }, auth)).status).toBe(202);
    const [first, retry, other] = ids();
    expect(retry).toBe(first);
    expect(other).not.toBe(first);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps one event-log row for an event retried on the other replica', async () => {
    cluster = await startReplicas({ count: 2, config, env });
    const [a, b] = cluster.replicas;
    const info = { service: 'checkout', summary: 'deploy finished', severity: 'info' };
    const first = await post(a.url, '/v1/alerts', info, auth);
    const retry = await post(b.url, '/v1/alerts', info, auth);
    expect(first.body).toMatchObject({ status: 'event' });
    expect(retry.body).toMatchObject({ status: 'event', eventId: first.body.eventId });
    expect(await cluster.events.list({ service: 'checkout', limit: 10 })).toHaveLength(1);
  });

  it('takes an Idempotency-Key: the same key and body count once, another key counts again', async () => {
    cluster = await startReplicas({ count: 2, config, env });
    const [a, b] = cluster.replicas;
    const alert = { service: 'checkout', summary: 'queue backlog', severity: 'critical' };
    await post(a.url, '/v1/alerts', alert, { ...auth, 'idempotency-key': '"req-1"' });
    await post(b.url, '/v1/alerts', alert, { ...auth, 'idempotency-key': 'req-1' });
    await post(b.url, '/v1/alerts', alert, { ...auth, 'idempotency-key': 'req-2' });
    const [first, retry, next] = ids();
    expect(retry).toBe(first);
    expect(next).not.toBe(first);

    const pd = { routing_key: env.PD_KEY, event_action: 'trigger', dedup_key: 'db', payload: { summary: 'db down', source: 'db1', severity: 'critical' } };
    await post(a.url, '/v2/enqueue', pd, { 'idempotency-key': 'pd-1' });
    await post(b.url, '/v2/enqueue', pd, { 'idempotency-key': 'pd-1' });
    await post(b.url, '/v2/enqueue', pd, { 'idempotency-key': 'pd-2' });
    const [, , , pdFirst, pdRetry, pdNext] = ids();
    expect(pdRetry).toBe(pdFirst);
    expect(pdNext).not.toBe(pdFirst);

    const bad = await post(a.url, '/v1/alerts', alert, { ...auth, 'idempotency-key': 'x'.repeat(300) });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ details: [{ field: 'headers.idempotency-key' }] });
  });

  it('counts an identical body again once the window has passed', async () => {
    cluster = await startReplicas({ count: 2, config, env, retryWindowSeconds: 1 });
    const [a, b] = cluster.replicas;
    const pd = { routing_key: env.PD_KEY, event_action: 'trigger', dedup_key: 'db', payload: { summary: 'db down', source: 'db1', severity: 'critical' } };
    await post(a.url, '/v2/enqueue', pd);
    await post(b.url, '/v2/enqueue', pd);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await post(b.url, '/v2/enqueue', pd);
    const [first, retry, later] = ids();
    expect(retry).toBe(first);
    expect(later).not.toBe(first);
  });

  it('uses Alertmanager\'s group, fingerprints, status and start: a bigger notification of the group repeats the known alert\'s id', async () => {
    cluster = await startReplicas({ count: 2, config, env });
    const [a, b] = cluster.replicas;
    const amAlert = (fingerprint: string, status = 'firing') => ({
      status,
      labels: { alertname: `A-${fingerprint}`, service: 'checkout' },
      annotations: { summary: fingerprint },
      startsAt: '2026-11-29T10:00:00Z',
      ...(status === 'resolved' ? { endsAt: '2026-11-29T10:05:00Z' } : {}),
      fingerprint,
    });
    const group = (alerts: unknown[], status = 'firing') => ({ version: '4', groupKey: '{}:{alertname="A"}', status, receiver: 'vigil', externalURL: 'http://am', alerts });
    const headers = { authorization: `Bearer ${env.AM_KEY}` };
    await post(a.url, '/v1/integrations/am', group([amAlert('f1')]), headers);
    await post(b.url, '/v1/integrations/am', group([amAlert('f1'), amAlert('f2')]), headers);
    await post(b.url, '/v1/integrations/am', group([amAlert('f1', 'resolved')], 'resolved'), headers);
    const [f1, f1Again, f2, f1Resolved] = ids();
    expect(f1Again).toBe(f1);
    expect(new Set([f1, f2, f1Resolved]).size).toBe(3);
  });

  it('uses Datadog\'s event id', async () => {
    cluster = await startReplicas({ count: 2, config, env });
    const [a, b] = cluster.replicas;
    const event = { title: '[Triggered] CPU high on web-1', body: 'cpu > 90', id: '7000000000000000001', date: '1764410000000' };
    const headers = { authorization: `Bearer ${env.DD_KEY}` };
    await post(a.url, '/v1/integrations/dd', event, headers);
    // Datadog's own retry of the event, even with a body reshaped by another template version.
    await post(b.url, '/v1/integrations/dd', { ...event, body: 'cpu > 90 (retry)' }, headers);
    await post(b.url, '/v1/integrations/dd', { ...event, id: '7000000000000000002', date: '1764410600000' }, headers);
    const [first, retry, next] = ids();
    expect(retry).toBe(first);
    expect(next).not.toBe(first);
  });
});

describe('alert identity', () => {
  it('uses the SNS MessageId of a CloudWatch alarm, and derives ids without a store from sender ids', async () => {
    const message = JSON.stringify({ AlarmName: 'cpu', NewStateValue: 'ALARM', AlarmArn: 'arn:aws:cloudwatch:eu-west-1:1:alarm:cpu' });
    const parse = (messageId: string) => cloudwatchAdapter.parse({ Type: 'Notification', MessageId: messageId, Message: message }, { defaultService: 'checkout' });
    const [once, again, other] = await Promise.all(['m-1', 'm-1', 'm-2'].map((messageId) => alertIdsFor({}, parse(messageId), 'cw', { route: 'sns', body: {} }, new Date())));
    expect(again).toEqual(once);
    expect(other).not.toEqual(once);
  });

  it('reads bodies in canonical JSON and makes version-8 UUIDs', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }, null] })).toBe('{"a":[{"d":2},null],"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(uuidFromParts('x', 'y')).toBe(uuidFromParts('x', 'y'));
    // Parts are kept apart: moving a boundary makes another id.
    expect(uuidFromParts('xy', '')).not.toBe(uuidFromParts('x', 'y'));
    expect(uuidFromParts('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
