import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInboundMessages } from '../../api/records/inboundMessages';
import { parseConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { makeAlert } from '../../devkit/alerts';
import { ALICE_PHONE, API_KEY, PUBLIC_URL, RESPONDER_KEY, startTestApp, TWILIO_TOKEN } from '../../devkit/testApp';

const CAROL_PHONE = '+15550100003';
/** Alice is on policy p; Carol is a configured contact on another policy only. */
const config = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: {
      alice: { name: 'Alice', email: 'alice@example.test', phone: ALICE_PHONE },
      carol: { name: 'Carol', email: 'carol@example.test', phone: CAROL_PHONE },
    },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] }, q: { levels: [{ notify: ['carol'], timeout: '5m' }] } },
  },
  'test config',
);

let store: SqlStore;
let app: Awaited<ReturnType<typeof startTestApp>>;
/** A second API replica over the same incidents and the same SQL store. */
let replica: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  store = await openSqlStore({});
  app = await startTestApp({ config, inboundMessages: createInboundMessages(store) });
  replica = await startTestApp({ config, inboundMessages: createInboundMessages(store), gateway: app.fake.gateway });
});
afterAll(async () => {
  await app.close();
  await replica.close();
  await store.close();
});

const PATH = '/v1/webhooks/twilio/sms';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const ACCOUNT_SID = `AC${hex(16)}`;

/** The form Twilio posts for an inbound SMS (its documented webhook parameters), with a fresh MessageSid. */
function inboundSms(from: string, body: string, messageSid = `SM${hex(16)}`): Record<string, string> {
  return {
    ToCountry: 'US',
    ToState: 'CA',
    SmsMessageSid: messageSid,
    NumMedia: '0',
    ToCity: '',
    FromZip: '',
    SmsSid: messageSid,
    FromState: 'NY',
    SmsStatus: 'received',
    FromCity: '',
    Body: body,
    FromCountry: 'US',
    To: '+15550109999',
    MessagingServiceSid: `MG${hex(16)}`,
    ToZip: '',
    NumSegments: '1',
    MessageSid: messageSid,
    AccountSid: ACCOUNT_SID,
    From: from,
    ApiVersion: '2010-04-01',
  };
}

/** Posts a form as Twilio would, signed the way the twilio SDK's validateRequest checks. */
function post(params: Record<string, string>, options: { token?: string; signedUrl?: string; url?: string } = {}) {
  const signature = twilio.getExpectedTwilioSignature(options.token ?? TWILIO_TOKEN, options.signedUrl ?? `${PUBLIC_URL}${PATH}`, params);
  return fetch(`${options.url ?? app.url}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
}

function reply(from: string, body: string, options: { token?: string; signedUrl?: string } = {}) {
  return post(inboundSms(from, body), options);
}

/** An incident of policy p that paged `contactId` by SMS at `pagedAt` (a second ago by default). */
function pagedTo(contactId = 'alice', pagedAt = new Date(Date.now() - 1_000)): IncidentView {
  const view = app.fake.open(makeAlert({ dedupKey: `k-${Math.random()}` }));
  const incident = app.fake.incidents.get(view.id);
  const contact = config.contacts[contactId];
  incident?.recordEscalation({ cycle: 0, levelIndex: 0 }, 'p', pagedAt, undefined);
  incident?.recordPage({ id: contactId, name: contact.name, email: contact.email, phone: contact.phone }, 'sms', { cycle: 0, levelIndex: 0 }, pagedAt, 'sent');
  app.fake.paged.set(contactId, [...(app.fake.paged.get(contactId) ?? []), view.id]);
  return view;
}

function resolveAllOpen(): void {
  for (const incident of app.fake.incidents.values()) if (incident.isOpen) incident.resolve('cleanup', new Date());
}

const statusOf = (view: IncidentView) => app.fake.incidents.get(view.id)?.status;

describe('SMS replies through the Twilio webhook', () => {
  it('acknowledges by code and answers TwiML naming the incident', async () => {
    const view = pagedTo();
    const response = await reply(ALICE_PHONE, `ack ${view.code}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/xml');
    expect(await response.text()).toContain(`Acknowledged ${view.code}`);
    expect(app.fake.incidents.get(view.id)?.view().acknowledgedBy).toBe('Alice (sms)');
  });

  it('escalates by code, confirming it', async () => {
    const view = pagedTo();
    const text = await (await reply(ALICE_PHONE, `esc ${view.code}`)).text();
    expect(text).toContain(`Escalated ${view.code}`);
    expect(app.fake.escalations.at(-1)).toEqual({ id: view.id, by: 'Alice' });
  });

  it('resolves by code, and says so when it already was', async () => {
    const view = pagedTo();
    expect(await (await reply(ALICE_PHONE, `RESOLVE ${view.code}`)).text()).toContain(`Resolved ${view.code}`);
    expect(statusOf(view)).toBe('resolved');
    expect(await (await reply(ALICE_PHONE, `RES ${view.code}`)).text()).toContain(`No open incident ${view.code}`);
  });

  it('takes a bare ACK for the one open incident that paged the sender, and asks which when there are several', async () => {
    resolveAllOpen();
    const only = pagedTo();
    expect(await (await reply(ALICE_PHONE, 'ACK')).text()).toContain(`Acknowledged ${only.code}`);
    const first = pagedTo();
    const second = pagedTo();
    const text = await (await reply(ALICE_PHONE, 'ACK')).text();
    expect(text).toContain(first.code);
    expect(text).toContain(second.code);
    expect(text).toContain('Reply ACK &lt;code&gt;');
    expect(statusOf(first)).toBe('triggered');
  });

  it('explains the commands when it does not understand the reply', async () => {
    expect(await (await reply(ALICE_PHONE, 'what is going on')).text()).toContain('Reply ACK');
  });

  it('refuses a wrong signature with 403 and changes nothing', async () => {
    const view = pagedTo();
    const response = await reply(ALICE_PHONE, `ACK ${view.code}`, { token: 'not-the-token' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('x-twilio-signature');
    expect(statusOf(view)).toBe('triggered');
  });

  it('refuses a signature made over the address the server listens on rather than its public URL', async () => {
    const view = pagedTo();
    const response = await reply(ALICE_PHONE, `ACK ${view.code}`, { signedUrl: `${app.url}${PATH}` });
    expect(response.status).toBe(403);
  });

  it('ignores a sender who is not a configured contact, with an empty TwiML answer', async () => {
    const view = pagedTo();
    const response = await reply('+15559999999', `ACK ${view.code}`);
    expect(response.status).toBe(200);
    expect(await response.text()).not.toContain('<Message>');
    expect(statusOf(view)).toBe('triggered');
  });
});

describe('a signed SMS acts once (issue 11 point 5)', () => {
  it('escalates once however often one signed ESC is re-posted, on any replica', async () => {
    const view = pagedTo();
    const captured = inboundSms(ALICE_PHONE, `ESC ${view.code}`);
    const before = app.fake.escalations.length;
    const answers = [await post(captured), await post(captured), await post(captured, { url: replica.url })];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const texts = await Promise.all(answers.map((answer) => answer.text()));
    expect(texts[0]).toContain(`Escalated ${view.code}`);
    expect(texts.slice(1).every((text) => !text.includes('<Message>'))).toBe(true);
    expect(app.fake.escalations.length).toBe(before + 1);
  });

  it('does not let a captured bare ACK acknowledge a later, different incident', async () => {
    resolveAllOpen();
    const first = pagedTo();
    const captured = inboundSms(ALICE_PHONE, 'ACK');
    expect(await (await post(captured)).text()).toContain(`Acknowledged ${first.code}`);
    resolveAllOpen();
    const later = pagedTo();
    expect(await (await post(captured)).text()).not.toContain('<Message>');
    expect(statusOf(later)).toBe('triggered');
  });

  it('does not re-acknowledge when an old ACK <code> is replayed after an escalation withdrew the ack', async () => {
    const view = pagedTo();
    const captured = inboundSms(ALICE_PHONE, `ACK ${view.code}`);
    await post(captured);
    expect(statusOf(view)).toBe('acknowledged');
    expect(await (await reply(ALICE_PHONE, `ESC ${view.code}`)).text()).toContain('Escalated');
    expect(statusOf(view)).toBe('triggered');
    await post(captured);
    expect(statusOf(view)).toBe('triggered');
  });

  it('applies a bare ACK only to incidents that paged the sender before the reply arrived', async () => {
    resolveAllOpen();
    // Paged after the reply was received (its page is stamped a minute from now).
    const pagedLater = pagedTo('alice', new Date(Date.now() + 60_000));
    const text = await (await reply(ALICE_PHONE, 'ACK')).text();
    expect(text).toContain('no open incident');
    expect(statusOf(pagedLater)).toBe('triggered');
  });

  it('hears a command only from contacts the incident paged or whose policy names them', async () => {
    const view = pagedTo('alice');
    for (const command of [`ACK ${view.code}`, `ESC ${view.code}`, `RES ${view.code}`]) {
      const text = await (await reply(CAROL_PHONE, command)).text();
      expect(text).toContain('nothing done');
    }
    expect(statusOf(view)).toBe('triggered');
    // Once it pages Carol (reassigned to her), she may act on it.
    const incident = app.fake.incidents.get(view.id);
    incident?.recordPage({ id: 'carol', name: 'Carol', email: 'carol@example.test', phone: CAROL_PHONE }, 'sms', { cycle: 0, levelIndex: -1 }, new Date(), 'sent');
    expect(await (await reply(CAROL_PHONE, `ACK ${view.code}`)).text()).toContain(`Acknowledged ${view.code}`);
  });

  it('assigns incident roles by SMS (ROLE and COMMANDER), refusing an unknown contact and a sender with no part in the incident', async () => {
    const view = pagedTo('alice');
    expect(await (await reply(ALICE_PHONE, `COMMANDER ${view.code} carol`)).text()).toContain(`${view.code} (checkout): commander Carol.`);
    expect(app.fake.roleAssignments.at(-1)).toMatchObject({ id: view.id, input: { by: 'Alice', via: 'sms', roles: { commander: { id: 'carol', name: 'Carol', phone: CAROL_PHONE } } } });
    expect(await (await reply(ALICE_PHONE, `ROLE ${view.code} responders alice carol`)).text()).toContain('responders Alice, Carol.');
    const before = app.fake.roleAssignments.length;
    expect(await (await reply(ALICE_PHONE, `ROLE ${view.code} scribe zed`)).text()).toContain('no contact zed: nothing done.');
    expect(app.fake.roleAssignments.length).toBe(before);
    // Carol now holds a role on it: she may reassign the commander although it never paged her.
    expect(await (await reply(CAROL_PHONE, `ROLE ${view.code} commander alice`)).text()).toContain('commander Alice.');
    const timeline = app.fake.incidents.get(view.id)?.view().timeline.filter((entry) => entry.kind === 'role').map((entry) => entry.text);
    expect(timeline).toEqual(['commander: Carol, assigned by Alice (sms)', 'responders: Alice, Carol, assigned by Alice (sms)', 'commander: Alice (was Carol), assigned by Carol (sms)']);
    const other = pagedTo('alice');
    expect(await (await reply(CAROL_PHONE, `COMMANDER ${other.code} carol`)).text()).toContain('nothing done');
    expect(app.fake.incidents.get(other.id)?.view().roles).toBeUndefined();
  });

  it('refuses a request without a MessageSid, naming the field', async () => {
    const { MessageSid: _dropped, ...params } = inboundSms(ALICE_PHONE, 'ACK');
    const response = await post(params);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('MessageSid');
  });

  it('hears Twilio again for a message it could not act on (Temporal down)', async () => {
    const view = pagedTo();
    const message = inboundSms(ALICE_PHONE, `ACK ${view.code}`);
    app.fake.state.available = false;
    try {
      expect((await post(message)).status).toBe(503);
    } finally {
      app.fake.state.available = true;
    }
    expect(await (await post(message)).text()).toContain(`Acknowledged ${view.code}`);
  });
});

describe('a bare ACK counts only incidents still waiting (issue 13 point 7)', () => {
  it('acknowledges the one waiting incident when another that paged the sender is acknowledged already', async () => {
    resolveAllOpen();
    const taken = pagedTo();
    app.fake.incidents.get(taken.id)?.acknowledge('Bob (api)', new Date());
    const waiting = pagedTo();
    const text = await (await reply(ALICE_PHONE, 'ACK')).text();
    expect(text).toContain(`Acknowledged ${waiting.code}`);
    expect(text).not.toContain('open incidents');
    expect(statusOf(waiting)).toBe('acknowledged');
  });

  it('says who acknowledged when nothing waits any more', async () => {
    resolveAllOpen();
    const taken = pagedTo();
    app.fake.incidents.get(taken.id)?.acknowledge('Bob (api)', new Date());
    const text = await (await reply(ALICE_PHONE, 'ACK')).text();
    expect(text).toContain(`${taken.code} was already acknowledged by Bob (api) at`);
  });
});

describe('acks that lose are told (issue 12 point 5)', () => {
  it('tells a losing SMS ack who acknowledged and when', async () => {
    const view = pagedTo();
    await fetch(`${app.url}/v1/incidents/${view.id}/ack`, { method: 'POST', headers: { authorization: `Bearer ${RESPONDER_KEY}`, 'content-type': 'application/json' }, body: '{}' });
    const acknowledgedAt = app.fake.incidents.get(view.id)?.view().acknowledgedAt as string;
    const text = await (await reply(ALICE_PHONE, `ACK ${view.code}`)).text();
    expect(text).toContain(`${view.code} (checkout) was already acknowledged by bob (api) at ${acknowledgedAt.slice(0, 10)} ${acknowledgedAt.slice(11, 16)} UTC`);
    expect(text).not.toContain('Acknowledged');
  });

  it('of three simultaneous acks (two replicas, one signed SMS) exactly one wins and the others are told', async () => {
    const view = pagedTo();
    const ack = (url: string, key: string) =>
      fetch(`${url}/v1/incidents/${view.id}/ack`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' }).then(
        async (response) => ({ status: response.status, body: (await response.json()) as { alreadyAcknowledged: boolean; acknowledgedBy: string; acknowledgedAt: string } }),
      );
    const [first, second, sms] = await Promise.all([ack(app.url, API_KEY), ack(replica.url, RESPONDER_KEY), reply(ALICE_PHONE, `ACK ${view.code}`).then((response) => response.text())]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const smsWon = sms.includes(`Acknowledged ${view.code}`);
    const winners = [!first.body.alreadyAcknowledged, !second.body.alreadyAcknowledged, smsWon].filter(Boolean);
    expect(winners).toHaveLength(1);
    const final = app.fake.incidents.get(view.id)?.view();
    for (const answer of [first, second]) {
      expect(answer.body.acknowledgedBy).toBe(final?.acknowledgedBy);
      expect(answer.body.acknowledgedAt).toBe(final?.acknowledgedAt);
    }
    if (!smsWon) expect(sms).toContain(`already acknowledged by ${final?.acknowledgedBy}`);
  });
});
