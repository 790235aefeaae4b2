/**
 * Builds the notification transports from the environment. Without SMTP or Twilio settings a
 * channel falls back to the outbox (console plus `.vigil/outbox.jsonl`), so Vigil runs offline.
 */
import { join } from 'node:path';
import { createOutbox } from '../activities/transports/outbox';
import { createSmtpEmailTransport } from '../activities/transports/smtpEmail';
import { createTwilioSmsTransport } from '../activities/transports/twilioSms';
import type { EmailTransport, SmsTransport } from '../domain/transports';

/**
 * `warm` loads the vendor SDKs the transports use (they load on first use otherwise): called once
 * the worker polls, so its start does not wait for them and its first page does not either.
 */
export function transportsFromEnv(env: NodeJS.ProcessEnv, vigilDir: string): { email: EmailTransport; sms: SmsTransport; warm(): Promise<void> } {
  const outbox = createOutbox(join(vigilDir, 'outbox.jsonl'));
  const smtp = env.SMTP_URL ? createSmtpEmailTransport({ url: env.SMTP_URL, from: env.SMTP_FROM ?? 'Vigil <vigil@localhost>' }) : undefined;
  const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from } = env;
  const twilio = accountSid && authToken && from ? createTwilioSmsTransport({ accountSid, authToken, from, apiBaseUrl: env.TWILIO_API_URL }) : undefined;
  return {
    email: smtp ?? outbox.email,
    sms: twilio ?? outbox.sms,
    warm: async () => {
      await Promise.all([smtp?.warm(), twilio?.warm()]);
    },
  };
}
