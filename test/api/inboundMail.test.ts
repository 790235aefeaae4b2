/**
 * The SMTP listener, sent real mail by nodemailer on a loopback port: mail to an email
 * integration's address opens and resolves incidents through the receive pipeline; wrong
 * addresses, oversized mail and an unavailable pipeline get the SMTP answers senders act on.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import pino from 'pino';
import { createApp } from '../../api/app';
import type { ReceiveDeps } from '../../api/intake/receive';
import { authFailureGuardFor } from '../../api/access/limitsFromConfig';
import { startSmtpListener, type SmtpListener } from '../../api/inboundMail/smtpListener';
import { SMTP_DEFAULTS, smtpSettingsFromEnv, type SmtpSettings } from '../../api/inboundMail/smtpSettings';
import { incidentWorkflowId } from '../../domain/alert';
import { parseConfig } from '../../domain/config';
import { sqlRateLimiter } from '../../platform/rateLimitStore';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { createFakeGateway } from '../../devkit/fakeGateway';

const TOKEN = 'mail-token-0123456789';
const env = { MAIL_TOKEN: TOKEN, HOOK_TOKEN: 'hook-token' };
const config = parseConfig(
  {
    services: { web: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
    integrations: {
      mail: { source: 'email', service: 'web', tokenEnv: 'MAIL_TOKEN' },
      hook: { source: 'generic', service: 'web', tokenEnv: 'HOOK_TOKEN' },
    },
    limits: { failedAuthAttempts: 3, failedAuthWindow: '1m', failedAuthBlock: '5m' },
  },
  'test config',
);
const logger = pino({ level: 'silent' });
const ADDRESS = `mail+${TOKEN}@vigil.example`;

let store: SqlStore;
beforeAll(async () => {
  store = await openSqlStore({});
}, 60_000);
afterAll(async () => {
  await store?.close();
});

const listeners: SmtpListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((listener) => listener.close()));
});

async function start(overrides: Partial<SmtpSettings> = {}, options: { guard?: boolean; messagesPerMinute?: number; limiterKey?: string } = {}) {
  const fake = createFakeGateway();
  const app = createApp({ gateway: fake.gateway, config, apiKeys: new Map(), publicUrl: 'http://vigil.test', logger, env });
  const settings: SmtpSettings = { ...SMTP_DEFAULTS, port: 0, socketTimeoutMs: 10_000, ...overrides };
  const outcomes: string[] = [];
  const listener = await startSmtpListener({
    settings,
    config,
    env,
    receive: app.locals.receive as ReceiveDeps,
    // Each test its own counters: a key prefix per listener.
    authFailures: options.guard ? authFailureGuardFor(config, store) : undefined,
    messageLimiter: options.messagesPerMinute ? sqlRateLimiter(store, { keyPrefix: options.limiterKey ?? `smtp-test-${Math.random()}`, points: options.messagesPerMinute, duration: 60 }) : undefined,
    logger,
    onOutcome: (outcome) => outcomes.push(outcome),
    closeTimeoutMs: 1000,
  });
  listeners.push(listener);
  const send = (mail: SendMailOptions, tls: 'none' | 'required' = 'none') => {
    const security = tls === 'required' ? { requireTLS: true, tls: { rejectUnauthorized: false } } : { ignoreTLS: true };
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ...security, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });
    return transport.sendMail({ from: 'Nagios <nagios@monitor.example.net>', to: ADDRESS, ...mail }).finally(() => transport.close());
  };
  return { fake, send, outcomes };
}

/** The SMTP reply code nodemailer reports for a refused send. */
async function refusal(sending: Promise<unknown>): Promise<{ responseCode?: number; response?: string }> {
  try {
    await sending;
  } catch (error) {
    return error as { responseCode?: number; response?: string };
  }
  throw new Error('the mail was accepted');
}

describe('SMTP listener', () => {
  it('opens an incident for a firing mail and resolves it with a RESOLVED mail', async () => {
    const { fake, send } = await start();
    const info = await send({ subject: 'PROBLEM: disk 91% on db-1', text: 'Disk /var is 91% full', messageId: '<p1@monitor.example.net>' });
    expect(info.response).toMatch(/^250 /);
    expect(fake.submitted).toHaveLength(1);
    expect(fake.submitted[0]).toMatchObject({ service: 'web', summary: 'PROBLEM: disk 91% on db-1', source: 'email', severity: 'error', dedupKey: 'email:disk # on db-1' });
    expect(fake.submitted[0].details).toMatchObject({ messageId: '<p1@monitor.example.net>', from: expect.stringContaining('nagios@monitor.example.net') });
    expect(String(fake.submitted[0].details.body)).toContain('Disk /var is 91% full');

    await send({ subject: 'RESOLVED: disk 40% on db-1', text: 'back to normal', messageId: '<p2@monitor.example.net>' });
    expect(fake.sourceResolved).toHaveLength(1);
    expect(incidentWorkflowId(fake.sourceResolved[0])).toBe(incidentWorkflowId(fake.submitted[0]));
    const [incident] = [...fake.incidents.values()].map((entry) => entry.view());
    expect(incident.workflowId).toBe(incidentWorkflowId(fake.submitted[0]));
    expect(fake.submitted).toHaveLength(1);
  }, 60_000);

  it('gives a re-sent mail with the same Message-ID the same alert id, so it counts once', async () => {
    const { fake, send } = await start();
    const mail = { subject: 'Cron <root@backup1> backup.sh', text: 'rsync error', messageId: '<same@backup1>' };
    await send(mail);
    await send(mail);
    await send({ ...mail, messageId: '<other@backup1>' });
    expect(fake.submitted).toHaveLength(3);
    expect(fake.submitted[1].id).toBe(fake.submitted[0].id);
    expect(fake.submitted[2].id).not.toBe(fake.submitted[0].id);
  }, 60_000);

  it('refuses an unknown address and a wrong token alike at RCPT with 550, and blocks a guessing client', async () => {
    const { fake, send } = await start({}, { guard: true });
    const wrongToken = await refusal(send({ to: 'mail+guess@vigil.example', subject: 'x', text: 'x' }));
    const unknown = await refusal(send({ to: `nobody+${TOKEN}@vigil.example`, subject: 'x', text: 'x' }));
    const notEmail = await refusal(send({ to: 'hook+hook-token@vigil.example', subject: 'x', text: 'x' }));
    for (const answer of [wrongToken, unknown, notEmail]) {
      expect(answer.responseCode).toBe(550);
      expect(answer.response).toBe(wrongToken.response);
    }
    expect(fake.submitted).toHaveLength(0);
    // A fourth failure crosses the limit (3 per minute)...
    expect((await refusal(send({ to: 'mail+guess2@vigil.example', subject: 'x', text: 'x' }))).responseCode).toBe(421);
    // ...and the client is now refused even with the right address.
    const blocked = await refusal(send({ subject: 'PROBLEM: real', text: 'x' }));
    expect(blocked.responseCode).toBe(421);
    expect(fake.submitted).toHaveLength(0);
  }, 60_000);

  it('refuses a mail over the size limit with 552', async () => {
    const { fake, send, outcomes } = await start({ maxBytes: 4096 });
    const answer = await refusal(send({ subject: 'PROBLEM: big', text: 'x'.repeat(20_000) }));
    expect(answer.responseCode).toBe(552);
    expect(fake.submitted).toHaveLength(0);
    expect(outcomes).toEqual(['too_large']);
  }, 60_000);

  it('counts the message rate in the SQL store, so two replicas share one limit per client', async () => {
    const limiterKey = `smtp-shared-${Math.random()}`;
    const first = await start({}, { messagesPerMinute: 2, limiterKey });
    const second = await start({}, { messagesPerMinute: 2, limiterKey });
    await first.send({ subject: 'PROBLEM: a', text: 'x' });
    await second.send({ subject: 'PROBLEM: b', text: 'x' });
    // Each replica alone has taken one of its two; together the client has used both.
    expect((await refusal(first.send({ subject: 'PROBLEM: c', text: 'x' }))).responseCode).toBe(451);
    expect((await refusal(second.send({ subject: 'PROBLEM: d', text: 'x' }))).responseCode).toBe(451);
    expect([...first.outcomes, ...second.outcomes].sort()).toEqual(['held', 'held', 'rate_limited', 'rate_limited']);
  }, 60_000);

  it('answers 451 while the alert cannot be held, so the sender retries, and 250 once it can', async () => {
    const { fake, send } = await start();
    fake.state.available = false;
    const answer = await refusal(send({ subject: 'PROBLEM: db down', text: 'x', messageId: '<retry@db>' }));
    expect(answer.responseCode).toBe(451);
    fake.state.available = true;
    const info = await send({ subject: 'PROBLEM: db down', text: 'x', messageId: '<retry@db>' });
    expect(info.response).toMatch(/^250 /);
    expect(fake.submitted).toHaveLength(1);
  }, 60_000);

  it('limits recipients per message and messages per client', async () => {
    const { fake, send, outcomes } = await start({ maxRecipients: 2 }, { messagesPerMinute: 2 });
    // nodemailer sends to the recipients taken and reports the one refused.
    const many = await send({ to: [ADDRESS, `mail+${TOKEN}@b.example`, `mail+${TOKEN}@c.example`], subject: 'PROBLEM: x', text: 'x' });
    expect(many.rejected).toEqual([`mail+${TOKEN}@c.example`]);
    expect((many.rejectedErrors?.[0] as { responseCode?: number } | undefined)?.responseCode).toBe(452);
    await send({ subject: 'PROBLEM: one', text: 'x' });
    const third = await refusal(send({ subject: 'PROBLEM: two', text: 'x' }));
    expect(third.responseCode).toBe(451);
    // One alert per message: two recipients naming one integration make one alert.
    expect(fake.submitted.map((alert) => alert.summary)).toEqual(['PROBLEM: x', 'PROBLEM: one']);
    // Counted for vigil_smtp_messages_total: two held, the third limited.
    expect(outcomes).toEqual(['held', 'held', 'rate_limited']);
  }, 60_000);

  it('survives hostile raw mail and keeps serving', async () => {
    const { fake, send } = await start();
    const garbage = Buffer.concat([
      Buffer.from(`Subject: =?bogus?Q?=ZZ?=\r\nContent-Type: multipart/mixed; boundary="b"\r\nX-Huge: ${'h'.repeat(100_000)}\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n${'<b>'.repeat(50_000)}\r\n`),
      Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x0d, 0x0a]),
    ]);
    const answer = await send({ envelope: { from: 'x@y', to: [ADDRESS] }, raw: garbage }).then(
      (info) => info.response,
      (error: { responseCode?: number }) => error.responseCode,
    );
    expect(String(answer)).toMatch(/^(250|554)/);
    const info = await send({ subject: 'PROBLEM: after garbage', text: 'x' });
    expect(info.response).toMatch(/^250 /);
    expect(fake.submitted.at(-1)?.summary).toBe('PROBLEM: after garbage');
  }, 60_000);
});

describe('SMTP listener settings', () => {
  it('is off without VIGIL_SMTP_PORT, loopback with the documented defaults, and names a bad variable', () => {
    expect(smtpSettingsFromEnv({})).toBeUndefined();
    expect(smtpSettingsFromEnv({ VIGIL_SMTP_PORT: '2525' })).toEqual({ ...SMTP_DEFAULTS, port: 2525, host: '127.0.0.1', name: undefined, tls: undefined });
    expect(() => smtpSettingsFromEnv({ VIGIL_SMTP_PORT: '2525', VIGIL_SMTP_MAX_BYTES: '1MB' })).toThrow(/VIGIL_SMTP_MAX_BYTES/);
    expect(() => smtpSettingsFromEnv({ VIGIL_SMTP_PORT: 'smtp' })).toThrow(/VIGIL_SMTP_PORT/);
    expect(() => smtpSettingsFromEnv({ VIGIL_SMTP_PORT: '2525', VIGIL_SMTP_TLS_KEY_FILE: '/k.pem' })).toThrow(/VIGIL_SMTP_TLS_CERT_FILE/);
  });

  it('offers STARTTLS with a key and certificate from the environment, and takes mail over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-smtp-tls-'));
    try {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=localhost', '-days', '1'], { stdio: 'ignore', timeout: 30_000 });
      const settings = smtpSettingsFromEnv({ VIGIL_SMTP_PORT: '0', VIGIL_SMTP_TLS_KEY_FILE: key, VIGIL_SMTP_TLS_CERT_FILE: cert });
      expect(settings?.tls).toBeDefined();
      const { fake, send } = await start({ tls: settings?.tls });
      // requireTLS: nodemailer fails the send unless the server offers STARTTLS and the upgrade works.
      const info = await send({ subject: 'PROBLEM: over tls', text: 'x' }, 'required');
      expect(info.response).toMatch(/^250 /);
      expect(fake.submitted.map((alert) => alert.summary)).toEqual(['PROBLEM: over tls']);
      // Without the files, no STARTTLS is offered and a client that requires it gives up.
      const plain = await start();
      await expect(plain.send({ subject: 'PROBLEM: x', text: 'x' }, 'required')).rejects.toThrow(/STARTTLS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
