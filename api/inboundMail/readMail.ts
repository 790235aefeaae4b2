/**
 * A raw RFC 5322 message (as SMTP DATA delivers it) read into the email adapter's plain shape:
 * mailparser decodes MIME, transfer encodings and charsets, and turns an HTML-only body into text.
 * Attachments are read but not kept. The caller bounds the size of `raw`.
 */
import { simpleParser, type AddressObject } from 'mailparser';
import type { EmailMessage } from '../adapters/email';

function firstAddress(from: AddressObject | AddressObject[] | undefined): string | undefined {
  const object = Array.isArray(from) ? from[0] : from;
  return object?.text || undefined;
}

const OPTIONS = { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true } as const;

/**
 * mailparser converts HTML to text only for a single-part HTML mail or beside a text part; an
 * HTML-only part inside multipart/alternative keeps no text. Read as a message of its own, that
 * HTML is converted the same way (with mailparser's nesting and length guards).
 */
async function htmlAsText(html: string): Promise<string> {
  const single = Buffer.concat([Buffer.from('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'), Buffer.from(html)]);
  return (await simpleParser(single, OPTIONS)).text ?? '';
}

/** Throws only for input mailparser cannot read at all; the listener answers that with a 554. */
export async function readMail(raw: Buffer): Promise<EmailMessage> {
  const mail = await simpleParser(raw, OPTIONS);
  const text = mail.text?.trim() ? mail.text : typeof mail.html === 'string' && mail.html ? await htmlAsText(mail.html) : (mail.text ?? '');
  const date = mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : undefined;
  // Cut to the adapter's bounds, so a huge header is shortened rather than the mail refused.
  return {
    subject: (mail.subject ?? '').slice(0, 10_000),
    from: firstAddress(mail.from)?.slice(0, 1000),
    messageId: mail.messageId?.trim().slice(0, 1000) || undefined,
    date,
    text: text.slice(0, 1_000_000),
  };
}
