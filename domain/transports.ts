/**
 * The interfaces paging vendors sit behind. To add a vendor (another SMS provider, a chat
 * tool), implement the matching interface in `activities/transports/`, build it in
 * `worker/transports.ts` from environment settings, and test it against a loopback fake the way
 * `test/integration/twilioSms.test.ts` does. Tests of everything else pass the fakes in
 * `test/support/fakeTransports.ts`.
 */

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  /**
   * Stable per delivery (derived from the idempotency key), so a resend after a crash carries
   * the same Message-ID and mail systems can recognise the duplicate.
   */
  messageId: string;
  /** The same message as HTML (alert text escaped). */
  html?: string;
  /** Message-ID of the incident's thread root, so every message of one incident is one thread. */
  threadId?: string;
}

export interface EmailTransport {
  /** Which transport this is, for logs and the timeline (`smtp`, `outbox`). */
  readonly name: string;
  send(message: EmailMessage): Promise<void>;
}

export interface SmsMessage {
  /** E.164 number. */
  to: string;
  body: string;
}

export interface SmsTransport {
  readonly name: string;
  /** @returns the vendor's message id. */
  send(message: SmsMessage): Promise<{ id: string }>;
}

/**
 * Remembers which deliveries went out, by idempotency key, so an activity retried after it
 * sent (but before Temporal recorded its completion) does not send again.
 */
export interface DeliveryLog {
  wasSent(key: string): Promise<boolean>;
  recordSent(key: string): Promise<void>;
}
