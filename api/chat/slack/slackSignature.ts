/**
 * Slack's request signing: `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256 of
 * `v0:<X-Slack-Request-Timestamp>:<raw body>` under the app's signing secret. The timestamp must
 * be within five minutes of now, so a captured request cannot be replayed later; within the window
 * the shared handler acts once per request id.
 */
import { createHmac } from 'node:crypto';
import type { ErrorDetail } from '../../http/httpErrors';
import { sameSecret } from '../../http/sameSecret';

/** Slack's own window: a request more than five minutes from now is refused. */
export const SLACK_TIMESTAMP_TOLERANCE_SECONDS = 300;

export interface SlackSignedRequest {
  /** `X-Slack-Signature`, or undefined when absent. */
  signature: string | undefined;
  /** `X-Slack-Request-Timestamp` (Unix seconds), or undefined when absent. */
  timestamp: string | undefined;
  rawBody: Buffer;
}

export type SlackSignatureCheck =
  | { ok: true }
  /** `missing`: nothing presented (401); `invalid`: presented and wrong or stale (403). */
  | { ok: false; problem: 'missing' | 'invalid'; detail: ErrorDetail };

/** The signature Slack sends for this body at this time (what tests and the fake sign with). */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

export function checkSlackSignature(request: SlackSignedRequest, signingSecret: string, nowMs: number): SlackSignatureCheck {
  if (!request.signature) return { ok: false, problem: 'missing', detail: { field: 'x-slack-signature', message: 'missing: Slack signs every request' } };
  if (!request.timestamp || !/^\d{1,12}$/.test(request.timestamp)) {
    return { ok: false, problem: 'invalid', detail: { field: 'x-slack-request-timestamp', message: 'missing or not a Unix time in seconds' } };
  }
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(request.timestamp));
  if (skew > SLACK_TIMESTAMP_TOLERANCE_SECONDS) {
    return { ok: false, problem: 'invalid', detail: { field: 'x-slack-request-timestamp', message: `${skew} s from now, outside the ${SLACK_TIMESTAMP_TOLERANCE_SECONDS} s window: a delayed or replayed request` } };
  }
  if (!sameSecret(slackSignature(signingSecret, request.timestamp, request.rawBody), request.signature)) {
    return { ok: false, problem: 'invalid', detail: { field: 'x-slack-signature', message: 'does not match the timestamp and body under SLACK_SIGNING_SECRET' } };
  }
  return { ok: true };
}
