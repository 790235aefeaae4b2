/**
 * Pages on the `webhook` channel against a loopback receiver that verifies Standard Webhooks
 * signatures with the reference library: the body, the signature, one `webhook-id` for every
 * attempt of a delivery, which answers fall back at once and which are retried, and the links a
 * receiving system follows to acknowledge.
 */
import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notify';
import { createSqlDeliveryLog } from '../../activities/transports/sqlDeliveryLog';
import { createWebhookPageTransport } from '../../activities/transports/webhookPagePost';
import { checkWebhookPagerSecrets } from '../../activities/webhookPagerSecrets';
import { createUsedAckLinks } from '../../api/records/usedAckLinks';
import { formatWebhookAddress, type WebhookPagePayload } from '../../domain/channels/webhook';
import { ConfigError, parseConfig } from '../../domain/config';
import type { NotificationRequest } from '../../domain/notification';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { makeAlert } from '../../devkit/alerts';
import { startTestApp } from '../../devkit/testApp';
import { startWebhookReceiver } from '../../devkit/webhookReceiver';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const LINK_SECRET = 'webhook-link-secret';
const PUBLIC_URL = 'https://vigil.example.test';

let store: SqlStore;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver<WebhookPagePayload>>>;
beforeAll(async () => {
  store = await openSqlStore({});
  receiver = await startWebhookReceiver<WebhookPagePayload>({ secret: SECRET });
});
afterAll(async () => {
  await receiver.close();
  await store.close();
});
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.failNext();
});

const bridgeAddress = (url = receiver.url) => formatWebhookAddress({ url, secretEnv: 'PAGER_BRIDGE_SECRET' });

function request(idempotencyKey: string, overrides: Partial<NotificationRequest> = {}, address = bridgeAddress()): NotificationRequest {
  return {
    idempotencyKey,
    kind: 'page',
    channel: 'webhook',
    responder: { id: 'payments-bridge', name: 'Payments bridge', addresses: { webhook: address } },
    incident: { id: 'checkout:db-down', code: '7KQ2MX', service: 'checkout', severity: 'critical', summary: 'database unreachable', status: 'triggered', alertCount: 1, level: 1, runbookLines: [] },
    ...overrides,
  };
}

const activitiesWith = (options: { env?: NodeJS.ProcessEnv; publicUrl?: string } = {}) =>
  createNotifyActivities({
    email: { name: 'unused', send: () => Promise.reject(new Error('no email expected')) },
    sms: { name: 'unused', send: () => Promise.reject(new Error('no SMS expected')) },
    voice: { name: 'unused', call: () => Promise.reject(new Error('no call expected')) },
    ntfy: { name: 'unused', publish: () => Promise.reject(new Error('no push expected')) },
    webhook: createWebhookPageTransport(options.env ?? { PAGER_BRIDGE_SECRET: SECRET }),
    deliveries: createSqlDeliveryLog(store),
    publicUrl: options.publicUrl ?? PUBLIC_URL,
    linkSecret: LINK_SECRET,
  });
const deliver = (req: NotificationRequest, options?: Parameters<typeof activitiesWith>[0]) => new MockActivityEnvironment({ startToCloseTimeoutMs: 30_000 }).run(activitiesWith(options).deliverNotification, req);

describe('webhook pages', () => {
  it('POST the page signed the Standard Webhooks way, with the delivery key as webhook-id and the acknowledge and resolve links', async () => {
    expect(await deliver(request('k-wh-1'))).toBe('sent via webhook');
    expect(receiver.requests).toHaveLength(1);
    const [received] = receiver.requests;
    expect(received.refused).toBeUndefined();
    expect(received.headers['webhook-id']).toBe('k-wh-1');
    const payload = received.payload as WebhookPagePayload;
    expect(payload).toMatchObject({
      type: 'notification.page',
      id: 'k-wh-1',
      data: { kind: 'page', urgency: 'high', recipient: { id: 'payments-bridge', name: 'Payments bridge' }, incident: { id: 'checkout:db-down', key: '7KQ2MX', status: 'triggered', url: `${PUBLIC_URL}/v1/incidents/checkout%3Adb-down` } },
    });
    const { acknowledge, resolve } = payload.data.actions ?? {};
    for (const link of [acknowledge, resolve]) expect(link).toMatch(new RegExp(`^${PUBLIC_URL}/v1/ack/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
    expect(acknowledge).not.toBe(resolve);
    const [row] = await store.query<{ state: string }>(`SELECT state FROM notification_deliveries WHERE idempotency_key = 'k-wh-1'`);
    expect(row.state).toBe('sent');
  });

  it('retries a 5xx with the same webhook-id, each attempt signed anew, and once delivered sends nothing more', async () => {
    receiver.failNext(503);
    await expect(deliver(request('k-wh-503'))).rejects.toMatchObject({ type: 'WebhookPageError', nonRetryable: false, message: 'webhook transport error: WebhookPageError status 503' });
    expect(await deliver(request('k-wh-503'))).toBe('sent via webhook');
    expect(await deliver(request('k-wh-503'))).toBe('already sent');
    expect(receiver.requests.map((received) => [received.headers['webhook-id'], received.status, received.refused])).toEqual([
      ['k-wh-503', 503, undefined],
      ['k-wh-503', 204, undefined],
    ]);
  });

  it('fails at once on 410, other 4xx and redirects (the page falls back), and retries 408 and 429', async () => {
    for (const [status, retried] of [[410, false], [400, false], [404, false], [302, false], [408, true], [429, true]] as const) {
      receiver.failNext(status);
      await expect(deliver(request(`k-wh-${status}`)), String(status)).rejects.toMatchObject({ type: 'WebhookPageError', nonRetryable: !retried });
    }
  });

  it('fails at once, sending nothing and never echoing a value, when the secret variable is not set or not a whsec_ secret', async () => {
    await expect(deliver(request('k-wh-noenv'), { env: {} })).rejects.toMatchObject({ type: 'WebhookPageError', nonRetryable: true });
    const error = await deliver(request('k-wh-bad'), { env: { PAGER_BRIDGE_SECRET: 'plain-password' } }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ type: 'WebhookPageError', nonRetryable: true });
    expect(String((error as Error).message) + JSON.stringify(error)).not.toContain('plain-password');
    expect(receiver.requests).toHaveLength(0);
  });

  it('counts an unreachable receiver as a failure Temporal retries', async () => {
    const gone = await startWebhookReceiver({ secret: SECRET });
    await gone.close();
    await expect(deliver(request('k-wh-gone', {}, bridgeAddress(gone.url)))).rejects.toMatchObject({ nonRetryable: false, message: expect.stringMatching(/WebhookPageError code (ECONNREFUSED|ECONNRESET)/) });
  });

  it('after a crash between POST and record, the retry POSTs again with the same webhook-id, for the receiver to drop', async () => {
    const deliveries = createSqlDeliveryLog(store);
    await deliveries.claim('k-wh-crash', 'webhook', 'dead-attempt', 60_000);
    await createWebhookPageTransport({ PAGER_BRIDGE_SECRET: SECRET }).post({ url: receiver.url, secretEnv: 'PAGER_BRIDGE_SECRET' }, 'k-wh-crash', JSON.stringify({ type: 'notification.page', id: 'k-wh-crash', timestamp: new Date().toISOString(), data: {} }));
    // The attempt dies here: its intent stays unconfirmed.
    await deliveries.release('k-wh-crash', 'dead-attempt');
    expect(await deliver(request('k-wh-crash'))).toBe('sent via webhook');
    expect(receiver.accepted().map((received) => received.headers['webhook-id'])).toEqual(['k-wh-crash', 'k-wh-crash']);
  });
});

describe('the worker start', () => {
  const contacts = parseConfig(
    {
      services: {},
      defaultEscalationPolicy: 'p',
      contacts: { alice: { name: 'Alice', email: 'alice@example.test' }, bridge: { name: 'Payments bridge', webhook: { url: 'https://bridge.example.com/page', secretEnv: 'PAGER_BRIDGE_SECRET' } } },
      escalationPolicies: { p: { levels: [{ notify: ['bridge'], channels: ['webhook'], timeout: '5m' }] } },
    },
    'test config',
  ).contacts;

  it('refuses, naming the field and never the value, when a contact\'s page secret is missing or not a whsec_ secret', () => {
    for (const value of [undefined, 'plain-password']) {
      const error = (() => {
        try {
          checkWebhookPagerSecrets(contacts, { PAGER_BRIDGE_SECRET: value });
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([{ path: 'contacts.bridge.webhook.secretEnv', message: expect.stringContaining('PAGER_BRIDGE_SECRET') }]);
      expect(JSON.stringify((error as ConfigError).issues)).not.toContain('plain-password');
    }
    expect(() => checkWebhookPagerSecrets(contacts, { PAGER_BRIDGE_SECRET: SECRET })).not.toThrow();
  });
});

describe('the links in a webhook page, followed by the receiving system', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  beforeAll(async () => {
    // Used links and the delivery log in one store, as one SQL store holds both in a deployment.
    app = await startTestApp({ linkSecret: LINK_SECRET, usedAckLinks: createUsedAckLinks(store) });
  });
  afterAll(() => app.close());

  it('acknowledge as the contact paged, once, and say so as a webhook link', async () => {
    const view = app.fake.open(makeAlert({ dedupKey: `webhook-${Math.random()}` }));
    await deliver(request('k-wh-link', { incident: { ...request('x').incident, id: view.id, code: view.code } }), { publicUrl: app.url });
    const link = receiver.accepted().at(-1)?.payload?.data.actions?.acknowledge as string;
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    expect(app.fake.incidents.get(view.id)?.view().acknowledgedBy).toBe('Payments bridge (webhook link)');
    expect((await fetch(link, { method: 'POST' })).status).toBe(409);
  });
});
