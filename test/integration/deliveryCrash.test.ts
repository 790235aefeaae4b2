/**
 * The worst moment of a delivery: the provider accepted the page (the SMTP server said 250, Twilio
 * created the message) and the worker died before it confirmed. A retry on another host (a fresh
 * log on the same SQL store, fresh transports) must not page the person a second time. Real SMTP
 * server, the real twilio SDK against the loopback fake.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notify';
import { createSmtpEmailTransport } from '../../activities/transports/smtpEmail';
import { createSqlDeliveryLog } from '../../activities/transports/sqlDeliveryLog';
import { createTwilioSmsTransport } from '../../activities/transports/twilioSms';
import type { NotificationRequest } from '../../domain/notification';
import type { DeliveryLog, VoiceTransport, NtfyTransport, WebhookPageTransport } from '../../domain/transports';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { startFakeTwilio } from '../../devkit/fakeTwilio';
import { startSmtpSink } from '../../devkit/smtpSink';

/** Voice is not what these tests are about: a transport that fails loudly if used. */
const UNUSED_VOICE: VoiceTransport = { name: 'unused', call: () => Promise.reject(new Error('no call expected')) };
const UNUSED_NTFY: NtfyTransport = { name: 'unused', publish: () => Promise.reject(new Error('no push expected')) };
const UNUSED_WEBHOOK: WebhookPageTransport = { name: 'unused', post: () => Promise.reject(new Error('no webhook expected')) };

const SID = 'AC00000000000000000000000000000001';
const TOKEN = 'fake-twilio-token';
const FROM = '+15550009999';
/** The activity's heartbeat timeout, and so the lease: short, so the test need not wait 10 s. */
const LEASE_MS = 400;

let store: SqlStore;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
beforeAll(async () => {
  [store, sink, twilio] = await Promise.all([openSqlStore({}), startSmtpSink({ rejectRecipients: ['nobody@example.test'] }), startFakeTwilio(SID, TOKEN, { invalidNumbers: ['+15550000666'] })]);
});
afterAll(async () => {
  await Promise.all([store.close(), sink.close(), twilio.close()]);
});
beforeEach(async () => {
  await store.query('TRUNCATE notification_deliveries');
  sink.received.length = 0;
  twilio.received.length = 0;
});

function request(channel: 'email' | 'sms', overrides: Partial<NotificationRequest['responder']> = {}): NotificationRequest {
  return {
    idempotencyKey: `inc-9:page:L1:c0:alice:${channel}`,
    kind: 'page',
    channel,
    responder: { id: 'alice', name: 'Alice', email: 'alice@example.test', phone: '+15550000001', ...overrides },
    incident: { id: 'inc-9', code: '9ZZ9ZZ', service: 'checkout', severity: 'critical', summary: 'checkout down', status: 'triggered', alertCount: 1, level: 1, runbookLines: [] },
  };
}

/** One worker host: its own transports and its own log instance on the shared store. */
function host(deliveries: DeliveryLog = createSqlDeliveryLog(store)) {
  const email = createSmtpEmailTransport({ url: `${sink.url}?pool=false`, from: 'Vigil <vigil@example.test>' });
  const sms = createTwilioSmsTransport({ accountSid: SID, authToken: TOKEN, from: FROM, apiBaseUrl: twilio.baseUrl });
  return { activities: createNotifyActivities({ email, sms, voice: UNUSED_VOICE,
      ntfy: UNUSED_NTFY, webhook: UNUSED_WEBHOOK, deliveries, publicUrl: 'https://vigil.example.test' }), close: () => email.close() };
}

/** A host that dies right after the provider accepted: its confirm never reaches the store. */
function hostThatDiesBeforeConfirm() {
  const log = createSqlDeliveryLog(store);
  return host({
    ...log,
    confirm: async () => {
      throw new Error('SIGKILL: the process died before it confirmed');
    },
  });
}

const attempt = (attemptNumber: number) => new MockActivityEnvironment({ attempt: attemptNumber, heartbeatTimeoutMs: LEASE_MS });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a page whose sender died between the provider accepting it and the confirm', () => {
  it('SMS: the retry on another host finds the message at Twilio and sends nothing', async () => {
    const first = hostThatDiesBeforeConfirm();
    await expect(attempt(1).run(first.activities.deliverNotification, request('sms'))).rejects.toThrow('SIGKILL');
    expect(twilio.received).toHaveLength(1);
    await sleep(LEASE_MS + 100);
    const second = host();
    expect(await attempt(2).run(second.activities.deliverNotification, request('sms'))).toBe('already sent');
    expect(twilio.received).toHaveLength(1);
    const [row] = await store.query<{ state: string; provider_id: string; attempts: number }>('SELECT state, provider_id, attempts FROM notification_deliveries');
    expect(row).toEqual({ state: 'sent', provider_id: twilio.received[0].sid, attempts: 2 });
    // A third attempt (Temporal retrying once more) sees it confirmed.
    expect(await attempt(3).run(second.activities.deliverNotification, request('sms'))).toBe('already sent');
    expect(twilio.received).toHaveLength(1);
    first.close();
    second.close();
  });

  it('SMS: a message to the same person that belongs to another delivery is not taken for this one', async () => {
    const other = host();
    const otherRequest = { ...request('sms'), idempotencyKey: 'inc-9:page:L1:c0:alice:sms:round1' };
    const first = hostThatDiesBeforeConfirm();
    // The first attempt of ours records its intent but dies before even asking Twilio.
    const log = createSqlDeliveryLog(store);
    await log.claim(request('sms').idempotencyKey, 'sms', 'dead#1', LEASE_MS);
    // Meanwhile an identical text of another delivery (another round) goes out and is confirmed.
    expect(await attempt(1).run(other.activities.deliverNotification, otherRequest)).toBe('sent via twilio');
    await sleep(LEASE_MS + 100);
    expect(await attempt(2).run(host().activities.deliverNotification, request('sms'))).toBe('sent via twilio');
    expect(twilio.received).toHaveLength(2);
    other.close();
    first.close();
  });

  it('email: the retry re-sends with the same Message-ID (SMTP cannot be asked), so mail systems can fold the two', async () => {
    const first = hostThatDiesBeforeConfirm();
    await expect(attempt(1).run(first.activities.deliverNotification, request('email'))).rejects.toThrow('SIGKILL');
    expect(sink.received).toHaveLength(1);
    await sleep(LEASE_MS + 100);
    const second = host();
    expect(await attempt(2).run(second.activities.deliverNotification, request('email'))).toBe('sent via smtp');
    expect(await attempt(3).run(second.activities.deliverNotification, request('email'))).toBe('already sent');
    // Two deliveries at the SMTP server, one message: what remains of the window for email.
    expect(sink.received).toHaveLength(2);
    expect(new Set(sink.received.map((mail) => mail.messageId))).toEqual(new Set(['<inc-9-page-L1-c0-alice-email@vigil>']));
    first.close();
    second.close();
  });

  it('while the first attempt is still sending, a second one does not send too', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = host();
    const slowSms = createTwilioSmsTransport({ accountSid: SID, authToken: TOKEN, from: FROM, apiBaseUrl: twilio.baseUrl });
    const slowActivities = createNotifyActivities({
      email: { name: 'unused', send: async () => undefined },
      sms: { name: 'twilio', send: async (message) => (await gate, slowSms.send(message)) },
      voice: UNUSED_VOICE,
      ntfy: UNUSED_NTFY,
      webhook: UNUSED_WEBHOOK,
      deliveries: createSqlDeliveryLog(store),
      publicUrl: 'https://vigil.example.test',
    });
    const running = new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 10_000 }).run(slowActivities.deliverNotification, request('sms'));
    await sleep(200);
    await expect(attempt(2).run(slow.activities.deliverNotification, request('sms'))).rejects.toThrow('another attempt holds this delivery');
    release();
    expect(await running).toBe('sent via twilio');
    expect(twilio.received).toHaveLength(1);
    slow.close();
  });
});

describe('a failed delivery, as the workflow (and so the timeline) sees it', () => {
  it('names the error class and the provider code, never the phone number Twilio quoted', async () => {
    const { activities, close } = host();
    const failure = await attempt(1)
      .run(activities.deliverNotification, request('sms', { phone: '+15550000666' }))
      .catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe('sms transport error: RestException code 21211 status 400');
    expect((failure as Error).message).not.toContain('0000666');
    close();
  });

  it('names the SMTP reply code, never the address the server quoted', async () => {
    const { activities, close } = host();
    const failure = await attempt(1)
      .run(activities.deliverNotification, request('email', { email: 'nobody@example.test' }))
      .catch((error: Error) => error);
    expect((failure as Error).message).toMatch(/^email transport error: Error code EENVELOPE status 550$/);
    expect((failure as Error).message).not.toContain('nobody');
    close();
  });
});
