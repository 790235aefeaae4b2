import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedEmail {
  to: string[];
  /** The envelope sender (MAIL FROM). */
  from: string;
  subject: string;
  messageId: string;
  raw: string;
  receivedAtMs: number;
}

function header(raw: string, name: string): string {
  const match = new RegExp(`^${name}:\\s*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(raw);
  return match ? match[1].replace(/\r?\n[ \t]+/g, ' ').trim() : '';
}

/**
 * A real SMTP server on loopback that keeps every message it receives. `rejectRecipients` are
 * refused at RCPT TO with a 550 that quotes the address, as mail servers do. `onMessage` runs
 * right after the server accepted a message (its 250 is on the way): the crash bench kills the
 * sender there.
 */
export async function startSmtpSink(options: { rejectRecipients?: readonly string[]; onMessage?: (mail: ReceivedEmail) => void } = {}) {
  const received: ReceivedEmail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Senders keep pooled connections open; closing the sink need not wait for them (30 s by default).
    closeTimeout: 500,
    onRcptTo(address, _session, callback) {
      if (!options.rejectRecipients?.includes(address.address)) return callback();
      const error = Object.assign(new Error(`<${address.address}>: Recipient address rejected: User unknown`), { responseCode: 550 });
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail = {
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          subject: header(raw, 'Subject'),
          messageId: header(raw, 'Message-ID'),
          raw,
          receivedAtMs: Date.now(),
        };
        received.push(mail);
        callback();
        options.onMessage?.(mail);
      });
    },
  });
  // A sender killed mid-connection resets its socket; smtp-server reports that as an 'error'
  // event, which must not take the sink (and the test or bench holding it) down.
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') console.error('smtp sink:', error);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
