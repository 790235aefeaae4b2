/**
 * SMS replies through Telnyx: a `message.received` event signed with Ed25519 over
 * `timestamp|body` (a test key pair from node:crypto), acted on by the same commands as Twilio's,
 * the answer sent back through the telnyx SDK against the loopback fake.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInboundMessages } from '../../api/records/inboundMessages';
import { parseConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { makeAlert } from '../../devkit/alerts';
import { seededRandom } from '../../devkit/seededRandom';
import { startFakeTelnyx, telnyxInboundEvent, telnyxWebhookSigner } from '../../devkit/fakeTelnyx';
import { ALICE_PHONE, AUTH, startTestApp } from '../../devkit/testApp';

const CAROL_PHONE = '+15550100003';
const VIGIL_NUMBER = '+15550109999';
const TELNYX_KEY = 'KEY0123_test_telnyx';
const PATH = '/v1/webhooks/telnyx/sms';
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

const signer = telnyxWebhookSigner();
let store: SqlStore;
let telnyx: Awaited<ReturnType<typeof startFakeTelnyx>>;
let app: Awaited<ReturnType<typeof startTestApp>>;
/** A second API replica over the same incidents and the same SQL store. */
let replica: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  [store, telnyx] = await Promise.all([openSqlStore({}), startFakeTelnyx(TELNYX_KEY)]);
  const telnyxDeps = { telnyxPublicKey: signer.publicKey, telnyxApiKey: TELNYX_KEY, telnyxApiUrl: telnyx.baseUrl };
  app = await startTestApp({ config, inboundMessages: createInboundMessages(store), ...telnyxDeps });
  replica = await startTestApp({ config, inboundMessages: createInboundMessages(store), gateway: app.fake.gateway, ...telnyxDeps });
});
afterAll(async () => {
  await Promise.all([app.close(), replica.close()]);
  await Promise.all([store.close(), telnyx.close()]);
});
beforeEach(() => {
  telnyx.sent.length = 0;
});

/** Posts `event` as Telnyx does: the exact body, signed (by `headers` when given). */
function post(event: unknown, options: { url?: string; headers?: (body: string) => Record<string, string> } = {}) {
  const body = JSON.stringify(event);
  return fetch(`${options.url ?? app.url}${PATH}`, { method: 'POST', headers: (options.headers ?? signer.headers)(body), body });
}

const reply = (from: string, text: string) => post(telnyxInboundEvent(from, VIGIL_NUMBER, text));

/** An incident of policy p that paged `contactId` by SMS a second ago. */
function pagedTo(contactId = 'alice'): IncidentView {
  const view = app.fake.open(makeAlert({ dedupKey: `k-${Math.random()}` }));
  const incident = app.fake.incidents.get(view.id);
  const contact = config.contacts[contactId];
  const pagedAt = new Date(Date.now() - 1_000);
  incident?.recordEscalation({ cycle: 0, levelIndex: 0 }, 'p', pagedAt, undefined);
  incident?.recordPage({ id: contactId, name: contact.name, email: contact.email, phone: contact.phone }, 'sms', { cycle: 0, levelIndex: 0 }, pagedAt, 'sent');
  app.fake.paged.set(contactId, [...(app.fake.paged.get(contactId) ?? []), view.id]);
  return view;
}

const statusOf = (view: IncidentView) => app.fake.incidents.get(view.id)?.status;

describe('SMS replies through the Telnyx webhook', () => {
  it('acknowledges by code on a correct signature, and answers the sender from the number they texted', async () => {
    const view = pagedTo();
    const response = await reply(ALICE_PHONE, `ack ${view.code}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ handled: true, action: 'acknowledge' });
    expect(app.fake.incidents.get(view.id)?.view().acknowledgedBy).toBe('Alice (sms)');
    await expect.poll(() => telnyx.sent.map((sent) => ({ to: sent.to, from: sent.from, acknowledged: sent.text.startsWith(`Acknowledged ${view.code}`) })), { timeout: 10_000 }).toEqual([
      { to: ALICE_PHONE, from: VIGIL_NUMBER, acknowledged: true },
    ]);
  });

  it('resolves and escalates with the same commands as over Twilio', async () => {
    const view = pagedTo();
    expect(await (await reply(ALICE_PHONE, `ESC ${view.code}`)).json()).toEqual({ handled: true, action: 'escalate' });
    expect(app.fake.escalations.at(-1)).toEqual({ id: view.id, by: 'Alice' });
    expect(await (await reply(ALICE_PHONE, `RES ${view.code}`)).json()).toEqual({ handled: true, action: 'resolve' });
    expect(statusOf(view)).toBe('resolved');
  });

  it('refuses a signature made with another key: 403 naming the header, nothing done', async () => {
    const view = pagedTo();
    const other = generateKeyPairSync('ed25519').privateKey;
    const response = await post(telnyxInboundEvent(ALICE_PHONE, VIGIL_NUMBER, `ACK ${view.code}`), { headers: (body) => signer.headers(body, undefined, other) });
    expect(response.status).toBe(403);
    const body = await response.json();
    expect(body).toMatchObject({ error: 'invalid Telnyx signature', details: [{ field: 'telnyx-signature-ed25519' }] });
    expect(statusOf(view)).toBe('triggered');
  });

  it('refuses a body changed after signing, and a request without a signature', async () => {
    const view = pagedTo();
    const signed = JSON.stringify(telnyxInboundEvent(ALICE_PHONE, VIGIL_NUMBER, 'ACK'));
    const tampered = await post(telnyxInboundEvent(ALICE_PHONE, VIGIL_NUMBER, `RES ${view.code}`), { headers: () => signer.headers(signed) });
    expect(tampered.status).toBe(403);
    const unsigned = await post(telnyxInboundEvent(ALICE_PHONE, VIGIL_NUMBER, `RES ${view.code}`), { headers: () => ({ 'content-type': 'application/json' }) });
    expect(unsigned.status).toBe(403);
    expect((await unsigned.json()).details).toEqual([{ field: 'telnyx-signature-ed25519', message: 'missing: Telnyx signs every webhook' }]);
    expect(statusOf(view)).toBe('triggered');
  });

  it('refuses a correctly signed request whose timestamp is outside the 5-minute window', async () => {
    const view = pagedTo();
    const stale = Math.floor(Date.now() / 1000) - 600;
    const response = await post(telnyxInboundEvent(ALICE_PHONE, VIGIL_NUMBER, `ACK ${view.code}`), { headers: (body) => signer.headers(body, stale) });
    expect(response.status).toBe(403);
    const body = await response.json();
    expect(body.details[0].field).toBe('telnyx-timestamp');
    expect(body.details[0].message).toMatch(/outside the 300 s window/);
    expect(statusOf(view)).toBe('triggered');
  });

  it('acts once on a replayed event, on this replica or another', async () => {
    const view = pagedTo();
    const event = telnyxInboundEvent(ALICE_PHONE, VIGIL_NUMBER, `ESC ${view.code}`);
    const escalationsBefore = app.fake.escalations.length;
    expect(await (await post(event)).json()).toEqual({ handled: true, action: 'escalate' });
    const again = await post(event);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ handled: false, reason: 'this message was handled before' });
    const elsewhere = await post(event, { url: replica.url });
    expect(await elsewhere.json()).toEqual({ handled: false, reason: 'this message was handled before' });
    expect(app.fake.escalations.length).toBe(escalationsBefore + 1);
  });

  it('does nothing for a number that is not a contact, and says why', async () => {
    const view = pagedTo();
    const response = await reply('+15559990000', `RES ${view.code}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ handled: false, reason: 'the sender is not a configured contact' });
    expect(statusOf(view)).toBe('triggered');
    expect(telnyx.sent).toHaveLength(0);
  });

  it("takes delivery reports (message.finalized) to the same URL without acting, and refuses a message.received without its sender", async () => {
    const finalized = { data: { record_type: 'event', id: 'e1', event_type: 'message.finalized', payload: { id: 'm1', to: [{ phone_number: ALICE_PHONE, status: 'delivered' }] } } };
    expect(await (await post(finalized)).json()).toEqual({ handled: false, reason: 'message.finalized events carry no reply' });
    const noSender = telnyxInboundEvent(ALICE_PHONE, VIGIL_NUMBER, 'ACK') as { data: { payload: Record<string, unknown> } };
    delete noSender.data.payload.from;
    const response = await post(noSender);
    expect(response.status).toBe(400);
    expect((await response.json()).details[0].field).toBe('body.data.payload.from');
    const notJson = await fetch(`${app.url}${PATH}`, { method: 'POST', headers: signer.headers('ack'), body: 'ack' });
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).details).toEqual([{ field: 'body', message: 'not JSON' }]);
  });

  it('needs no API key (the signature is its credential), and answers 503 where no public key is configured', async () => {
    const other = await startTestApp({ config, inboundMessages: createInboundMessages(store), telnyxPublicKey: undefined });
    try {
      const body = JSON.stringify(telnyxInboundEvent(ALICE_PHONE, VIGIL_NUMBER, 'ACK'));
      const response = await fetch(`${other.url}${PATH}`, { method: 'POST', headers: signer.headers(body), body });
      expect(response.status).toBe(503);
      expect((await response.json()).error).toMatch(/TELNYX_PUBLIC_KEY/);
      // Any other webhook path under telnyx still needs an API key.
      const unlisted = await fetch(`${other.url}/v1/webhooks/telnyx/voice`, { method: 'POST', headers: signer.headers(body), body });
      expect(unlisted.status).toBe(401);
      const withKey = await fetch(`${other.url}/v1/webhooks/telnyx/voice`, { method: 'POST', headers: { ...signer.headers(body), ...AUTH }, body });
      expect(withKey.status).toBe(404);
    } finally {
      await other.close();
    }
  });

  it('refuses to start with a public key that is not one', async () => {
    await expect(startTestApp({ config, telnyxPublicKey: 'not-a-key' })).rejects.toThrow(/TELNYX_PUBLIC_KEY is not a Telnyx public key/);
  });

  it('answers 300 signed, mutated events without a 5xx, always in JSON: refused as malformed (400) or heard (200)', { timeout: 120_000 }, async () => {
    const random = seededRandom(15_4);
    const odd: unknown[] = [null, 0, -1, 1e308, '', 'x'.repeat(5000), [], {}, [[[]]], true, '+15550100001', 'message.received', { phone_number: 42 }];
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
    /** A copy of `value` with one field somewhere replaced, removed or added. */
    function mutate(value: unknown, depth = 0): unknown {
      if (value === null || typeof value !== 'object' || depth > 4 || random() < 0.25) return pick(odd);
      const copy: Record<string, unknown> = Array.isArray(value) ? { ...value } : { ...(value as Record<string, unknown>) };
      const keys = Object.keys(copy);
      const key = keys.length > 0 && random() < 0.8 ? pick(keys) : `extra${Math.floor(random() * 9)}`;
      if (random() < 0.2) delete copy[key];
      else copy[key] = mutate(copy[key], depth + 1);
      return Array.isArray(value) ? Object.values(copy) : copy;
    }
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const event = mutate(telnyxInboundEvent(CAROL_PHONE, VIGIL_NUMBER, 'ACK'));
      const response = await post(event);
      expect(response.status, JSON.stringify(event).slice(0, 300)).toBeLessThan(500);
      expect(response.headers.get('content-type')).toContain('application/json');
      await response.json();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
    // Both ways out were taken: refused as malformed, and heard.
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect([...statuses.keys()].every((status) => status === 200 || status === 400)).toBe(true);
  });
});
