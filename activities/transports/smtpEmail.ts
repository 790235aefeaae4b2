import nodemailer from 'nodemailer';
import type { EmailMessage, EmailTransport } from '../../domain/transports';

/**
 * Email through any SMTP server (`SMTP_URL`, e.g. `smtps://user:pass@mail.example.com`).
 *
 * Connections are pooled: a page reuses an open connection to the relay instead of paying a TCP
 * (and TLS) handshake and the server's greeting each time, which is most of a page's send time.
 * `?pool=false` in the URL turns that off for relays that dislike long-lived connections.
 */
export function createSmtpEmailTransport(options: { url: string; from: string }): EmailTransport & { close(): void } {
  const mailer = nodemailer.createTransport({ url: options.url, pool: true, maxConnections: 5 });
  return {
    name: 'smtp',
    close: () => mailer.close(),
    async send(message: EmailMessage): Promise<{ id: string }> {
      const info = await mailer.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        messageId: message.messageId,
        // One thread per incident in every mail client: each message refers to the same root.
        ...(message.threadId ? { inReplyTo: message.threadId, references: [message.threadId] } : {}),
      });
      return { id: info.messageId };
    },
  };
}
