/**
 * ntfy pages against a loopback server speaking ntfy's JSON publish API: the payload, priority by
 * urgency, the person's token, a failed publish, exactly once after a crash, and the Acknowledge
 * and Resolve buttons posted to Vigil's API as the ntfy app would.
 */
import { z } from 'zod';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notify';
import { ntfySequenceId } from '../../activities/channels/ntfy';
import { createSqlDeliveryLog } from '../../activities/transports/sqlDeliveryLog';
import { createNtfyTransport } from '../../activities/transports/ntfyPublish';
import { createUsedAckLinks } from '../../api/records/usedAckLinks';
import { formatNtfyAddress, ntfyChannel, parseNtfyAddress, type NtfyHttpAction } from '../../domain/channels/ntfy';
import type { NotificationRequest } from '../../domain/notification';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { makeAlert } from '../../devkit/alerts';
import { startFakeNtfy, type FakeNtfy } from '../../devkit/fakeNtfy';
import { startTestApp } from '../../devkit/testApp';

const TOKEN = 'tk_alice_topic_token';
const LINK_SECRET = 'ntfy-link-secret';
const PUBLIC_URL = 'https://vigil.example.test';

let store: SqlStore;
let ntfy: FakeNtfy;
beforeAll(async () => {
  store = await openSqlStore({});
  ntfy = await startFakeNtfy({ tokens: { 'alice-pages': TOKEN, 'alice-writeonly': TOKEN }, writeOnly: ['alice-writeonly'] });
});
afterAll(async () => {
  await ntfy.close();
  await store.close();
});
beforeEach(async () => {
  await store.query('TRUNCATE notification_deliveries');
  ntfy.messages.length = 0;
  ntfy.failNext();
});

const aliceTopic = (topic = 'alice-pages') => formatNtfyAddress({ serverUrl: ntfy.baseUrl, topic, tokenEnv: 'ALICE_NTFY_TOKEN' });

function request(idempotencyKey: string, overrides: Partial<NotificationRequest> = {}, address = aliceTopic()): NotificationRequest {
  return {
    idempotencyKey,
    kind: 'page',
    channel: 'ntfy',
    responder: { id: 'alice', name: 'Alice', email: 'alice@example.test', addresses: { ntfy: address } },
    incident: { id: 'checkout:db-down', code: '7KQ2MX', service: 'checkout', severity: 'critical', summary: 'database unreachable', status: 'triggered', alertCount: 1, level: 1, runbookLines: [] },
    ...overrides,
  };
}

const activitiesWith = (options: { env?: NodeJS.ProcessEnv; publicUrl?: string; linkSecret?: string } = {}) =>
  createNotifyActivities({
    email: { name: 'unused', send: () => Promise.reject(new Error('no email expected')) },
    sms: { name: 'unused', send: () => Promise.reject(new Error('no SMS expected')) },
    voice: { name: 'unused', call: () => Promise.reject(new Error('no call expected')) },
    ntfy: createNtfyTransport(options.env ?? { ALICE_NTFY_TOKEN: TOKEN }),
    webhook: { name: 'unused', post: () => Promise.reject(new Error('no webhook expected')) },
    deliveries: createSqlDeliveryLog(store),
    publicUrl: options.publicUrl ?? PUBLIC_URL,
    linkSecret: options.linkSecret ?? LINK_SECRET,
  });
const attempt = () => new MockActivityEnvironment({ startToCloseTimeoutMs: 30_000 });
const deliver = (req: NotificationRequest, options?: Parameters<typeof activitiesWith>[0]) => attempt().run(activitiesWith(options).deliverNotification, req);

describe('the ntfy address in config', () => {
  it('is a topic URL, or a topic URL with the name of the variable holding its token; never the token', () => {
    expect(ntfyChannel.addressSchema(z).parse('https://ntfy.example.org/alice-pages')).toBe('https://ntfy.example.org/alice-pages');
    const withToken = ntfyChannel.addressSchema(z).parse({ topic: 'https://ntfy.example.org/alice-pages', tokenEnv: 'ALICE_NTFY_TOKEN' });
    expect(parseNtfyAddress(withToken)).toEqual({ serverUrl: 'https://ntfy.example.org', topic: 'alice-pages', tokenEnv: 'ALICE_NTFY_TOKEN' });
    expect(parseNtfyAddress(ntfyChannel.addressSchema(z).parse('https://example.org/push/alice_1'))).toEqual({ serverUrl: 'https://example.org/push', topic: 'alice_1' });
    for (const bad of ['ntfy.example.org/alice', 'https://ntfy.example.org/', 'https://ntfy.example.org/a?b=1', 'ftp://ntfy.example.org/alice', 'https://u:p@ntfy.example.org/alice']) {
      expect(ntfyChannel.addressSchema(z).safeParse(bad).success, bad).toBe(false);
    }
    expect(ntfyChannel.addressSchema(z).safeParse({ topic: 'https://ntfy.example.org/alice', tokenEnv: 'tk_secret-value' }).success).toBe(false);
    expect(ntfyChannel.addressSchema(z).safeParse({ topic: 'https://ntfy.example.org/alice', token: 'tk_x' }).success).toBe(false);
  });
});

describe('ntfy pages through the JSON publish API', () => {
  it('publishes to the topic with the person token, priority 5, tags, the dashboard link, and Acknowledge and Resolve buttons', async () => {
    expect(await deliver(request('k-ntfy-1'))).toBe('sent via ntfy');
    expect(ntfy.messages).toHaveLength(1);
    const [published] = ntfy.messages;
    expect(published.authorization).toBe(`Bearer ${TOKEN}`);
    const { actions, ...fields } = published.body as { actions: NtfyHttpAction[] } & Record<string, unknown>;
    expect(fields).toEqual({
      topic: 'alice-pages',
      sequence_id: ntfySequenceId('k-ntfy-1'),
      title: '[7KQ2MX] Page: critical checkout',
      message: 'database unreachable\nService checkout, critical, code 7KQ2MX.\nEscalation level 1.',
      priority: 5,
      tags: ['rotating_light', 'critical'],
      click: `${PUBLIC_URL}/dashboard/incidents/checkout%3Adb-down`,
    });
    expect(actions.map(({ url: _url, ...action }) => action)).toEqual([
      { action: 'http', label: 'Acknowledge', method: 'POST', clear: true },
      { action: 'http', label: 'Resolve', method: 'POST', clear: true },
    ]);
    for (const action of actions) expect(action.url).toMatch(new RegExp(`^${PUBLIC_URL}/v1/ack/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
    expect(actions[0].url).not.toBe(actions[1].url);
  });

  it('pages a low-urgency page at default priority, tells news lower, and carries buttons on pages only', async () => {
    await deliver(request('k-ntfy-low', { urgency: 'low' }));
    await deliver(request('k-ntfy-due', { kind: 'update-due' }));
    await deliver(request('k-ntfy-ack', { kind: 'acknowledged', incident: { ...request('x').incident, acknowledgedBy: 'Bob (api)' } }));
    expect(ntfy.messages.map((message) => [message.body.priority, message.body.actions === undefined])).toEqual([
      [3, false],
      [2, true],
      [2, true],
    ]);
    expect(ntfy.messages[2].body.message).toContain('Acknowledged by Bob (api).');
  });

  it('publishes without buttons when no link secret is configured (nothing could verify them)', async () => {
    await deliver(request('k-ntfy-nolinks'), { linkSecret: '' });
    expect(ntfy.messages[0].body.actions).toBeUndefined();
  });

  it('fails without retrying when ntfy refuses the token (4xx) or the variable is not set, and retries a 5xx', async () => {
    await expect(deliver(request('k-ntfy-401'), { env: { ALICE_NTFY_TOKEN: 'wrong' } })).rejects.toMatchObject({ type: 'NtfyPublishError', nonRetryable: true });
    await expect(deliver(request('k-ntfy-noenv'), { env: {} })).rejects.toMatchObject({ type: 'NtfyPublishError', nonRetryable: true });
    ntfy.failNext(503);
    await expect(deliver(request('k-ntfy-503'))).rejects.toMatchObject({ type: 'NtfyPublishError', nonRetryable: false, message: 'ntfy transport error: NtfyPublishError status 503' });
    expect(ntfy.messages).toHaveLength(0);
    // The retry goes out, once.
    expect(await deliver(request('k-ntfy-503'))).toBe('sent via ntfy');
    expect(ntfy.messages).toHaveLength(1);
  });

  it('counts an unreachable server as a failure Temporal retries (then the workflow falls back)', async () => {
    const gone = await startFakeNtfy();
    await gone.close();
    const address = formatNtfyAddress({ serverUrl: gone.baseUrl, topic: 'alice-pages' });
    await expect(deliver(request('k-ntfy-gone', {}, address))).rejects.toMatchObject({ nonRetryable: false });
  });

  it('after a crash between publishing and recording it, a retry finds the message in the topic and does not push twice', async () => {
    const deliveries = createSqlDeliveryLog(store);
    await deliveries.claim('k-ntfy-crash', 'ntfy', 'dead-attempt', 60_000);
    const sent = await createNtfyTransport({ ALICE_NTFY_TOKEN: TOKEN }).publish(parseNtfyAddress(aliceTopic())!, ntfyChannel.render(request('k-ntfy-crash'), { publicUrl: PUBLIC_URL }), ntfySequenceId('k-ntfy-crash'));
    // The attempt dies here: its intent stays unconfirmed.
    await deliveries.release('k-ntfy-crash', 'dead-attempt');
    expect(await deliver(request('k-ntfy-crash'))).toBe('already sent');
    expect(ntfy.messages).toHaveLength(1);
    const [row] = await store.query<{ provider_id: string; state: string }>(`SELECT provider_id, state FROM notification_deliveries WHERE idempotency_key = 'k-ntfy-crash'`);
    expect(row).toEqual({ provider_id: sent.id, state: 'sent' });
  });

  it('when the token may not read the topic back, a retry after a crash publishes again with the same sequence id', async () => {
    const deliveries = createSqlDeliveryLog(store);
    const address = aliceTopic('alice-writeonly');
    await deliveries.claim('k-ntfy-wo', 'ntfy', 'dead-attempt', 60_000);
    await createNtfyTransport({ ALICE_NTFY_TOKEN: TOKEN }).publish(parseNtfyAddress(address)!, ntfyChannel.render(request('k-ntfy-wo', {}, address), { publicUrl: PUBLIC_URL }), ntfySequenceId('k-ntfy-wo'));
    await deliveries.release('k-ntfy-wo', 'dead-attempt');
    expect(await deliver(request('k-ntfy-wo', {}, address))).toBe('sent via ntfy');
    // Two publishes, one sequence: ntfy 2.16+ clients show one notification, replaced in place.
    expect(ntfy.messages.map((message) => message.body.sequence_id)).toEqual([ntfySequenceId('k-ntfy-wo'), ntfySequenceId('k-ntfy-wo')]);
  });
});

describe('the Acknowledge and Resolve buttons, posted to the API as the ntfy app does', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let linkStore: SqlStore;
  beforeAll(async () => {
    linkStore = await openSqlStore({});
    app = await startTestApp({ linkSecret: LINK_SECRET, usedAckLinks: createUsedAckLinks(linkStore) });
  });
  afterAll(async () => {
    await app.close();
    await linkStore.close();
  });

  /** Pages Alice about a fresh incident through the fake ntfy; the buttons of the message published. */
  async function pageAbout(key: string) {
    const view = app.fake.open(makeAlert({ dedupKey: `ntfy-${Math.random()}` }));
    await deliver(request(key, { incident: { ...request(key).incident, id: view.id, code: view.code } }), { publicUrl: app.url });
    const actions = ntfy.messages.at(-1)?.body.actions as NtfyHttpAction[];
    const button = (label: string) => actions.find((action) => action.label === label) as NtfyHttpAction;
    return { id: view.id, acknowledge: button('Acknowledge'), resolve: button('Resolve') };
  }
  /** What the ntfy app sends for an `http` action: its method, its (empty) body, no headers of ours. */
  const press = (action: NtfyHttpAction, url = action.url) => fetch(url, { method: action.method, body: '' });

  it('Acknowledge acknowledges as the person paged, once; a tampered link is refused', async () => {
    const { id, acknowledge } = await pageAbout('k-ntfy-btn-ack');
    const [payload, mac] = new URL(acknowledge.url).pathname.replace('/v1/ack/', '').split('.');
    const tampered = `${app.url}/v1/ack/${payload}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
    expect((await press(acknowledge, tampered)).status).toBe(404);
    // A GET (a link preview) changes nothing.
    expect((await fetch(acknowledge.url)).status).toBe(200);
    expect(app.fake.incidents.get(id)?.status).toBe('triggered');
    const pressed = await press(acknowledge);
    expect(pressed.status).toBe(200);
    expect(app.fake.incidents.get(id)?.view().acknowledgedBy).toBe('Alice (ntfy button)');
    const again = await press(acknowledge);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('used already');
  });

  it('Resolve resolves as the person paged, once, and its confirm page says resolve', async () => {
    const { id, resolve, acknowledge } = await pageAbout('k-ntfy-btn-res');
    expect(await (await fetch(resolve.url)).text()).toContain('Resolve this incident?');
    expect(app.fake.incidents.get(id)?.status).toBe('triggered');
    expect((await press(resolve)).status).toBe(200);
    const view = app.fake.incidents.get(id)?.view();
    expect([view?.status, view?.resolvedBy]).toEqual(['resolved', 'Alice (ntfy button)']);
    expect((await press(resolve)).status).toBe(409);
    // Acknowledging after resolve is refused as a conflict, not a crash.
    expect((await press(acknowledge)).status).toBe(409);
  });

  it('an expired resolve link is refused and changes nothing', async () => {
    const { id, resolve } = await pageAbout('k-ntfy-btn-exp');
    // Links expire with the worker's linkTtlSeconds: one signed with a TTL in the past is refused.
    const short = createNotifyActivities({
      email: { name: 'unused', send: () => Promise.reject(new Error('no email')) },
      sms: { name: 'unused', send: () => Promise.reject(new Error('no SMS')) },
      voice: { name: 'unused', call: () => Promise.reject(new Error('no call')) },
      ntfy: createNtfyTransport({ ALICE_NTFY_TOKEN: TOKEN }),
      webhook: { name: 'unused', post: () => Promise.reject(new Error('no webhook expected')) },
      deliveries: createSqlDeliveryLog(store),
      publicUrl: app.url,
      linkSecret: LINK_SECRET,
      linkTtlSeconds: -1,
    });
    await attempt().run(short.deliverNotification, request('k-ntfy-btn-exp2', { incident: { ...request('x').incident, id } }));
    const stale = (ntfy.messages.at(-1)?.body.actions as NtfyHttpAction[]).find((action) => action.label === 'Resolve') as NtfyHttpAction;
    expect((await press(stale)).status).toBe(410);
    expect(app.fake.incidents.get(id)?.status).toBe('triggered');
    expect(resolve.url).not.toBe(stale.url);
  });
});
