import type { EmailMessage, EmailTransport } from '../../domain/transports';

/**
 * Email through any SMTP server (`SMTP_URL`, e.g. `smtps://user:pass@mail.example.com`).
 *
 * Connections are pooled: a page reuses an open connection to the relay instead of paying a TCP
 * (and TLS) handshake and the server's greeting each time, which is most of a page's send time.
 * `?pool=false` in the URL turns that off for relays that dislike long-lived connections.
 * nodemailer is loaded on first use (or by `warm`), off the worker's start.
 */
export function createSmtpEmailTransport(options: { url: string; from: string }): EmailTransport & { close(): void; warm(): Promise<void> } {
  let loaded: Promise<import('nodemailer').Transporter> | undefined;
  const mailer = () => (loaded ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport({ url: options.url, pool: true, maxConnections: 5 })));
  return {
    name: 'smtp',
    warm: async () => void (await mailer()),
    // Nothing to close when nodemailer never loaded (or failed to).
    close: () => {
      loaded?.then(
        (transporter) => transporter.close(),
        () => undefined,
      );
    },
    async send(message: EmailMessage): Promise<{ id: string }> {
      const info = await (await mailer()).sendMail({
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
