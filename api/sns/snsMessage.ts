/**
 * Amazon SNS HTTP(S) deliveries: the envelope, the text a signature covers, and the URL rules
 * that keep Vigil from fetching anything but AWS's own certificates and subscription links
 * (SSRF holes in other projects came from skipping exactly these checks).
 */
import { createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';

export const snsEnvelopeSchema = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1),
  TopicArn: z.string().min(1),
  Message: z.string(),
  Timestamp: z.string().min(1),
  SignatureVersion: z.enum(['1', '2']),
  Signature: z.string().min(1),
  SigningCertURL: z.string().min(1),
  Subject: z.string().optional(),
  SubscribeURL: z.string().optional(),
  Token: z.string().optional(),
  UnsubscribeURL: z.string().optional(),
});

export type SnsEnvelope = z.output<typeof snsEnvelopeSchema>;

const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
const CERT_PATH = /^\/SimpleNotificationService-[A-Za-z0-9]+\.pem$/;

/** An https URL on an SNS host (`sns.<region>.amazonaws.com`), no credentials, default port. */
function isSnsUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port || !SNS_HOST.test(url.hostname)) return undefined;
  return url;
}

/** The signing certificate URL, pinned as AWS's own validators pin it: SNS host and certificate path. */
export function isSigningCertUrl(text: string): boolean {
  const url = isSnsUrl(text);
  return !!url && CERT_PATH.test(url.pathname) && !url.search && !url.hash;
}

/** A subscription link is followed only on an SNS host, for the ConfirmSubscription action. */
export function isSubscribeUrl(text: string): boolean {
  const url = isSnsUrl(text);
  return !!url && url.pathname === '/' && url.searchParams.get('Action') === 'ConfirmSubscription';
}

/** The exact text SNS signs for this message type (fields in this order, each name then value). */
export function stringToSign(message: SnsEnvelope): string {
  const fields =
    message.Type === 'Notification'
      ? (['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const)
      : (['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const);
  let text = '';
  for (const field of fields) {
    const value = message[field];
    if (value === undefined) {
      if (field === 'Subject') continue; // optional in notifications only
      return '';
    }
    text += `${field}\n${value}\n`;
  }
  return text;
}

/** Whether `signingKey` (a PEM certificate or public key) signed this message. */
export function signatureIsValid(message: SnsEnvelope, signingKey: string): boolean {
  const text = stringToSign(message);
  if (!text) return false;
  const algorithm = message.SignatureVersion === '1' ? 'sha1' : 'sha256';
  try {
    return verify(algorithm, Buffer.from(text, 'utf8'), createPublicKey(signingKey), Buffer.from(message.Signature, 'base64'));
  } catch {
    return false;
  }
}
