/**
 * Realistic mails, raw as SMTP DATA carries them, read by mailparser (api/inboundMail/readMail.ts)
 * and turned into alerts by the email adapter; and the config of an email integration.
 */
import { describe, expect, it } from 'vitest';
import { emailAdapter, normalizedSubject } from '../../api/adapters/email';
import { readMail } from '../../api/inboundMail/readMail';
import { integrationAddress } from '../../api/inboundMail/smtpListener';
import { ConfigError, parseConfig } from '../../domain/config';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

/** What cron mails for a failing job with MAILTO set (cronie / Vixie cron headers). */
const CRON_MAIL = crlf([
  'From: "(Cron Daemon)" <root@backup1.example.net>',
  'To: ops+cron@vigil.example',
  'Subject: Cron <root@backup1> /usr/local/bin/backup.sh --full',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=UTF-8',
  'Auto-Submitted: auto-generated',
  'Precedence: bulk',
  'X-Cron-Env: <SHELL=/bin/sh>',
  'Message-Id: <20261129220001.1A2B3C@backup1.example.net>',
  'Date: Sun, 29 Nov 2026 22:00:01 +0000 (UTC)',
  '',
  'rsync: connection unexpectedly closed (0 bytes received so far) [sender]',
  'rsync error: error in rsync protocol data stream (code 12) at io.c(228) [sender=3.2.7]',
  '',
]);

/** Nagios Core's notify-service-by-email (printf | mail), a PROBLEM and its RECOVERY. */
function nagiosMail(type: 'PROBLEM' | 'RECOVERY', state: string, id: string): Buffer {
  return crlf([
    'From: nagios@monitor.example.net',
    'To: web+tok@vigil.example',
    `Subject: ** ${type} Service Alert: web1/HTTP is ${state} **`,
    `Message-ID: <${id}@monitor.example.net>`,
    'Date: Sun, 29 Nov 2026 22:30:01 +0000',
    '',
    '***** Nagios *****',
    '',
    `Notification Type: ${type}`,
    '',
    'Service: HTTP',
    'Host: web1',
    `State: ${state}`,
    '',
  ]);
}

/** A monitoring tool's HTML-and-text mail with a logo attached (Zabbix-, PRTG-style). */
const HTML_MAIL = crlf([
  'From: PRTG <prtg@example.net>',
  'To: net+tok@vigil.example',
  'Subject: =?UTF-8?Q?[PRTG]_Ping_core-sw1_Down_=E2=80=93_100_%?=',
  'Message-ID: <prtg-77@example.net>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/related; boundary="outer"',
  '',
  '--outer',
  'Content-Type: multipart/alternative; boundary="inner"',
  '',
  '--inner',
  'Content-Type: text/html; charset=UTF-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  '<html><body><h1>Sensor Ping Down</h1><p>Device <b>core-sw1</b> =E2=80=93 100 % packet loss</p><img src=3D"cid:logo"></body></html>',
  '--inner--',
  '--outer',
  'Content-Type: image/png',
  'Content-ID: <logo>',
  'Content-Transfer-Encoding: base64',
  '',
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  '--outer--',
  '',
]);

describe('inbound mail parsing', () => {
  it('reads a cron MAILTO mail: subject, text body, sender and Message-ID', async () => {
    const [alert] = emailAdapter.parse(await readMail(CRON_MAIL), { defaultService: 'backups' });
    expect(alert).toMatchObject({
      service: 'backups',
      summary: 'Cron <root@backup1> /usr/local/bin/backup.sh --full',
      severity: 'error',
      status: 'firing',
      source: 'email',
      labels: { from: 'root@backup1.example.net' },
      senderId: 'message-id:<20261129220001.1A2B3C@backup1.example.net>',
      details: { from: '"(Cron Daemon)" <root@backup1.example.net>', messageId: '<20261129220001.1A2B3C@backup1.example.net>', date: '2026-11-29T22:00:01.000Z' },
    });
    expect(alert.details.body).toContain('rsync error: error in rsync protocol data stream (code 12)');
  });

  it('pairs a Nagios PROBLEM with its RECOVERY by the normalised subject', async () => {
    const [problem] = emailAdapter.parse(await readMail(nagiosMail('PROBLEM', 'CRITICAL', 'a1')), { defaultService: 'web' });
    const [recovery] = emailAdapter.parse(await readMail(nagiosMail('RECOVERY', 'OK', 'a2')), { defaultService: 'web' });
    expect(problem.status).toBe('firing');
    expect(recovery.status).toBe('resolved');
    expect(recovery.dedupKey).toBe(problem.dedupKey);
    expect(problem.dedupKey).toBe('email:service alert: web1/http');
  });

  it('reads a multipart HTML mail: decoded subject, HTML as text, attachment left out', async () => {
    const message = await readMail(HTML_MAIL);
    const [alert] = emailAdapter.parse(message, { defaultService: 'network' });
    expect(alert.summary).toBe('[PRTG] Ping core-sw1 Down – 100 %');
    expect(alert.details.body).toMatch(/SENSOR PING DOWN|Sensor Ping Down/);
    expect(alert.details.body).toContain('core-sw1');
    expect(alert.details.body).not.toContain('<b>');
    expect(alert.details.body).not.toContain('iVBORw0KGgo');
  });

  it('normalises volatile parts away but keeps host names apart', () => {
    expect(normalizedSubject('PROBLEM: disk 91% on db-1 at 2026-11-29 22:30:01')).toBe(normalizedSubject('RESOLVED: disk 12% on db-1 at 2026-11-30 01:02:03'));
    expect(normalizedSubject('disk 91% on db-1')).not.toBe(normalizedSubject('disk 91% on db-2'));
    expect(normalizedSubject('Re: Fwd: job 12345 failed')).toBe('job # failed');
  });

  it('uses the configured dedup-key capture and resolved-subject pattern', () => {
    const email = { dedupKey: '/.*check=(\\S+).*/', resolvedSubject: '/(?i)cleared.*/', severity: 'warning' as const };
    const [fired] = emailAdapter.parse({ subject: 'ALARM check=ups-3 battery 40%' }, { email });
    const [cleared] = emailAdapter.parse({ subject: 'Cleared: check=ups-3 battery 100%' }, { email });
    expect(fired).toMatchObject({ dedupKey: 'email:ups-3', status: 'firing', severity: 'warning', service: 'email' });
    expect(cleared).toMatchObject({ dedupKey: 'email:ups-3', status: 'resolved' });
    // The default resolved words no longer apply once a pattern is configured.
    expect(emailAdapter.parse({ subject: 'OK check=ups-3' }, { email })[0].status).toBe('firing');
  });

  it('bounds the body kept in details', () => {
    const [alert] = emailAdapter.parse({ subject: 'big', text: 'x'.repeat(1_000_000) }, {});
    expect(Buffer.byteLength(JSON.stringify(alert.details))).toBeLessThan(64 * 1024);
    expect(alert.details.bodyTruncated).toBe(true);
  });

  it('never throws on malformed MIME, 8-bit garbage or a huge header', async () => {
    const garbage = Buffer.concat([
      crlf(['Subject: =?bogus?X?zzz?=', 'Content-Type: multipart/mixed; boundary="never-closed"', `X-Long: ${'a'.repeat(200_000)}`, '', '--never-closed', 'Content-Type: text/plain; charset=x-unknown-charset', 'Content-Transfer-Encoding: base64', '', '!!!not base64!!!']),
      Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0d, 0x0a]),
    ]);
    const [alert] = emailAdapter.parse(await readMail(garbage), {});
    expect(alert.status).toBe('firing');
    expect(alert.summary.length).toBeGreaterThan(0);
  });

  it('shortens a huge subject, sender and Message-ID instead of refusing the mail', async () => {
    const huge = crlf([`Subject: PROBLEM ${'s'.repeat(300_000)}`, `From: x@${'f'.repeat(5000)}.example`, `Message-ID: <${'m'.repeat(5000)}@x>`, '', 'body']);
    const [alert] = emailAdapter.parse(await readMail(huge), {});
    expect(alert.summary.length).toBeLessThanOrEqual(1000);
    expect(alert.summary.startsWith('PROBLEM sss')).toBe(true);
  });

  it('reads an integration address as <id>+<token>@domain', () => {
    expect(integrationAddress('Cron-Mail+s3cr3t+x@vigil.example')).toEqual({ integrationId: 'cron-mail', token: 's3cr3t+x' });
    expect(integrationAddress('cron@vigil.example')).toBeUndefined();
    expect(integrationAddress('+tok@vigil.example')).toBeUndefined();
    expect(integrationAddress('cron+@vigil.example')).toBeUndefined();
  });
});

describe('email integration config', () => {
  const base = {
    services: { web: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
  };
  const issuesOf = (integration: object) => {
    try {
      parseConfig({ ...base, integrations: { mail: integration } }, 'test');
    } catch (error) {
      if (error instanceof ConfigError) return error.issues;
      throw error;
    }
    return [];
  };

  it('names the field of a pattern RE2 refuses or that is no /regex/', () => {
    expect(issuesOf({ source: 'email', tokenEnv: 'T', email: { dedupKey: '/(a)\\1/' } }).map((issue) => issue.path)).toEqual(['integrations.mail.email.dedupKey']);
    expect(issuesOf({ source: 'email', tokenEnv: 'T', email: { resolvedSubject: 'RESOLVED' } }).map((issue) => issue.path)).toEqual(['integrations.mail.email.resolvedSubject']);
  });

  it('takes valid patterns, and email settings only on an email integration', () => {
    expect(issuesOf({ source: 'email', tokenEnv: 'T', email: { dedupKey: '/.*host=(\\S+).*/', resolvedSubject: '/(?i)ok.*/' } })).toEqual([]);
    expect(issuesOf({ source: 'generic', tokenEnv: 'T', email: {} }).map((issue) => issue.path)).toEqual(['integrations.mail.email']);
  });
});
