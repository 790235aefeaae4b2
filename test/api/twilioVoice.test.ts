import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioVoiceTransport } from '../../activities/transports/twilioVoice';
import { createInboundMessages } from '../../api/records/inboundMessages';
import { voiceChannel } from '../../domain/channels/voice';
import { parseConfig } from '../../domain/config';
import { incidentBrief } from '../../domain/incidentBrief';
import type { IncidentView } from '../../domain/incident';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { makeAlert } from '../../devkit/alerts';
import { postSigned, startFakeTwilio } from '../../devkit/fakeTwilio';
import { ALICE_PHONE, PUBLIC_URL, startTestApp, TWILIO_TOKEN } from '../../devkit/testApp';

const CAROL_PHONE = '+15550100003';
const ACCOUNT_SID = `AC${'2'.repeat(32)}`;
const FROM = '+15550109999';
/** Alice is on policy p; Carol is a configured contact on another policy only. */
const config = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: {
      alice: { name: 'Alice', email: 'alice@example.test', phone: ALICE_PHONE },
      carol: { name: 'Carol', email: 'carol@example.test', phone: CAROL_PHONE },
    },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['voice'], timeout: '5m' }] }, q: { levels: [{ notify: ['carol'], timeout: '5m' }] } },
  },
  'test config',
);

let store: SqlStore;
let app: Awaited<ReturnType<typeof startTestApp>>;
/** A second API replica over the same incidents and the same SQL store. */
let replica: Awaited<ReturnType<typeof startTestApp>>;
let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
beforeAll(async () => {
  store = await openSqlStore({});
  app = await startTestApp({ config, inboundMessages: createInboundMessages(store) });
  replica = await startTestApp({ config, inboundMessages: createInboundMessages(store), gateway: app.fake.gateway });
  // The fake Twilio signs its callbacks with the token the API checks.
  twilio = await startFakeTwilio(ACCOUNT_SID, TWILIO_TOKEN);
});
afterAll(async () => {
  await app.close();
  await replica.close();
  await twilio.close();
  await store.close();
});

let callCount = 0;

/** An incident of policy p that paged Alice by voice a second ago. */
function pagedToAlice(): IncidentView {
  const view = app.fake.open(makeAlert({ dedupKey: `k-${Math.random()}` }));
  const incident = app.fake.incidents.get(view.id);
  const pagedAt = new Date(Date.now() - 1_000);
  incident?.recordEscalation({ cycle: 0, levelIndex: 0 }, 'p', pagedAt, undefined);
  incident?.recordPage({ id: 'alice', name: 'Alice', phone: ALICE_PHONE }, 'voice', { cycle: 0, levelIndex: 0 }, pagedAt, 'sent');
  return view;
}

/** The callback Twilio posts when `to` pressed `digits` in round `round` of a call about `view`. */
function keyPressed(view: IncidentView, digits: string, options: { round?: number; to?: string; callSid?: string; token?: string; reachAt?: string } = {}) {
  callCount += 1;
  const url = `${voiceChannel.render({ idempotencyKey: 'k', kind: 'page', channel: 'voice', responder: { id: 'alice', name: 'Alice' }, incident: incidentBrief(view, 1) }, { publicUrl: PUBLIC_URL }).gatherUrl}&round=${options.round ?? 1}`;
  const params = {
    AccountSid: ACCOUNT_SID,
    CallSid: options.callSid ?? `CA${String(callCount).padStart(32, 'f')}`,
    CallStatus: 'in-progress',
    Direction: 'outbound-api',
    From: FROM,
    To: options.to ?? ALICE_PHONE,
    Digits: digits,
  };
  return { params, url, send: () => postSigned(url, params, options.reachAt ?? app.url, options.token ?? TWILIO_TOKEN) };
}

const statusOf = (view: IncidentView) => app.fake.incidents.get(view.id)?.status;

describe('keys pressed during a voice page, through the signed Twilio callback', () => {
  it('a call placed with the twilio SDK carries a Gather whose callback, signed by Twilio, acknowledges on 4', async () => {
    const view = pagedToAlice();
    const transport = createTwilioVoiceTransport({ accountSid: ACCOUNT_SID, authToken: TWILIO_TOKEN, from: FROM, apiBaseUrl: twilio.baseUrl });
    const call = voiceChannel.render({ idempotencyKey: 'k', kind: 'page', channel: 'voice', responder: { id: 'alice', name: 'Alice', phone: ALICE_PHONE }, incident: incidentBrief(view, 1) }, { publicUrl: PUBLIC_URL });
    const { id } = await transport.call(ALICE_PHONE, call);
    const response = await twilio.pressKeys(id, '4', { reachAt: app.url });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/xml');
    expect(await response.text()).toContain('<Say>Acknowledged. Escalation of the checkout incident stopped. Goodbye.</Say><Hangup/>');
    expect(app.fake.incidents.get(view.id)?.view().acknowledgedBy).toBe('Alice (voice)');
  });

  it('resolves on 6 and escalates on 5', async () => {
    const resolved = pagedToAlice();
    expect(await (await keyPressed(resolved, '6').send()).text()).toContain('Resolved the checkout incident');
    expect(statusOf(resolved)).toBe('resolved');
    const escalated = pagedToAlice();
    expect(await (await keyPressed(escalated, '5').send()).text()).toContain('Escalated.');
    expect(app.fake.escalations.at(-1)).toEqual({ id: escalated.id, by: 'Alice' });
  });

  it('acts once on a replayed or duplicated callback, whichever replica it reaches', async () => {
    const view = pagedToAlice();
    const before = app.fake.escalations.length;
    const press = keyPressed(view, '5');
    expect((await press.send()).status).toBe(200);
    const again = await postSigned(press.url, press.params, replica.url, TWILIO_TOKEN);
    expect(await again.text()).toContain('This answer was already taken');
    expect(app.fake.escalations.length).toBe(before + 1);
  });

  it('refuses a wrong signature with 403, naming the header, and does nothing', async () => {
    const view = pagedToAlice();
    const response = await keyPressed(view, '4', { token: 'not-the-token' }).send();
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'invalid Twilio signature', details: [{ field: 'x-twilio-signature' }] });
    expect(statusOf(view)).toBe('triggered');
  });

  it('reads the message again for any other key, a bounded number of times', async () => {
    const view = pagedToAlice();
    const first = await (await keyPressed(view, '9', { round: 1 }).send()).text();
    expect(first).toMatch(/^<\?xml[^>]*><Response><Say>That key does nothing\.<\/Say><Gather /);
    expect([...first.matchAll(/round=(\d)/g)].map((match) => match[1])).toEqual(['2', '3']);
    expect(first).toContain('Incident code');
    const last = await (await keyPressed(view, '9', { round: 3 }).send()).text();
    expect(last).not.toContain('<Gather');
    expect(last).toContain('That key does nothing. Goodbye.');
    expect(statusOf(view)).toBe('triggered');
  });

  it('hears only the called contact, about incidents that paged them or whose policy names them', async () => {
    const view = pagedToAlice();
    // Carol's number called (a call of another page) cannot act on Alice's incident of policy p.
    expect(await (await keyPressed(view, '6', { to: CAROL_PHONE }).send()).text()).toContain('did not page you');
    // A number that is no contact is not heard.
    expect(await (await keyPressed(view, '6', { to: '+15550107777' }).send()).text()).toContain('not a Vigil contact');
    expect(statusOf(view)).toBe('triggered');
  });

  it('refuses a callback without its incident or with a round out of range (400, naming the field)', async () => {
    const view = pagedToAlice();
    const press = keyPressed(view, '4', { round: 9 });
    const response = await press.send();
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ details: [{ field: 'round' }] });
    const noIncident = await postSigned(`${PUBLIC_URL}/v1/webhooks/twilio/voice?round=1`, press.params, app.url, TWILIO_TOKEN);
    expect(noIncident.status).toBe(400);
    expect(statusOf(view)).toBe('triggered');
  });

  it('is listed in the access policy as its own credential: no API key is asked, while an unlisted webhook path needs one', async () => {
    const unsigned = await fetch(`${app.url}/v1/webhooks/twilio/voice?incident=x&round=1`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'CallSid=CA1&Digits=4' });
    expect(unsigned.status).toBe(403);
    const unlisted = await fetch(`${app.url}/v1/webhooks/twilio/fax`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(unlisted.status).toBe(401);
  });
});
