/**
 * Pages by SMS through Telnyx: the real telnyx SDK against the loopback fake (`baseURL`), through
 * the same notify activity and SQL delivery log as Twilio. The worst moment is the same: Telnyx
 * took the page and the worker died before it confirmed; a retry on another host must find the
 * page at Telnyx (detail records, then the message's text) and not send it again.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { smsProviderOf, smsTransportFromEnv } from '../../activities/channels/smsProvider';
import { createNotifyActivities } from '../../activities/notify';
import { createOutbox } from '../../activities/transports/outbox';
import { createSqlDeliveryLog } from '../../activities/transports/sqlDeliveryLog';
import { createTelnyxSmsTransport } from '../../activities/transports/telnyxSms';
import { renderSms } from '../../domain/messages';
import type { NotificationRequest } from '../../domain/notification';
import type { DeliveryLog, EmailTransport, VoiceTransport } from '../../domain/transports';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { startFakeTelnyx } from '../../devkit/fakeTelnyx';
import { transportsFromEnv } from '../../worker/transports';

const UNUSED_VOICE: VoiceTransport = { name: 'unused', call: () => Promise.reject(new Error('no call expected')) };
const UNUSED_EMAIL: EmailTransport = { name: 'unused', send: () => Promise.reject(new Error('no email expected')) };
const API_KEY = 'KEY_fake_telnyx_0001';
const FROM = '+15550009999';
const LEASE_MS = 400;

let store: SqlStore;
let telnyx: Awaited<ReturnType<typeof startFakeTelnyx>>;
beforeAll(async () => {
  [store, telnyx] = await Promise.all([openSqlStore({}), startFakeTelnyx(API_KEY, { invalidNumbers: ['+15550000666'] })]);
});
afterAll(async () => {
  await Promise.all([store.close(), telnyx.close()]);
});
beforeEach(async () => {
  await store.query('TRUNCATE notification_deliveries');
  telnyx.sent.length = 0;
  telnyx.requests.length = 0;
});

function request(overrides: Partial<NotificationRequest> = {}, phone = '+15550000001'): NotificationRequest {
  return {
    idempotencyKey: 'inc-7:page:L1:c0:alice:sms',
    kind: 'page',
    channel: 'sms',
    responder: { id: 'alice', name: 'Alice', email: 'alice@example.test', phone },
    incident: { id: 'inc-7', code: '7KQ2MX', service: 'checkout', severity: 'critical', summary: 'checkout down', status: 'triggered', alertCount: 1, level: 1, runbookLines: [] },
    ...overrides,
  };
}

const telnyxSms = (settings: { apiKey?: string; timeoutMs?: number } = {}) => createTelnyxSmsTransport({ apiKey: settings.apiKey ?? API_KEY, from: FROM, baseUrl: telnyx.baseUrl, timeoutMs: settings.timeoutMs });

/** One worker host: its own Telnyx transport and its own log instance on the shared store. */
function host(deliveries: DeliveryLog = createSqlDeliveryLog(store), sms = telnyxSms()) {
  return createNotifyActivities({ email: UNUSED_EMAIL, sms, voice: UNUSED_VOICE, ntfy: { name: 'unused', publish: () => Promise.reject(new Error('no push expected')) }, webhook: { name: 'unused', post: () => Promise.reject(new Error('no webhook expected')) }, deliveries, publicUrl: 'https://vigil.example.test' });
}

/** A host that dies right after the provider accepted: its confirm never reaches the store. */
function hostThatDiesBeforeConfirm() {
  return host({
    ...createSqlDeliveryLog(store),
    confirm: async () => {
      throw new Error('SIGKILL: the process died before it confirmed');
    },
  });
}

const attempt = (attemptNumber: number) => new MockActivityEnvironment({ attempt: attemptNumber, heartbeatTimeoutMs: LEASE_MS });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const posts = () => telnyx.requests.filter((line) => line === 'POST /v2/messages').length;

describe('SMS pages through Telnyx', () => {
  it('sends the same rendered text as any SMS page, from TELNYX_FROM, with the API key', async () => {
    expect(await attempt(1).run(host().deliverNotification, request())).toBe('sent via telnyx');
    expect(telnyx.sent).toEqual([expect.objectContaining({ to: '+15550000001', from: FROM, text: renderSms(request()) })]);
    const [row] = await store.query<{ state: string; provider_id: string }>('SELECT state, provider_id FROM notification_deliveries');
    expect(row).toEqual({ state: 'sent', provider_id: telnyx.sent[0].id });
  });

  it('a wrong API key is a failed attempt naming the error class and status, and nothing is sent', async () => {
    const failure = await attempt(1).run(host(undefined, telnyxSms({ apiKey: 'KEY_wrong' })).deliverNotification, request()).catch((error: Error) => error);
    expect((failure as Error).message).toBe('sms transport error: AuthenticationError status 401');
    expect(telnyx.sent).toHaveLength(0);
  });

  it('a number Telnyx refuses fails the attempt without quoting the number (the timeline must not hold it)', async () => {
    const failure = await attempt(1).run(host().deliverNotification, request({}, '+15550000666')).catch((error: Error) => error);
    expect((failure as Error).message).toBe('sms transport error: UnprocessableEntityError status 422');
    expect((failure as Error).message).not.toContain('0000666');
  });
});

describe('a Telnyx page whose sender died between Telnyx accepting it and the confirm', () => {
  it('the retry on another host finds the message at Telnyx and sends nothing', async () => {
    await expect(attempt(1).run(hostThatDiesBeforeConfirm().deliverNotification, request())).rejects.toThrow('SIGKILL');
    expect(telnyx.sent).toHaveLength(1);
    await sleep(LEASE_MS + 100);
    expect(await attempt(2).run(host().deliverNotification, request())).toBe('already sent');
    expect(telnyx.sent).toHaveLength(1);
    // It asked: the detail records, then the candidate message's text.
    expect(telnyx.requests).toEqual(['POST /v2/messages', 'GET /v2/detail_records', `GET /v2/messages/${telnyx.sent[0].id}`]);
    const [row] = await store.query<{ state: string; provider_id: string; attempts: number }>('SELECT state, provider_id, attempts FROM notification_deliveries');
    expect(row).toEqual({ state: 'sent', provider_id: telnyx.sent[0].id, attempts: 2 });
    expect(await attempt(3).run(host().deliverNotification, request())).toBe('already sent');
    expect(telnyx.sent).toHaveLength(1);
  });

  it('an answer lost after Telnyx took the message (a timeout) is not re-sent by the SDK, and the retry finds it', async () => {
    telnyx.failNextSends('accept-then-hang');
    const impatient = host(undefined, telnyxSms({ timeoutMs: 300 }));
    await expect(attempt(1).run(impatient.deliverNotification, request())).rejects.toThrow(/sms transport error/);
    // One POST: the SDK's own retries are off, so a lost answer is never a second message.
    expect(posts()).toBe(1);
    expect(telnyx.sent).toHaveLength(1);
    expect(await attempt(2).run(host().deliverNotification, request())).toBe('already sent');
    expect(telnyx.sent).toHaveLength(1);
  });

  it('a message with another text to the same person is not taken for this page, which is then sent', async () => {
    const log = createSqlDeliveryLog(store);
    await log.claim(request().idempotencyKey, 'sms', 'dead#1', LEASE_MS);
    const other = request({ idempotencyKey: 'inc-8:page:L1:c0:alice:sms', incident: { ...request().incident, id: 'inc-8', code: '8ZZ8ZZ', summary: 'payments slow' } });
    expect(await attempt(1).run(host().deliverNotification, other)).toBe('sent via telnyx');
    await sleep(LEASE_MS + 100);
    expect(await attempt(2).run(host().deliverNotification, request())).toBe('sent via telnyx');
    expect(telnyx.sent.map((sent) => sent.text)).toEqual([renderSms(other), renderSms(request())]);
  });

  it('the same text already confirmed for another delivery is not taken for this one', async () => {
    const log = createSqlDeliveryLog(store);
    await log.claim(request().idempotencyKey, 'sms', 'dead#1', LEASE_MS);
    const otherRound = { ...request(), idempotencyKey: 'inc-7:page:L1:c1:alice:sms' };
    expect(await attempt(1).run(host().deliverNotification, otherRound)).toBe('sent via telnyx');
    await sleep(LEASE_MS + 100);
    expect(await attempt(2).run(host().deliverNotification, request())).toBe('sent via telnyx');
    expect(telnyx.sent).toHaveLength(2);
  });

  it('Telnyx failing (503) releases the delivery at once, and the retry sends it once', async () => {
    telnyx.failNextSends({ status: 503 });
    await expect(attempt(1).run(host().deliverNotification, request())).rejects.toThrow('sms transport error: InternalServerError status 503');
    expect(await attempt(2).run(host().deliverNotification, request())).toBe('sent via telnyx');
    expect(telnyx.sent).toHaveLength(1);
  });
});

describe('choosing the SMS provider from the environment', () => {
  const twilio = { TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15550001111' };
  const telnyxEnv = { TELNYX_API_KEY: API_KEY, TELNYX_FROM: FROM };

  it('names the provider when VIGIL_SMS_PROVIDER is set, else infers the one configured, else the outbox', () => {
    expect(smsProviderOf({ ...twilio, ...telnyxEnv, VIGIL_SMS_PROVIDER: 'telnyx' })).toBe('telnyx');
    expect(smsProviderOf({ ...twilio, ...telnyxEnv, VIGIL_SMS_PROVIDER: 'Twilio' })).toBe('twilio');
    expect(smsProviderOf(telnyxEnv)).toBe('telnyx');
    expect(smsProviderOf({ TELNYX_API_KEY: API_KEY, TELNYX_MESSAGING_PROFILE_ID: 'p-1' })).toBe('telnyx');
    expect(smsProviderOf(twilio)).toBe('twilio');
    // Twilio credentials without TWILIO_FROM (there for voice, say) send no SMS.
    expect(smsProviderOf({ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_VOICE_FROM: '+1555' })).toBeUndefined();
    expect(smsProviderOf({})).toBeUndefined();
  });

  it.each([
    [{ VIGIL_SMS_PROVIDER: 'vonage' }, 'VIGIL_SMS_PROVIDER is "vonage": use one of twilio, telnyx (or leave it unset)'],
    [{ VIGIL_SMS_PROVIDER: 'telnyx' }, 'VIGIL_SMS_PROVIDER is telnyx but TELNYX_API_KEY, TELNYX_FROM or TELNYX_MESSAGING_PROFILE_ID are not set'],
    [{ VIGIL_SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1' }, 'VIGIL_SMS_PROVIDER is twilio but TWILIO_AUTH_TOKEN, TWILIO_FROM are not set'],
    [{ ...twilio, ...telnyxEnv }, 'both Twilio (TWILIO_FROM) and Telnyx (TELNYX_API_KEY) can send SMS: set VIGIL_SMS_PROVIDER to twilio or telnyx'],
    [{ TELNYX_API_KEY: API_KEY }, 'TELNYX_API_KEY is set but TELNYX_FROM or TELNYX_MESSAGING_PROFILE_ID is not'],
  ])('refuses %o at start, naming what to set', (env, message) => {
    expect(() => smsProviderOf(env)).toThrow(message);
    // The worker builds its transports at start: this is where it stops.
    expect(() => transportsFromEnv(env, mkdtempSync(join(tmpdir(), 'vigil-sms-')))).toThrow(message);
  });

  it('builds the transport the environment chooses, which sends through that vendor', async () => {
    const outbox = createOutbox(join(mkdtempSync(join(tmpdir(), 'vigil-sms-')), 'outbox.jsonl'), () => undefined);
    expect(smsTransportFromEnv({}, outbox).name).toBe('outbox');
    expect(smsTransportFromEnv(twilio, outbox).name).toBe('twilio');
    const chosen = smsTransportFromEnv({ ...twilio, ...telnyxEnv, VIGIL_SMS_PROVIDER: 'telnyx', TELNYX_API_URL: telnyx.baseUrl }, outbox);
    expect(chosen.name).toBe('telnyx');
    await chosen.send({ to: '+15550000001', body: 'hello' });
    expect(telnyx.sent).toEqual([expect.objectContaining({ to: '+15550000001', from: FROM, text: 'hello' })]);
  });
});
