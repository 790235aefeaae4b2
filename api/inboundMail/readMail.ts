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

/** Throws only for input mailparser cannot read at all; the listener answers that with a 554. */
export async function readMail(raw: Buffer): Promise<EmailMessage> {
  const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const date = mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : undefined;
  return {
    subject: mail.subject ?? '',
    from: firstAddress(mail.from),
    messageId: mail.messageId?.trim() || undefined,
    date,
    text: mail.text ?? '',
  };
}
