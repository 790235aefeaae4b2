/**
 * Mail as an alert source (`source: 'email'`): the SMTP listener (`api/inboundMail/`) reads a
 * message with mailparser into the plain shape below, and this turns it into one alert. The
 * same shape may be posted as JSON to `/v1/integrations/<id>` by a mail-to-webhook relay.
 *
 * Subject → summary; text body (HTML already converted to text) → `details.body`, bounded; sender
 * and Message-ID → details. A subject the integration's `resolvedSubject` matches ends the alert;
 * the dedup key is the `dedupKey` pattern's capture, else the subject with its status words and
 * volatile parts (numbers, dates, times, hex ids) normalised away, so "PROBLEM: disk 91% on db-1"
 * and "RESOLVED: disk 12% on db-1" pair. The Message-ID is the sender id: a re-sent mail counts once.
 */
import { z } from 'zod';
import { RE2JS } from 're2js';
import { DEFAULT_EMAIL_INTAKE } from '../../domain/emailIntakeConfig';
import { labelPatternCapture, labelPatternMatches } from '../../domain/labelPattern';
import { toServiceId } from './serviceName';
import { firstIssue } from './prometheusStyle';
import type { AdapterContext, AlertAdapter, SourceAlert } from './types';

/** Most characters of the body kept in `details.body`: the whole of `details` stays far under its 64 KiB bound. */
export const EMAIL_BODY_CHARS = 16 * 1024;
const SUMMARY_CHARS = 1000;
const DEDUP_KEY_CHARS = 200;
const NORMALIZED_INPUT_CHARS = 400;

export const emailMessageSchema = z.object({
  subject: z.string().max(100_000),
  /** The From address (not the envelope sender, which bounces rewrite). */
  from: z.string().max(1000).optional(),
  messageId: z.string().max(1000).optional(),
  /** The Date header, ISO-8601. */
  date: z.string().max(100).optional(),
  text: z.string().max(10_000_000).optional(),
});

export type EmailMessage = z.output<typeof emailMessageSchema>;

// Subjects and bodies are written by anyone who can send mail: every pattern here runs on RE2.
const SPACES = RE2JS.compile('\\s+');
const REPLY_PREFIX = RE2JS.compile('(?i)^((re|fwd?|aw|wg|sv)\\s*:\\s*)+');
const STATUS_WORDS = '(resolved|recovery|recovered|ok|problem|firing|alert|triggered|critical|warning|warn|error|failure|failed|down|up|unknown)';
const LEADING_STATUS = RE2JS.compile(`(?i)^([\\W_]*${STATUS_WORDS}\\b)+[\\W_]*`);
const TRAILING_STATUS = RE2JS.compile(`(?i)\\s+is\\s+(now\\s+)?${STATUS_WORDS}[\\W_]*$`);
const TRAILING_PUNCTUATION = RE2JS.compile('[\\s*!\\]\\[]+$');
/** A token that changes from one mail of an alert to the next: a number (with a unit), date, time or hex id. */
const VOLATILE_TOKEN = RE2JS.compile('(?i)[(\\[<"\']?(#?\\d+([.,:/-]\\d+)*(t[\\d:.]+)?(z|%|ms|s|m|h|d|[kmgt]i?b)?|[0-9a-f-]{8,})[)\\]>"\',.;:]*');
const HAS_DIGIT = /\d/;

function replaced(pattern: RE2JS, text: string, replacement: string): string {
  return pattern.matcher(text).replaceAll(replacement);
}

/** The subject as a dedup key: lower case, status words and volatile tokens gone, so a trigger and its resolve agree. */
export function normalizedSubject(subject: string): string {
  // The key keeps 200 characters: normalising more of a long subject would only cost time.
  let text = replaced(SPACES, subject.slice(0, NORMALIZED_INPUT_CHARS), ' ').trim();
  text = replaced(REPLY_PREFIX, text, '');
  text = replaced(LEADING_STATUS, text, '');
  text = replaced(TRAILING_STATUS, text, '');
  text = replaced(TRAILING_PUNCTUATION, text, '');
  // Only a token with a digit can be volatile: the cheap test first, the RE2 match for those.
  const tokens = text.split(' ').map((token) => (HAS_DIGIT.test(token) && VOLATILE_TOKEN.matches(token) ? '#' : token));
  return tokens.join(' ').toLowerCase().trim();
}

/** The bare address of a From header value (`"Cron Daemon" <root@host>` → `root@host`). */
function senderAddress(from: string | undefined): string | undefined {
  if (!from) return undefined;
  const open = from.lastIndexOf('<');
  const close = from.lastIndexOf('>');
  return (open >= 0 && close > open ? from.slice(open + 1, close) : from).trim() || undefined;
}

function parse(body: unknown, context: AdapterContext): SourceAlert[] {
  const result = emailMessageSchema.safeParse(body);
  if (!result.success) throw firstIssue(result.error);
  const mail = result.data;
  const settings = context.email ?? DEFAULT_EMAIL_INTAKE;
  const subject = replaced(SPACES, mail.subject.slice(0, SUMMARY_CHARS * 2), ' ').trim();
  const resolved = labelPatternMatches(settings.resolvedSubject, subject);
  const captured = settings.dedupKey ? labelPatternCapture(settings.dedupKey, subject)?.trim() : undefined;
  const dedupKey = (captured || normalizedSubject(subject) || 'no-subject').slice(0, DEDUP_KEY_CHARS);
  const from = senderAddress(mail.from);
  const text = mail.text ?? '';
  const details: Record<string, unknown> = { body: text.slice(0, EMAIL_BODY_CHARS) };
  if (text.length > EMAIL_BODY_CHARS) details.bodyTruncated = true;
  if (mail.from) details.from = mail.from.slice(0, 1000);
  if (mail.messageId) details.messageId = mail.messageId;
  if (mail.date) details.date = mail.date;
  return [
    {
      service: toServiceId(context.defaultService) ?? 'email',
      summary: subject.slice(0, SUMMARY_CHARS) || '(no subject)',
      severity: resolved ? 'info' : settings.severity,
      dedupKey: `email:${dedupKey}`,
      source: 'email',
      labels: from ? { from: from.slice(0, 1000) } : {},
      details,
      status: resolved ? 'resolved' : 'firing',
      ...(mail.messageId ? { senderId: `message-id:${mail.messageId}` } : {}),
    },
  ];
}

export const emailAdapter: AlertAdapter = {
  id: 'email',
  description: 'Mail to an integration address (SMTP listener), or its parsed form as JSON',
  body: emailMessageSchema,
  example: {
    subject: '** PROBLEM Service Alert: web1/HTTP is CRITICAL **',
    from: '"Nagios" <nagios@monitor.example.net>',
    messageId: '<20261129223001.4F2A1C0@monitor.example.net>',
    date: '2026-11-29T22:30:01.000Z',
    text: 'Service: HTTP\nHost: web1\nState: CRITICAL\nInfo: connection refused',
  },
  senderConfig: [
    '# Mail to <integration id>@<VIGIL_SMTP_DOMAIN> on the SMTP listener (docs/integrations.md, "Inbound email"),',
    '# or this JSON shape posted by a mail-to-webhook relay to:',
    'URL: https://vigil.example.com/v1/integrations/<integration id>',
    'Authorization: Bearer <token>',
  ].join('\n'),
  parse,
};
