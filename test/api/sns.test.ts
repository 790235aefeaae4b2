/** CloudWatch through SNS, verified offline: messages signed here with a key whose public half the fake fetcher serves. */
import { generateKeyPairSync, sign } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import type { SnsEnvelope } from '../../api/sns/snsMessage';
import { isSigningCertUrl, isSubscribeUrl, stringToSign } from '../../api/sns/snsMessage';
import { parseConfig } from '../../domain/config';
import { createFakeGateway } from '../support/fakeGateway';
import { adapterFixture } from '../support/fixtures';

const TOKEN = 'sns-path-token';
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem';
const SUBSCRIBE_URL = 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:eu-west-1:123456789012:alarms&Token=abc';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const fetched: string[] = [];
const confirmed: string[] = [];
const fetcher = {
  async certificate(url: string) {
    fetched.push(url);
    return publicKey.export({ type: 'spki', format: 'pem' }).toString();
  },
  async confirm(url: string) {
    confirmed.push(url);
    return 200;
  },
};

const fake = createFakeGateway();
let server: Server;
let url: string;

beforeAll(async () => {
  const config = parseConfig(
    {
      services: {},
      defaultEscalationPolicy: 'p',
      contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '5m' }] } },
      integrations: { aws: { source: 'cloudwatch', service: 'checkout', tokenEnv: 'AWS_TOKEN' } },
    },
    'test',
  );
  const app = createApp({ gateway: fake.gateway, config, apiKeys: new Map(), publicUrl: 'https://x', logger: pino({ level: 'silent' }), env: { AWS_TOKEN: TOKEN }, snsFetcher: fetcher });
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function signed(message: Omit<SnsEnvelope, 'Signature'>): SnsEnvelope {
  const unsigned = { ...message, Signature: '' } as SnsEnvelope;
  const algorithm = message.SignatureVersion === '1' ? 'sha1' : 'sha256';
  return { ...unsigned, Signature: sign(algorithm, Buffer.from(stringToSign(unsigned)), privateKey).toString('base64') };
}

function notification(state: 'ALARM' | 'OK', version: '1' | '2' = '1'): SnsEnvelope {
  const fixture = adapterFixture('cloudwatch').payload as SnsEnvelope;
  const alarm = { ...JSON.parse(fixture.Message), NewStateValue: state };
  return signed({ ...fixture, Message: JSON.stringify(alarm), SigningCertURL: CERT_URL, SignatureVersion: version });
}

function subscription(subscribeUrl = SUBSCRIBE_URL): SnsEnvelope {
  return signed({
    Type: 'SubscriptionConfirmation',
    MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
    Token: 'abc',
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
    Message: 'You have chosen to subscribe to the topic. To confirm the subscription, visit the SubscribeURL included in this message.',
    SubscribeURL: subscribeUrl,
    Timestamp: '2026-11-24T08:00:00.000Z',
    SignatureVersion: '1',
    SigningCertURL: CERT_URL,
  });
}

function post(body: unknown, token = TOKEN) {
  return fetch(`${url}/v1/webhooks/sns/aws/${token}`, { method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: JSON.stringify(body) });
}

describe('CloudWatch alarms through SNS', () => {
  it.each(['1', '2'] as const)('opens an incident for a signed ALARM (SignatureVersion %s)', async (version) => {
    const response = await post(notification('ALARM', version));
    expect(response.status).toBe(202);
    expect(fake.submitted.at(-1)).toMatchObject({ service: 'checkout', source: 'cloudwatch', dedupKey: 'cw-arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx-high' });
  });

  it('notes the OK transition on the open incident instead of opening one', async () => {
    const before = fake.submitted.length;
    expect((await post(notification('OK'))).status).toBe(202);
    expect(fake.submitted.length).toBe(before);
    expect(fake.sourceResolved.at(-1)?.source).toBe('cloudwatch');
  });

  it('refuses a tampered message with 403 and starts nothing', async () => {
    const before = fake.submitted.length;
    const tampered = { ...notification('ALARM'), Message: JSON.stringify({ AlarmName: 'x', NewStateValue: 'ALARM' }) };
    const response = await post(tampered);
    expect(response.status).toBe(403);
    expect(fake.submitted.length).toBe(before);
  });

  it.each([
    ['another host', 'https://evil.example.com/SimpleNotificationService-abc.pem'],
    ['plain http', CERT_URL.replace('https:', 'http:')],
    ['a look-alike host', 'https://sns.eu-west-1.amazonaws.com.evil.example/SimpleNotificationService-abc.pem'],
    ['another path', 'https://sns.eu-west-1.amazonaws.com/some/other.pem'],
  ])('never fetches a signing certificate from %s', async (_name, certUrl) => {
    const before = fetched.length;
    const response = await post({ ...notification('ALARM'), SigningCertURL: certUrl });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('body.SigningCertURL');
    expect(fetched.length).toBe(before);
  });

  it('confirms a signed subscription by visiting its SNS link', async () => {
    const response = await post(subscription());
    expect(response.status).toBe(200);
    expect(confirmed.at(-1)).toBe(SUBSCRIBE_URL);
  });

  it('visits no subscription link before the signature verifies, nor one off SNS even when signed', async () => {
    const before = confirmed.length;
    const unsigned = { ...subscription(), Signature: Buffer.from('forged').toString('base64') };
    expect((await post(unsigned)).status).toBe(403);
    const offSns = await post(subscription('https://attacker.example/?Action=ConfirmSubscription'));
    expect(offSns.status).toBe(400);
    expect(confirmed.length).toBe(before);
  });

  it('refuses a wrong path token with 401', async () => {
    expect((await post(notification('ALARM'), 'wrong')).status).toBe(401);
  });

  it('refuses a body that is not an SNS message, naming the field', async () => {
    const response = await post({ Type: 'Notification' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { details: Array<{ field: string }> }).details[0].field).toMatch(/^body\./);
  });
});

describe('SNS URL rules', () => {
  it('accepts only AWS signing certificate URLs', () => {
    expect(isSigningCertUrl(CERT_URL)).toBe(true);
    expect(isSigningCertUrl('https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem')).toBe(true);
    expect(isSigningCertUrl('https://user@sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem')).toBe(false);
    expect(isSigningCertUrl('https://sns.eu-west-1.amazonaws.com:8443/SimpleNotificationService-abc.pem')).toBe(false);
    expect(isSigningCertUrl('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem?x=1')).toBe(false);
  });

  it('accepts only ConfirmSubscription links on SNS hosts', () => {
    expect(isSubscribeUrl(SUBSCRIBE_URL)).toBe(true);
    expect(isSubscribeUrl('https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe')).toBe(false);
    expect(isSubscribeUrl('http://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription')).toBe(false);
  });
});
