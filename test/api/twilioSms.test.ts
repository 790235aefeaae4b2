import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAlert } from '../support/alerts';
import { ALICE_PHONE, PUBLIC_URL, startTestApp, TWILIO_TOKEN } from './testApp';

let app: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

const PATH = '/v1/webhooks/twilio/sms';

function reply(from: string, body: string, options: { token?: string; signedUrl?: string } = {}) {
  const params = { From: from, To: '+15550109999', Body: body, MessageSid: 'SM123', AccountSid: 'AC123' };
  const signature = twilio.getExpectedTwilioSignature(options.token ?? TWILIO_TOKEN, options.signedUrl ?? `${PUBLIC_URL}${PATH}`, params);
  return fetch(`${app.url}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
}

function pagedAlice() {
  const view = app.fake.open(makeAlert({ dedupKey: `k-${Math.random()}` }));
  app.fake.paged.set('alice', [...(app.fake.paged.get('alice') ?? []), view.id]);
  return view;
}

describe('SMS replies through the Twilio webhook', () => {
  it('acknowledges by code and answers TwiML naming the incident', async () => {
    const view = pagedAlice();
    const response = await reply(ALICE_PHONE, `ack ${view.code}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/xml');
    expect(await response.text()).toContain(`Acknowledged ${view.code}`);
    expect(app.fake.incidents.get(view.id)?.view().acknowledgedBy).toBe('Alice (sms)');
  });

  it('escalates by code, confirming it', async () => {
    const view = pagedAlice();
    const text = await (await reply(ALICE_PHONE, `esc ${view.code}`)).text();
    expect(text).toContain(`Escalated ${view.code}`);
    expect(app.fake.escalations.at(-1)).toEqual({ id: view.id, by: 'Alice' });
  });

  it('resolves by code, and says so when it already was', async () => {
    const view = pagedAlice();
    expect(await (await reply(ALICE_PHONE, `RESOLVE ${view.code}`)).text()).toContain(`Resolved ${view.code}`);
    expect(app.fake.incidents.get(view.id)?.status).toBe('resolved');
    expect(await (await reply(ALICE_PHONE, `RES ${view.code}`)).text()).toContain(`No open incident ${view.code}`);
  });

  it('takes a bare ACK for the one open incident that paged the sender, and asks which when there are several', async () => {
    for (const id of app.fake.paged.get('alice') ?? []) app.fake.incidents.get(id)?.resolve('cleanup', new Date());
    const only = pagedAlice();
    expect(await (await reply(ALICE_PHONE, 'ACK')).text()).toContain(`Acknowledged ${only.code}`);
    const first = pagedAlice();
    const second = pagedAlice();
    const text = await (await reply(ALICE_PHONE, 'ACK')).text();
    expect(text).toContain(first.code);
    expect(text).toContain(second.code);
    expect(text).toContain('Reply ACK &lt;code&gt;');
    expect(app.fake.incidents.get(first.id)?.status).toBe('triggered');
  });

  it('explains the commands when it does not understand the reply', async () => {
    expect(await (await reply(ALICE_PHONE, 'what is going on')).text()).toContain('Reply ACK');
  });

  it('refuses a wrong signature with 403 and changes nothing', async () => {
    const view = pagedAlice();
    const response = await reply(ALICE_PHONE, `ACK ${view.code}`, { token: 'not-the-token' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('x-twilio-signature');
    expect(app.fake.incidents.get(view.id)?.status).toBe('triggered');
  });

  it('refuses a signature made over the address the server listens on rather than its public URL', async () => {
    const view = pagedAlice();
    const response = await reply(ALICE_PHONE, `ACK ${view.code}`, { signedUrl: `${app.url}${PATH}` });
    expect(response.status).toBe(403);
  });

  it('ignores a sender who is not a configured contact, with an empty TwiML answer', async () => {
    const view = pagedAlice();
    const response = await reply('+15559999999', `ACK ${view.code}`);
    expect(response.status).toBe(200);
    expect(await response.text()).not.toContain('<Message>');
    expect(app.fake.incidents.get(view.id)?.status).toBe('triggered');
  });
});
