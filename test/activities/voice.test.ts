import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notify';
import { createSqlDeliveryLog } from '../../activities/transports/sqlDeliveryLog';
import { voiceTransport } from '../../activities/channels/voice';
import { createOutbox } from '../../activities/transports/outbox';
import { createTwilioVoiceTransport } from '../../activities/transports/twilioVoice';
import { voiceChannel } from '../../domain/channels/voice';
import type { NotificationRequest } from '../../domain/notification';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { startFakeTwilio } from '../../devkit/fakeTwilio';
import { waitFor } from '../../devkit/waitFor';

const SID = `AC${'1'.repeat(32)}`;
const TOKEN = 'voice-test-token';
const FROM = '+15550109999';
const ALICE = '+15550000001';
const PUBLIC_URL = 'https://vigil.example.test';

let store: SqlStore;
let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
beforeAll(async () => {
  store = await openSqlStore({});
  twilio = await startFakeTwilio(SID, TOKEN);
});
afterAll(async () => {
  await twilio.close();
  await store.close();
});
beforeEach(async () => {
  await store.query('TRUNCATE notification_deliveries');
  twilio.calls.length = 0;
});

function request(idempotencyKey: string, kind: NotificationRequest['kind'] = 'page'): NotificationRequest {
  return {
    idempotencyKey,
    kind,
    channel: 'voice',
    responder: { id: 'alice', name: 'Alice', email: 'alice@example.test', phone: ALICE },
    incident: { id: 'checkout:db-down', code: '7KQ2MX', service: 'checkout', severity: 'critical', summary: 'database unreachable', status: 'triggered', alertCount: 1, level: 1, runbookLines: [] },
  };
}

/** The real twilio SDK against the loopback fake, asking a ringing call's state every 50 ms. */
const voice = () => createTwilioVoiceTransport({ accountSid: SID, authToken: TOKEN, from: FROM, apiBaseUrl: twilio.baseUrl }, 50);
const activitiesWith = (transport = voice()) =>
  createNotifyActivities({
    email: { name: 'unused', send: () => Promise.reject(new Error('no email expected')) },
    sms: { name: 'unused', send: () => Promise.reject(new Error('no SMS expected')) },
    voice: transport,
    ntfy: { name: 'unused', publish: () => Promise.reject(new Error('no push expected')) },
    webhook: { name: 'unused', post: () => Promise.reject(new Error('no webhook expected')) },
    deliveries: createSqlDeliveryLog(store),
    publicUrl: PUBLIC_URL,
  });
/** An attempt with the workflow's 30 s start-to-close timeout. */
const attempt = () => new MockActivityEnvironment({ startToCloseTimeoutMs: 30_000 });

/** Runs a page and, once its call is placed, moves the call to `state`. */
async function pageAndThen(key: string, state: { status: string; answeredBy?: string | null }) {
  const outcome = attempt().run(activitiesWith().deliverNotification, request(key));
  await waitFor('the call placed', () => twilio.calls.length === 1);
  twilio.setCall(twilio.calls[0].sid, { status: 'ringing' });
  twilio.setCall(twilio.calls[0].sid, state);
  return outcome;
}

describe('voice pages through Twilio Programmable Voice (the twilio SDK against a loopback fake)', () => {
  it('places a call whose inline TwiML reads the incident out in one-key Gathers that post to Vigil, with machine detection', async () => {
    expect(await pageAndThen('k-voice-1', { status: 'in-progress', answeredBy: 'human' })).toBe('sent via twilio-voice');
    const [call] = twilio.calls;
    expect({ to: call.to, from: call.from, machineDetection: call.machineDetection, url: call.url }).toEqual({ to: ALICE, from: FROM, machineDetection: 'Enable', url: '' });
    const script = voiceChannel.render(request('k'), { publicUrl: PUBLIC_URL }).script;
    expect(script).toContain('critical incident on checkout. database unreachable. Incident code 7. K. Q. 2. M. X.');
    const gathers = [...call.twiml.matchAll(/<Gather ([^>]*)><Say>([^<]*)<\/Say><\/Gather>/g)];
    expect(gathers.map((gather) => gather[2])).toEqual([script, script, script]);
    expect(gathers[0][1]).toContain('numDigits="1"');
    expect(gathers[0][1]).toContain(`action="${PUBLIC_URL}/v1/webhooks/twilio/voice?incident=checkout%3Adb-down&amp;round=1"`);
    expect(gathers[2][1]).toContain('round=3');
    expect(call.twiml).toMatch(/<Say>No key was pressed\. Goodbye\.<\/Say><Hangup\/><\/Response>$/);
  });

  it.each([
    [{ status: 'no-answer' }, 'not reached by voice: no-answer'],
    [{ status: 'busy' }, 'not reached by voice: busy'],
    [{ status: 'failed' }, 'not reached by voice: failed'],
    [{ status: 'in-progress', answeredBy: 'machine_start' }, 'not reached by voice: answered by machine_start'],
    [{ status: 'completed', answeredBy: 'fax' }, 'not reached by voice: answered by fax'],
  ])('counts a call that ends %o as not reached (the workflow then falls back)', async (state, outcome) => {
    expect(await pageAndThen(`k-voice-${state.status}-${'answeredBy' in state ? state.answeredBy : ''}`, state)).toBe(outcome);
    expect(twilio.calls).toHaveLength(1);
  });

  it('hangs up a call that a machine answered, so the voicemail does not record the page while it falls back', async () => {
    expect(await pageAndThen('k-voice-hangup-machine', { status: 'in-progress', answeredBy: 'machine_end_beep' })).toBe('not reached by voice: answered by machine_end_beep');
    expect(twilio.calls[0]).toMatchObject({ status: 'completed', hungUpByApi: true });
  });

  it('leaves a call a person answered to run its keypad prompts', async () => {
    expect(await pageAndThen('k-voice-keep-human', { status: 'in-progress', answeredBy: 'human' })).toBe('sent via twilio-voice');
    expect(twilio.calls[0]).toMatchObject({ status: 'in-progress' });
    expect(twilio.calls[0].hungUpByApi).toBeUndefined();
  });

  it('after a crash between placing the call and recording it, a retry finds the call at Twilio and does not call twice', async () => {
    const deliveries = createSqlDeliveryLog(store);
    await deliveries.claim('k-voice-crash', 'voice', 'dead-attempt', 60_000);
    const placed = await voice().call(ALICE, voiceChannel.render(request('k-voice-crash'), { publicUrl: PUBLIC_URL }));
    // The attempt dies here: its intent stays unconfirmed; its lease runs out.
    await deliveries.release('k-voice-crash', 'dead-attempt');
    twilio.setCall(placed.id, { status: 'in-progress', answeredBy: 'human' });
    expect(await attempt().run(activitiesWith().deliverNotification, request('k-voice-crash'))).toBe('already sent');
    expect(twilio.calls).toHaveLength(1);
    const [row] = await store.query<{ provider_id: string; state: string }>(`SELECT provider_id, state FROM notification_deliveries WHERE idempotency_key = 'k-voice-crash'`);
    expect(row).toEqual({ provider_id: placed.id, state: 'sent' });
  });

  it('a call still ringing when the attempt must end is left to the next attempt, which watches the same call', async () => {
    const short = () => new MockActivityEnvironment({ startToCloseTimeoutMs: 1_000 });
    await expect(short().run(activitiesWith().deliverNotification, request('k-voice-ring'))).rejects.toMatchObject({ type: 'AwaitingAnswer' });
    expect(twilio.calls).toHaveLength(1);
    twilio.setCall(twilio.calls[0].sid, { status: 'no-answer' });
    expect(await short().run(activitiesWith().deliverNotification, request('k-voice-ring'))).toBe('not reached by voice: no-answer');
    expect(twilio.calls).toHaveLength(1);
  });

  it('calls for pages only: telling someone an incident was acknowledged places no call', async () => {
    expect(await attempt().run(activitiesWith().deliverNotification, request('k-voice-ack', 'acknowledged'))).toBe('not sent by voice: it carries page and exhausted only');
    expect(twilio.calls).toHaveLength(0);
  });

  it('is configured from the environment: a caller id number, else the outbox (a messaging service SID cannot call)', async () => {
    const kept: string[] = [];
    const outbox = createOutbox(join(await mkdtemp(join(tmpdir(), 'vigil-voice-')), 'outbox.jsonl'), (line) => kept.push(line));
    const twilioEnv = { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN };
    expect(voiceTransport.fromEnv({}, outbox).name).toBe('outbox');
    expect(voiceTransport.fromEnv({ ...twilioEnv, TWILIO_FROM: 'MG0123' }, outbox).name).toBe('outbox');
    expect(voiceTransport.fromEnv({ ...twilioEnv, TWILIO_FROM: FROM }, outbox).name).toBe('twilio-voice');
    expect(voiceTransport.fromEnv({ ...twilioEnv, TWILIO_FROM: 'MG0123', TWILIO_VOICE_FROM: FROM }, outbox).name).toBe('twilio-voice');
    const offline = voiceTransport.fromEnv({}, outbox);
    expect((await offline.call(ALICE, voiceChannel.render(request('k'), { publicUrl: PUBLIC_URL }))).id).toMatch(/^outbox-/);
    expect(kept[0]).toContain(`[outbox] call to ${ALICE}: Vigil page. critical incident on checkout.`);
  });
});
