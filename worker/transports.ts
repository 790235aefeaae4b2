/**
 * Builds the notification transports from the environment. Without SMTP or Twilio settings a
 * channel falls back to the outbox (console plus `.vigil/outbox.jsonl`), so Vigil runs offline.
 */
import { join } from 'node:path';
import { createOutbox } from '../activities/transports/outbox';
import { createSmtpEmailTransport } from '../activities/transports/smtpEmail';
import { createTwilioSmsTransport } from '../activities/transports/twilioSms';
import type { EmailTransport, SmsTransport } from '../domain/transports';

export function transportsFromEnv(env: NodeJS.ProcessEnv, vigilDir: string): { email: EmailTransport; sms: SmsTransport } {
  const outbox = createOutbox(join(vigilDir, 'outbox.jsonl'));
  const email = env.SMTP_URL ? createSmtpEmailTransport({ url: env.SMTP_URL, from: env.SMTP_FROM ?? 'Vigil <vigil@localhost>' }) : outbox.email;
  const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from } = env;
  const sms =
    accountSid && authToken && from
      ? createTwilioSmsTransport({ accountSid, authToken, from, apiBaseUrl: env.TWILIO_API_URL })
      : outbox.sms;
  return { email, sms };
}
