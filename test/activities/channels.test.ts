import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_TRANSPORTS } from '../../activities/channels';
import { emailTransport } from '../../activities/channels/email';
import { smsTransport } from '../../activities/channels/sms';
import { createNotifyActivitiesFor } from '../../activities/notify';
import { createOutbox } from '../../activities/transports/outbox';
import { createSqlDeliveryLog } from '../../activities/transports/sqlDeliveryLog';
import { CHANNELS } from '../../domain/channels';
import type { NotificationRequest } from '../../domain/notification';
import type { EmailMessage, SmsMessage } from '../../domain/transports';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { transportsFromEnv } from '../../worker/transports';
import { fakePagerTransport, pagerTransport } from '../support/pagerChannel';

let store: SqlStore;
beforeAll(async () => {
  store = await openSqlStore({});
});
afterAll(() => store.close());
beforeEach(() => store.query('TRUNCATE notification_deliveries'));

function pagerRequest(idempotencyKey: string): NotificationRequest {
  return {
    idempotencyKey,
    kind: 'page',
    // A channel the real registry does not know: the request type names only real ones.
    channel: 'pager' as NotificationRequest['channel'],
    responder: { id: 'carol', name: 'Carol', email: 'carol@example.test', addresses: { pager: 'dev-7' } },
    incident: { id: 'inc-1', code: '7KQ2MX', service: 'checkout', severity: 'critical', summary: 'checkout down', status: 'triggered', alertCount: 1, level: 1, runbookLines: [] },
  };
}

describe('the worker side of every channel', () => {
  it('has one transport per channel of the registry, each bound to that channel', () => {
    expect(Object.keys(CHANNEL_TRANSPORTS).sort()).toEqual([...CHANNELS.ids].sort());
    for (const id of CHANNELS.ids) expect(CHANNEL_TRANSPORTS[id].definition).toBe(CHANNELS.get(id));
  });

  it('falls back to the outbox for every channel whose vendor is not configured, and to the vendor when it is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-channels-'));
    const offline = transportsFromEnv({}, dir);
    expect([offline.email.name, offline.sms.name]).toEqual(['outbox', 'outbox']);
    const configured = transportsFromEnv({ SMTP_URL: 'smtp://127.0.0.1:2525', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15550000000' }, dir);
    expect([configured.email.name, configured.sms.name]).toEqual(['smtp', 'twilio']);
  });

  it('sends email with a Message-ID stable per delivery, in the incident thread, and SMS as its body', async () => {
    const sentMail: EmailMessage[] = [];
    const sentSms: SmsMessage[] = [];
    const request = { ...pagerRequest('inc-1:page:L1:c0:carol:email'), channel: 'email' as const };
    await emailTransport.send({ name: 'm', send: async (message) => void sentMail.push(message) }, { request, address: 'carol@example.test', message: { subject: 's', text: 't', html: 'h' } });
    expect(sentMail[0]).toMatchObject({ to: 'carol@example.test', messageId: '<inc-1-page-L1-c0-carol-email@vigil>', threadId: '<inc-1-thread@vigil>' });
    expect(await smsTransport.send({ name: 's', send: async (message) => (sentSms.push(message), { id: 'SM9' }) }, { request, address: '+15550000001', message: 'body' })).toBe('SM9');
    expect(sentSms).toEqual([{ to: '+15550000001', body: 'body' }]);
  });
});

describe('notify dispatch for a channel added by registering it', () => {
  const sides = { ...CHANNEL_TRANSPORTS, pager: pagerTransport };
  const quietMail = { name: 'unused', send: async () => undefined };
  const quietSms = { name: 'unused', send: async () => ({ id: 'x' }) };
  const quietVoice = { name: 'unused', call: async () => ({ id: 'x' }) };
  const quietNtfy = { name: 'unused', publish: async () => ({ id: 'x' }) };
  const quietWebhook = { name: 'unused', post: async () => ({ status: 204 }) };

  it('renders with its renderer, sends through its transport, and sends once per idempotency key', async () => {
    const pager = fakePagerTransport();
    const activities = createNotifyActivitiesFor(sides, { email: quietMail, sms: quietSms, voice: quietVoice, ntfy: quietNtfy, webhook: quietWebhook, pager, deliveries: createSqlDeliveryLog(store), publicUrl: 'https://vigil.example.test' });
    const env = new MockActivityEnvironment();
    expect(await env.run(activities.deliverNotification, pagerRequest('k-pager-1'))).toBe('sent via fake-pager');
    expect(await env.run(activities.deliverNotification, pagerRequest('k-pager-1'))).toBe('already sent');
    expect(pager.pushed.map(({ device, message }) => ({ device, message }))).toEqual([{ device: 'dev-7', message: { title: '7KQ2MX page: checkout down', urgent: true } }]);
    const outcome = await env.run(activities.deliverNotification, { ...pagerRequest('k-pager-2'), responder: { id: 'dan', name: 'Dan' } });
    expect(outcome).toBe('no pager address for dan');
  });

  it("asks its vendor after an unconfirmed attempt, through the channel's own findAccepted", async () => {
    const pager = fakePagerTransport();
    const deliveries = createSqlDeliveryLog(store);
    // An earlier attempt wrote its intent, the vendor took the push, and the attempt died before confirming.
    await deliveries.claim('k-pager-3', 'pager', 'dead-attempt', 1);
    await deliveries.release('k-pager-3', 'dead-attempt');
    await pager.push('dev-7', { title: '7KQ2MX page: checkout down', urgent: true });
    const activities = createNotifyActivitiesFor(sides, { email: quietMail, sms: quietSms, voice: quietVoice, ntfy: quietNtfy, webhook: quietWebhook, pager, deliveries, publicUrl: 'https://vigil.example.test' });
    expect(await new MockActivityEnvironment().run(activities.deliverNotification, pagerRequest('k-pager-3'))).toBe('already sent');
    expect(pager.pushed).toHaveLength(1);
  });

  it('refuses, without retrying, a channel that has no transport', async () => {
    const activities = createNotifyActivitiesFor(CHANNEL_TRANSPORTS, { email: quietMail, sms: quietSms, voice: quietVoice, ntfy: quietNtfy, webhook: quietWebhook, deliveries: createSqlDeliveryLog(store), publicUrl: 'https://vigil.example.test' });
    await expect(new MockActivityEnvironment().run(activities.deliverNotification, pagerRequest('k-pager-4'))).rejects.toMatchObject({ type: 'UnknownChannel', nonRetryable: true });
  });

  it("keeps its messages in the outbox when its vendor is not configured", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-pager-outbox-'));
    const printed: string[] = [];
    const fallback = pagerTransport.fromEnv({}, createOutbox(join(dir, 'outbox.jsonl'), (line) => printed.push(line)));
    await fallback.push('dev-7', { title: 'hello', urgent: false });
    const [line] = (await readFile(join(dir, 'outbox.jsonl'), 'utf8')).trim().split('\n').map((text) => JSON.parse(text));
    expect(line).toMatchObject({ channel: 'pager', to: 'dev-7', title: 'hello' });
    expect(printed).toEqual(['[outbox] pager dev-7: hello']);
  });
});
