import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EmailMessage, EmailTransport, SmsMessage, SmsTransport } from '../../domain/transports';

/**
 * What Vigil uses when SMTP or Twilio is not configured: each message is printed and appended
 * as one JSON line to an outbox file, so the demo works offline and nothing is silently lost.
 */
export function createOutbox(path: string, print: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {
  async function keep(record: Record<string, unknown>): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, `${JSON.stringify({ at: new Date().toISOString(), ...record })}\n`);
  }
  let counter = 0;
  /**
   * Keeps one message of any channel (a channel without its vendor configured falls back to
   * this): prints `summary`, appends the message; returns an id for the delivery log.
   */
  async function record(channel: string, summary: string, message: object): Promise<string> {
    print(`[outbox] ${summary}`);
    await keep({ channel, ...message });
    counter += 1;
    return `outbox-${Date.now()}-${counter}`;
  }
  const email: EmailTransport = {
    name: 'outbox',
    async send(message: EmailMessage) {
      await record('email', `email to ${message.to}: ${message.subject}`, message);
    },
  };
  const sms: SmsTransport = {
    name: 'outbox',
    async send(message: SmsMessage) {
      return { id: await record('sms', `sms to ${message.to}: ${message.body}`, message) };
    },
  };
  return { email, sms, record };
}

export type Outbox = ReturnType<typeof createOutbox>;
