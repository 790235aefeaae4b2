/**
 * The interfaces paging vendors sit behind. A channel (`domain/channels/<id>.ts`) sends through
 * one of these, built by its worker side (`activities/channels/<id>.ts`, from environment
 * settings); a second vendor for a channel implements the same interface in `activities/transports/`
 * and is chosen in that `fromEnv` (SMS: Twilio or Telnyx, `activities/channels/smsProvider.ts`). Test a vendor against a loopback fake
 * the way `test/integration/deliveryCrash.test.ts` tests Twilio (`devkit/fakeTwilio.ts`) and
 * SMTP (`devkit/smtpSink.ts`). How to add a channel: `docs/channels.md`.
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
  /** @returns the Message-ID the server took, when the transport knows it. */
  send(message: EmailMessage): Promise<{ id: string } | void>;
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
  /**
   * The vendor's ids of messages it accepted with this recipient and body since `since`, newest
   * first: how a retry learns that an earlier attempt's page went out although nobody recorded
   * it. Absent when the vendor cannot be asked (the outbox); then a retry sends again.
   */
  findAccepted?(message: SmsMessage, since: Date): Promise<string[]>;
}

/** What an attempt finds when it claims a delivery. */
export type DeliveryClaim =
  /**
   * This attempt holds the delivery and must send. `unconfirmed` is set when an earlier attempt
   * recorded its intent and never confirmed: the provider may have accepted that one.
   */
  | { status: 'claimed'; unconfirmed?: { startedAt: Date; attempts: number } }
  /** Confirmed sent by an earlier attempt. */
  | { status: 'sent'; providerId: string | null }
  /** Another attempt holds it (its lease runs until `leaseUntil`): sending now could page twice. */
  | { status: 'busy'; leaseUntil: Date };

/**
 * Which deliveries went out, by idempotency key, shared by every worker (the SQL store): an
 * attempt writes its intent before it asks the provider and confirms after, so a retry on any
 * host knows whether the provider may already have the page.
 */
export interface DeliveryLog {
  /** Atomically takes the delivery for `owner` until `leaseMs` from now, unless it is sent or held. */
  claim(key: string, channel: string, owner: string, leaseMs: number): Promise<DeliveryClaim>;
  /** Extends the holder's lease while it sends; false if the delivery is no longer its own. */
  renew(key: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Lets another attempt claim at once (the send failed); the intent stays unconfirmed. */
  release(key: string, owner: string): Promise<void>;
  /** Marks the delivery sent, with the provider's message id. */
  confirm(key: string, providerId: string | null): Promise<void>;
  /** Which of these provider ids are already confirmed for some delivery on `channel`. */
  takenProviderIds(channel: string, ids: readonly string[]): Promise<Set<string>>;
}

/** How a placed call went, once it is known. */
export type CallAnswer = { reached: true } | { reached: false; why: string };

export interface VoiceTransport {
  readonly name: string;
  /** Places the call; @returns the vendor's call id. */
  call(to: string, call: import('./channels/voice').VoiceCall): Promise<{ id: string }>;
  /**
   * The vendor's ids of calls placed to `to` since `since`, newest first: how a retry learns an
   * earlier attempt's call went out although nobody recorded it. Absent: a retry calls again.
   */
  findPlaced?(to: string, since: Date): Promise<string[]>;
  /**
   * Whether the call reached a person (answered by one, not a machine), watched until `until`:
   * `undefined` while it still rings then. Absent (the outbox): a placed call counts as reached.
   */
  answerOf?(id: string, until: Date): Promise<CallAnswer | undefined>;
}

export interface NtfyTransport {
  readonly name: string;
  /**
   * Publishes to the topic; `sequenceId` is the same for every attempt of one delivery (ntfy 2.16+
   * replaces a notification of the same sequence in place). @returns ntfy's message id.
   */
  publish(to: import('./channels/ntfy').NtfyAddress, message: import('./channels/ntfy').NtfyMessage, sequenceId: string): Promise<{ id: string }>;
  /**
   * ntfy's ids of messages of this sequence in the topic's cache since `since`, newest first: how
   * a retry learns an earlier attempt's publish went out. Empty when the topic cannot be read
   * (a write-only token): the retry publishes again. Absent: a retry publishes again.
   */
  findPublished?(to: import('./channels/ntfy').NtfyAddress, sequenceId: string, since: Date): Promise<string[]>;
}

/** A system that takes pages as signed webhooks (the `webhook` channel). */
export interface WebhookPageTransport {
  readonly name: string;
  /**
   * POSTs `body` signed for `to`, with `webhook-id: id` (the same on every attempt of one delivery,
   * so a receiver drops a repeat). Resolves on a 2xx with its status; anything else throws.
   */
  post(to: import('./channels/webhook').WebhookAddress, id: string, body: string): Promise<{ status: number }>;
}
