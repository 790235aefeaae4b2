import nodemailer from 'nodemailer';
import type { EmailMessage, EmailTransport } from '../../domain/transports';

/** Email through any SMTP server (`SMTP_URL`, e.g. `smtps://user:pass@mail.example.com`). */
export function createSmtpEmailTransport(options: { url: string; from: string }): EmailTransport {
  const mailer = nodemailer.createTransport(options.url);
  return {
    name: 'smtp',
    async send(message: EmailMessage): Promise<void> {
      await mailer.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        messageId: message.messageId,
        // One thread per incident in every mail client: each message refers to the same root.
        ...(message.threadId ? { inReplyTo: message.threadId, references: [message.threadId] } : {}),
      });
    },
  };
}
