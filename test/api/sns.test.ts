/** CloudWatch through SNS, verified offline: messages signed here with a key whose public half the fake fetcher serves. */
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import type { SnsEnvelope } from '../../api/sns/snsMessage';
import { isSigningCertUrl, isSubscribeUrl, stringToSign } from '../../api/sns/snsMessage';
import { parseConfig } from '../../domain/config';
import { createFakeGateway } from '../../devkit/fakeGateway';
import { createAlarmStates } from '../../api/records/alarmStates';
import { createInboundMessages } from '../../api/records/inboundMessages';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
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
let store: SqlStore;
const warnings: Array<Record<string, unknown>> = [];
const ALARMS_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:cloudwatch-alarms';
const SUBSCRIPTION_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alarms';

beforeAll(async () => {
  store = await openSqlStore({});
  const logger = pino({ level: 'info' }, { write: (line: string) => warnings.push(JSON.parse(line) as Record<string, unknown>) });
  const config = parseConfig(
    {
      services: {},
      defaultEscalationPolicy: 'p',
      contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '5m' }] } },
      integrations: {
        aws: { source: 'cloudwatch', service: 'checkout', tokenEnv: 'AWS_TOKEN', topicArns: [ALARMS_TOPIC, SUBSCRIPTION_TOPIC] },
        unpinned: { source: 'cloudwatch', service: 'checkout', tokenEnv: 'AWS_TOKEN' },
      },
    },
    'test',
  );
  const app = createApp({
    gateway: fake.gateway,
    config,
    apiKeys: new Map(),
    publicUrl: 'https://x',
    logger,
    env: { AWS_TOKEN: TOKEN },
    snsFetcher: fetcher,
    inboundMessages: createInboundMessages(store),
    alarmStates: createAlarmStates(store),
  });
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
});

function signed(message: Omit<SnsEnvelope, 'Signature'>): SnsEnvelope {
  const unsigned = { ...message, Signature: '' } as SnsEnvelope;
  const algorithm = message.SignatureVersion === '1' ? 'sha1' : 'sha256';
  return { ...unsigned, Signature: sign(algorithm, Buffer.from(stringToSign(unsigned)), privateKey).toString('base64') };
}

/** Each state change happens later than the one before, as an alarm's do. */
let clock = Date.now() - 10 * 60_000;

interface NotificationOptions {
  messageId?: string;
  stateChangeTime?: string;
  timestamp?: string;
  topicArn?: string;
}

/** A realistic CloudWatch notification, fresh: a new MessageId, published now, its state changed just now. */
function notification(state: 'ALARM' | 'OK', version: '1' | '2' = '1', options: NotificationOptions = {}): SnsEnvelope {
  const fixture = adapterFixture('cloudwatch').payload as SnsEnvelope;
  clock += 1_000;
  const alarm = { ...JSON.parse(fixture.Message), NewStateValue: state, OldStateValue: state === 'OK' ? 'ALARM' : 'OK', StateChangeTime: options.stateChangeTime ?? new Date(clock).toISOString().replace('Z', '+0000') };
  return signed({
    ...fixture,
    MessageId: options.messageId ?? randomUUID(),
    TopicArn: options.topicArn ?? fixture.TopicArn,
    Subject: `${state}: "checkout-5xx-high" in EU (Ireland)`,
    Timestamp: options.timestamp ?? new Date().toISOString(),
    Message: JSON.stringify(alarm),
    SigningCertURL: CERT_URL,
    SignatureVersion: version,
  });
}

function subscription(subscribeUrl = SUBSCRIBE_URL): SnsEnvelope {
  return signed({
    Type: 'SubscriptionConfirmation',
    MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
    Token: 'abc',
    TopicArn: SUBSCRIPTION_TOPIC,
    Message: 'You have chosen to subscribe to the topic. To confirm the subscription, visit the SubscribeURL included in this message.',
    SubscribeURL: subscribeUrl,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    SigningCertURL: CERT_URL,
  });
}

function post(body: unknown, token = TOKEN, integrationId = 'aws') {
  return fetch(`${url}/v1/webhooks/sns/${integrationId}/${token}`, { method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: JSON.stringify(body) });
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

async function bodyOf(response: Response) {
  return (await response.json()) as { status?: string; details?: Array<{ field: string; message: string }> };
}

describe('SNS after the signature: topic, age and repeats (issue 11 point 6, issue 13 point 4)', () => {
  it('acts on a repeated MessageId once, answering the repeat 200 so SNS stops retrying', async () => {
    const message = notification('ALARM');
    const before = fake.submitted.length;
    expect((await post(message)).status).toBe(202);
    const repeat = await post(message);
    expect(repeat.status).toBe(200);
    expect((await bodyOf(repeat)).status).toBe('duplicate');
    expect(fake.submitted.length).toBe(before + 1);
  });

  it('refuses a signed message of a topic the integration does not pin, naming the config field', async () => {
    const before = fake.submitted.length;
    const response = await post(notification('ALARM', '2', { topicArn: 'arn:aws:sns:eu-west-1:999999999999:someone-elses-alarms' }));
    expect(response.status).toBe(403);
    const { details } = await bodyOf(response);
    expect(details?.[0]).toMatchObject({ field: 'integrations.aws.topicArns' });
    expect(fake.submitted.length).toBe(before);
  });

  it('refuses every message of an integration that pins no topic, and logs the topic to pin', async () => {
    const before = fake.submitted.length;
    const response = await post(notification('ALARM'), TOKEN, 'unpinned');
    expect(response.status).toBe(403);
    expect((await bodyOf(response)).details?.[0].message).toContain(ALARMS_TOPIC);
    expect(warnings.some((line) => line.topicArn === ALARMS_TOPIC && line.integration === 'unpinned')).toBe(true);
    expect((await post(subscription(), TOKEN, 'unpinned')).status).toBe(403);
    expect(fake.submitted.length).toBe(before);
  });

  it('refuses a correctly signed notification two years old, and one from the future', async () => {
    const before = fake.submitted.length;
    const twoYearsAgo = new Date(Date.now() - 2 * 365 * 24 * 3600_000).toISOString();
    const old = await post(notification('ALARM', '1', { timestamp: twoYearsAgo }));
    expect(old.status).toBe(400);
    expect((await bodyOf(old)).details?.[0].field).toBe('body.Timestamp');
    const late = await post(notification('ALARM', '1', { timestamp: new Date(Date.now() - 70 * 60_000).toISOString() }));
    expect(late.status).toBe(400);
    const future = await post(notification('ALARM', '1', { timestamp: new Date(Date.now() + 60 * 60_000).toISOString() }));
    expect(future.status).toBe(400);
    expect(fake.submitted.length).toBe(before);
    // Within SNS's hour of retries it is still taken.
    expect((await post(notification('ALARM', '1', { timestamp: new Date(Date.now() - 50 * 60_000).toISOString() }))).status).toBe(202);
  });

  it('does not reopen on an ALARM redelivered after its OK, whether under its own MessageId or a new one', async () => {
    const alarm = notification('ALARM');
    expect((await post(alarm)).status).toBe(202);
    const ok = notification('OK');
    expect((await post(ok)).status).toBe(202);
    const submitted = fake.submitted.length;
    const resolved = fake.sourceResolved.length;
    // The same delivery again: dropped by its MessageId.
    expect((await post(alarm)).status).toBe(200);
    // The same state change published again (another MessageId): dropped by its StateChangeTime.
    const alarmMessage = JSON.parse(alarm.Message) as { StateChangeTime: string };
    const republished = await post(notification('ALARM', '1', { stateChangeTime: alarmMessage.StateChangeTime }));
    expect(republished.status).toBe(200);
    expect((await bodyOf(republished)).status).toBe('stale');
    expect(fake.submitted.length).toBe(submitted);
    expect(fake.sourceResolved.length).toBe(resolved);
    // A later ALARM is a new state change and opens again.
    expect((await post(notification('ALARM'))).status).toBe(202);
    expect(fake.submitted.length).toBe(submitted + 1);
  });

  it('hears SNS retry a message it could not hold (Temporal down, no spool)', async () => {
    const message = notification('ALARM');
    fake.state.available = false;
    try {
      expect((await post(message)).status).toBe(503);
    } finally {
      fake.state.available = true;
    }
    const before = fake.submitted.length;
    expect((await post(message)).status).toBe(202);
    expect(fake.submitted.length).toBe(before + 1);
  });

  it('validates pinned topics in config', () => {
    const base = {
      services: {},
      defaultEscalationPolicy: 'p',
      contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
    };
    expect(() => parseConfig({ ...base, integrations: { aws: { source: 'cloudwatch', tokenEnv: 'T', topicArns: ['alarms'] } } }, 'test')).toThrow(/integrations\.aws\.topicArns/);
    expect(() => parseConfig({ ...base, integrations: { am: { source: 'alertmanager', tokenEnv: 'T', topicArns: [ALARMS_TOPIC] } } }, 'test')).toThrow(/topicArns/);
    expect(parseConfig({ ...base, integrations: { aws: { source: 'cloudwatch', tokenEnv: 'T', topicArns: [ALARMS_TOPIC, 'arn:aws-cn:sns:cn-north-1:123456789012:alarms.fifo'] } } }, 'test').integrations.aws.topicArns).toHaveLength(2);
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
