/**
 * Standard Webhooks signing, shared by incident events (`activities/webhooks.ts`) and pages on the
 * `webhook` channel (`activities/transports/webhookPagePost.ts`): the secret's accepted form and
 * the three signed headers, made with the reference implementation, `standardwebhooks`.
 */
import { Webhook } from 'standardwebhooks';

/**
 * Why `secret` is not a Standard Webhooks secret (`whsec_` and the base64 of 24 to 64 bytes, the
 * form every receiver library expects), naming `variable` and never the value; undefined when it is one.
 */
export function webhookSecretProblem(variable: string, secret: string | undefined): string | undefined {
  if (!secret) return `${variable} is not set`;
  const bytes = /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret) ? Buffer.from(secret.slice('whsec_'.length), 'base64').length : 0;
  if (bytes < 24 || bytes > 64) return `${variable} must be "whsec_" and the base64 of 24 to 64 random bytes (openssl rand -base64 32)`;
  return undefined;
}

/** Signs with a secret already checked by `webhookSecretProblem`. */
export function webhookSigner(secret: string): Webhook {
  return new Webhook(secret);
}

/**
 * The headers of one attempt: `webhook-id` stays the same on every retry (receivers drop a second
 * delivery of one id), the timestamp and signature are made now (receivers refuse stale ones).
 */
export function signedWebhookHeaders(signer: Webhook, id: string, body: string, now: Date, userAgent: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': userAgent,
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signer.sign(id, now, body),
  };
}
