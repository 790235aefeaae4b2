import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notify';
import { createSqlDeliveryLog } from '../../activities/transports/sqlDeliveryLog';
import { createOutbox } from '../../activities/transports/outbox';
import type { NotificationRequest } from '../../domain/notification';
import type { EmailMessage, SmsMessage, VoiceTransport, NtfyTransport, WebhookPageTransport } from '../../domain/transports';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';

/** Voice is not what these tests are about: a transport that fails loudly if used. */
const UNUSED_VOICE: VoiceTransport = { name: 'unused', call: () => Promise.reject(new Error('no call expected')) };
const UNUSED_NTFY: NtfyTransport = { name: 'unused', publish: () => Promise.reject(new Error('no push expected')) };
const UNUSED_WEBHOOK: WebhookPageTransport = { name: 'unused', post: () => Promise.reject(new Error('no webhook expected')) };

let store: SqlStore;
beforeAll(async () => {
  store = await openSqlStore({});
});
afterAll(() => store.close());
beforeEach(() => store.query('TRUNCATE notification_deliveries'));

function request(overrides: Partial<NotificationRequest> = {}): NotificationRequest {
  return {
    idempotencyKey: 'inc-1:page:L1:c0:alice:email',
    kind: 'page',
    channel: 'email',
    responder: { id: 'alice', name: 'Alice', email: 'alice@example.test', phone: '+15550000001' },
    incident: {
      id: 'inc-1',
      code: '7KQ2MX',
      service: 'checkout',
      severity: 'critical',
      summary: 'checkout down',
      status: 'triggered',
      alertCount: 1,
      level: 1,
      runbookLines: [],
    },
    ...overrides,
  };
}

async function setup() {
  const emails: EmailMessage[] = [];
  const texts: SmsMessage[] = [];
  const activities = createNotifyActivities({
    email: { name: 'test-mail', send: async (message) => void emails.push(message) },
    sms: { name: 'test-sms', send: async (message) => (texts.push(message), { id: 'SM1' }) },
    voice: UNUSED_VOICE,
      ntfy: UNUSED_NTFY,
      webhook: UNUSED_WEBHOOK,
    deliveries: createSqlDeliveryLog(store),
    publicUrl: 'https://vigil.example.test',
  });
  return { activities, emails, texts, env: new MockActivityEnvironment() };
}

describe('deliverNotification', () => {
  it('sends once per idempotency key: a retried activity finds it sent and pages nobody again', async () => {
    const { activities, emails, env } = await setup();
    expect(await env.run(activities.deliverNotification, request())).toBe('sent via test-mail');
    expect(await env.run(activities.deliverNotification, request())).toBe('already sent');
    expect(emails).toHaveLength(1);
    expect(emails[0].to).toBe('alice@example.test');
    expect(emails[0].messageId).toBe('<inc-1-page-L1-c0-alice-email@vigil>');
  });

  it('heartbeats while a slow send is in flight, so a worker that dies mid-send is noticed in seconds', async () => {
    const activities = createNotifyActivities({
      email: { name: 'slow-mail', send: () => new Promise((resolve) => setTimeout(resolve, 2_300)) },
      sms: { name: 'test-sms', send: async () => ({ id: 'SM1' }) },
      voice: UNUSED_VOICE,
      ntfy: UNUSED_NTFY,
      webhook: UNUSED_WEBHOOK,
      deliveries: createSqlDeliveryLog(store),
      publicUrl: 'https://vigil.example.test',
    });
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    expect(await env.run(activities.deliverNotification, request())).toBe('sent via slow-mail');
    // One at the start, then one a second while the send waits; none after it finished.
    expect(beats).toBe(3);
  });

  it('sends SMS to the phone number and a distinct key sends again', async () => {
    const { activities, texts, env } = await setup();
    await env.run(activities.deliverNotification, request({ channel: 'sms', idempotencyKey: 'k-sms-1' }));
    await env.run(activities.deliverNotification, request({ channel: 'sms', idempotencyKey: 'k-sms-2' }));
    expect(texts.map((text) => text.to)).toEqual(['+15550000001', '+15550000001']);
    expect(texts[0].body).toContain('ACK 7KQ2MX');
  });

  it('reports a responder without an address for the channel instead of failing', async () => {
    const { activities, emails, env } = await setup();
    const outcome = await env.run(activities.deliverNotification, request({ responder: { id: 'carol', name: 'Carol' } }));
    expect(outcome).toBe('no email address for carol');
    expect(emails).toHaveLength(0);
  });

  it('lets a transport error through so Temporal retries, and records nothing as sent', async () => {
    let attempts = 0;
    const activities = createNotifyActivities({
      email: {
        name: 'flaky',
        send: async () => {
          attempts += 1;
          if (attempts === 1) throw new Error('421 try later');
        },
      },
      sms: { name: 'unused', send: async () => ({ id: 'x' }) },
      voice: UNUSED_VOICE,
      ntfy: UNUSED_NTFY,
      webhook: UNUSED_WEBHOOK,
      deliveries: createSqlDeliveryLog(store),
      publicUrl: 'https://vigil.example.test',
    });
    const env = new MockActivityEnvironment();
    await expect(env.run(activities.deliverNotification, request())).rejects.toThrow('email transport error: Error');
    expect(await env.run(activities.deliverNotification, request())).toBe('sent via flaky');
    expect(attempts).toBe(2);
  });
});

describe('outbox transport', () => {
  it('appends each message as a JSON line and prints it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-outbox-'));
    const printed: string[] = [];
    const outbox = createOutbox(join(dir, 'outbox.jsonl'), (line) => printed.push(line));
    await outbox.email.send({ to: 'a@example.test', subject: 'hello', text: 'body', messageId: '<m@vigil>' });
    const { id } = await outbox.sms.send({ to: '+15550000001', body: 'page' });
    const lines = (await readFile(join(dir, 'outbox.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.channel)).toEqual(['email', 'sms']);
    expect(lines[1]).toMatchObject({ to: '+15550000001', body: 'page' });
    expect(id).toMatch(/^outbox-/);
    expect(printed).toHaveLength(2);
  });
});
