import { emailChannel } from '../../domain/channels/email';
import type { EmailTransport } from '../../domain/transports';
import { createSmtpEmailTransport } from '../transports/smtpEmail';
import { channelTransport } from './channelTransport';

/** Stable per delivery: a resend after a crash carries the same Message-ID, so mail systems see the duplicate. */
export function messageIdFor(idempotencyKey: string): string {
  return `<${idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '-')}@vigil>`;
}

/**
 * Email through SMTP (`SMTP_URL`, `SMTP_FROM`), else the outbox. SMTP cannot be asked what it
 * took, so a retry after an unconfirmed attempt sends again with the same Message-ID.
 */
export const emailTransport = channelTransport({
  definition: emailChannel,
  async send(transport: EmailTransport, { request, address, message }) {
    const { subject, text, html } = message;
    const threadId = messageIdFor(`${request.incident.id}-thread`);
    const sent = await transport.send({ to: address, subject, text, html, messageId: messageIdFor(request.idempotencyKey), threadId });
    return sent?.id ?? null;
  },
  fromEnv(env, outbox) {
    return env.SMTP_URL ? createSmtpEmailTransport({ url: env.SMTP_URL, from: env.SMTP_FROM ?? 'Vigil <vigil@localhost>' }) : outbox.email;
  },
});
