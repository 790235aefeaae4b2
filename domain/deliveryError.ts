/**
 * What the timeline may say about a failed delivery. A provider's error text quotes the
 * recipient ("The 'To' number +15550000001 is not a valid phone number", "550 <bob@example.com>:
 * Recipient address rejected"), and the timeline reaches incident views, histories and the
 * Temporal UI. So only the error's class and the provider's codes are kept; the raw text goes to
 * the worker's log.
 */

/** Codes are short tokens; anything else (a code field carrying text) is left out. */
const CODE = /^[A-Za-z0-9_.-]{1,32}$/;

function field(error: object, name: string): string | undefined {
  const value = (error as Record<string, unknown>)[name];
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value);
  return CODE.test(text) ? text : undefined;
}

/** `RestException code 21211 status 400`, `Error code EENVELOPE status 550`, `TypeError`. */
export function describeDeliveryError(error: unknown): { type: string; summary: string } {
  if (error === null || typeof error !== 'object') return { type: 'UnknownError', summary: 'UnknownError' };
  const name = field(error, 'name');
  const type = name && name !== 'Error' ? name : (error.constructor?.name && CODE.test(error.constructor.name) ? error.constructor.name : 'Error');
  const code = field(error, 'code');
  // Twilio's RestException has `status` (HTTP); nodemailer's errors `responseCode` (SMTP).
  const status = field(error, 'responseCode') ?? field(error, 'status');
  const parts = [type, code && `code ${code}`, status && `status ${status}`].filter(Boolean);
  return { type, summary: parts.join(' ') };
}
