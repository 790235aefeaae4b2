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
  const email: EmailTransport = {
    name: 'outbox',
    async send(message: EmailMessage) {
      print(`[outbox] email to ${message.to}: ${message.subject}`);
      await keep({ channel: 'email', ...message });
    },
  };
  const sms: SmsTransport = {
    name: 'outbox',
    async send(message: SmsMessage) {
      print(`[outbox] sms to ${message.to}: ${message.body}`);
      await keep({ channel: 'sms', ...message });
      counter += 1;
      return { id: `outbox-${Date.now()}-${counter}` };
    },
  };
  return { email, sms };
}
