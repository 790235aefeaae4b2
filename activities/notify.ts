import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { describeDeliveryError } from '../domain/deliveryError';
import { signAckLink, type LinkAction } from '../platform/ackLink';
import { addressOn } from '../domain/channels';
import type { NotificationRequest } from '../domain/notification';
import type { DeliveryLog } from '../domain/transports';
import { CHANNEL_TRANSPORTS, type ChannelTransports } from './channels';
import type { ChannelTransport, Delivery, TransportOf } from './channels/channelTransport';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyChannelTransport = ChannelTransport<string, any, any>;

/** Each channel's transport by channel id (`email`, `sms`, ...), and what every delivery needs. */
export type NotifyDeps<Transports = ChannelTransports> = Transports & {
  deliveries: DeliveryLog;
  /** Base URL responders reach Vigil at, for links in messages. */
  publicUrl: string;
  /** Signs one-click acknowledge links in page emails (`VIGIL_LINK_SECRET`); without it, no link. */
  linkSecret?: string;
  /** How long an acknowledge link works (default 24 h). */
  linkTtlSeconds?: number;
};

/**
 * `sent via …`, `already sent` (a retry found it delivered, in the log or at the provider), or why
 * nothing could be sent.
 */
export type DeliveryOutcome = string;

/**
 * How often a delivery in progress tells Temporal it is alive. The workflow's heartbeat timeout
 * (a few of these) is how soon a worker that died mid-send is noticed and the page retried.
 */
const HEARTBEAT_EVERY_MS = 1_000;
/** The lease on a delivery when the activity has no heartbeat timeout (tests). */
const DEFAULT_LEASE_MS = 10_000;

/**
 * Runs `work` while heartbeating to Temporal and renewing the delivery's lease. The lease is the
 * heartbeat timeout and is renewed three times within it, so it runs out about when Temporal
 * gives up on this attempt: the retry (after its backoff) finds it free, while an attempt that is
 * alive but slow keeps it.
 */
async function heartbeating<T>(renewLease: () => Promise<unknown>, leaseMs: number, work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  let lastRenewal = Date.now();
  const beat = setInterval(() => {
    context.heartbeat();
    if (Date.now() - lastRenewal >= leaseMs / 3) {
      lastRenewal = Date.now();
      void renewLease().catch((error: unknown) => context.log.warn('could not renew a delivery lease', { error: (error as Error).message }));
    }
  }, HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}

/**
 * Until when an attempt may watch a placed call: shortly before its start-to-close timeout. A call
 * still ringing then is left to the next attempt, which watches the same call (it is in the
 * delivery log), so a long ring needs no longer timeout for every channel.
 */
function watchUntil(attemptStartedMs: number): Date {
  const { startToCloseTimeoutMs } = Context.current().info;
  return new Date(attemptStartedMs + startToCloseTimeoutMs - Math.min(3_000, startToCloseTimeoutMs / 5));
}

/** Who holds a delivery: this host and process, this activity's attempt. */
function attemptOwner(): string {
  const { activityId, attempt } = Context.current().info;
  return `${hostname()}/${process.pid}/${activityId}#${attempt}/${randomUUID().slice(0, 8)}`;
}

/** Delivers one notification to one person on one channel. Transport errors throw, so Temporal retries. */
export function createNotifyActivities(deps: NotifyDeps) {
  return createNotifyActivitiesFor(CHANNEL_TRANSPORTS, deps);
}

/** The same over another set of channels' worker sides (tests register an extra channel this way). */
export function createNotifyActivitiesFor<Sides extends Record<string, AnyChannelTransport>>(sides: Sides, deps: NotifyDeps<{ [Id in keyof Sides]: TransportOf<Sides[Id]> }>) {
  const transports = deps as unknown as Record<string, { readonly name: string }>;

  /**
   * The page's one-click action link (channels acknowledged by link only), signed for this person,
   * this page and this action. Acknowledge links keep the id and claims they always had; each other
   * action's link has its own id, so using one never uses up another.
   */
  function actionUrlFor(request: NotificationRequest, side: AnyChannelTransport, action: LinkAction): string | undefined {
    const acknowledgement = side.definition.acknowledgement;
    if (request.kind !== 'page' || !deps.linkSecret || acknowledgement?.by !== 'link') return undefined;
    if (action !== 'acknowledge' && !acknowledgement.actions?.includes(action)) return undefined;
    const idSource = action === 'acknowledge' ? request.idempotencyKey : `${request.idempotencyKey}:${action}`;
    const token = signAckLink(
      {
        id: createHash('sha256').update(idSource).digest('base64url').slice(0, 22),
        incidentId: request.incident.id,
        responderId: request.responder.id,
        responderName: request.responder.name,
        expiresAt: Date.now() + (deps.linkTtlSeconds ?? 24 * 3600) * 1000,
        ...(action !== 'acknowledge' ? { action } : {}),
        ...(request.channel !== 'email' ? { channel: request.channel } : {}),
      },
      deps.linkSecret,
    );
    return `${deps.publicUrl.replace(/\/+$/, '')}/v1/ack/${token}`;
  }

  /** The channel's worker side and transport, or a failure no retry can mend. */
  function channelOf(request: NotificationRequest): { side: AnyChannelTransport; transport: { readonly name: string } } {
    const side = Object.hasOwn(sides, request.channel) ? sides[request.channel] : undefined;
    const transport = side ? transports[request.channel] : undefined;
    if (!side || !transport) throw ApplicationFailure.nonRetryable(`no transport for channel "${request.channel}"`, 'UnknownChannel');
    return { side, transport };
  }

  function deliveryOf(request: NotificationRequest, address: string, side: AnyChannelTransport): Delivery<unknown> {
    const context = { publicUrl: deps.publicUrl, ackUrl: actionUrlFor(request, side, 'acknowledge'), resolveUrl: actionUrlFor(request, side, 'resolve') };
    return { request, address, message: side.definition.render(request, context) };
  }

  /**
   * An earlier attempt wrote its intent and never confirmed: it may have died after the provider
   * accepted. A vendor that can be asked (Twilio) is; a message found there (and not already
   * another delivery's) is this one. Others (SMTP) cannot: the message is sent again (for email
   * with the same Message-ID).
   */
  async function acceptedEarlier(request: NotificationRequest, address: string, since: Date): Promise<string | undefined> {
    const { side, transport } = channelOf(request);
    if (!side.findAccepted) return undefined;
    const found = await side.findAccepted(transport, deliveryOf(request, address, side), since);
    if (found.length === 0) return undefined;
    const taken = await deps.deliveries.takenProviderIds(request.channel, found);
    return found.find((id) => !taken.has(id));
  }

  /**
   * A delivery the vendor took, `reached` unless its channel can tell otherwise: a call is watched
   * (heartbeating) until a person answered it, or it was busy, unanswered, failed or a machine's.
   * Not reached is an outcome, not an error, so the workflow falls back to the person's other channels.
   */
  async function reachOutcome(request: NotificationRequest, providerId: string | null, reached: DeliveryOutcome, attemptStartedMs: number): Promise<DeliveryOutcome> {
    const { side, transport } = channelOf(request);
    if (!side.answerOf || !providerId) return reached;
    const context = Context.current();
    context.heartbeat();
    const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
    let answer: Awaited<ReturnType<NonNullable<AnyChannelTransport['answerOf']>>>;
    try {
      answer = await side.answerOf(transport, providerId, watchUntil(attemptStartedMs));
    } finally {
      clearInterval(beat);
    }
    if (!answer) throw ApplicationFailure.retryable(`${request.channel} delivery ${providerId} not answered yet`, 'AwaitingAnswer');
    if (answer.reached) return reached;
    context.log.info('notification not reached', { channel: request.channel, kind: request.kind, incident: request.incident.code, to: request.responder.id, why: answer.why });
    return `not reached by ${request.channel}: ${answer.why}`;
  }

  return {
    async deliverNotification(request: NotificationRequest): Promise<DeliveryOutcome> {
      const attemptStartedMs = Date.now();
      const { responder, channel, idempotencyKey } = request;
      const { side, transport } = channelOf(request);
      const kinds = side.definition.kinds;
      if (kinds && !kinds.includes(request.kind)) return `not sent by ${channel}: it carries ${kinds.join(' and ')} only`;
      const address = addressOn(side.definition, responder);
      if (!address) return `no ${channel} address for ${responder.id}`;
      const context = Context.current();
      const owner = attemptOwner();
      const leaseMs = context.info.heartbeatTimeoutMs || DEFAULT_LEASE_MS;
      const claim = await deps.deliveries.claim(idempotencyKey, channel, owner, leaseMs);
      if (claim.status === 'sent') return reachOutcome(request, claim.providerId, 'already sent', attemptStartedMs);
      if (claim.status === 'busy') {
        throw ApplicationFailure.retryable(`another attempt holds this delivery until ${claim.leaseUntil.toISOString()}`, 'DeliveryInProgress');
      }
      let resent = false;
      if (claim.unconfirmed) {
        const found = await acceptedEarlier(request, address, claim.unconfirmed.startedAt);
        if (found) {
          await deps.deliveries.confirm(idempotencyKey, found);
          context.log.info('notification found at the provider, sent by an earlier attempt', { channel, kind: request.kind, incident: request.incident.code, to: responder.id });
          return reachOutcome(request, found, 'already sent', attemptStartedMs);
        }
        resent = true;
      }
      let providerId: string | null;
      try {
        providerId = await heartbeating(() => deps.deliveries.renew(idempotencyKey, owner, leaseMs), leaseMs, () => side.send(transport, deliveryOf(request, address, side)));
      } catch (error) {
        // The raw text names the recipient: it goes to the log only, the workflow gets its class and codes.
        const { type, summary } = describeDeliveryError(error);
        context.log.warn('notification failed', { channel, kind: request.kind, incident: request.incident.code, to: responder.id, error: (error as Error)?.message ?? String(error) });
        await deps.deliveries.release(idempotencyKey, owner).catch(() => undefined);
        // A vendor's answer that no retry can change (ntfy's 403): the page falls back now, not after its retries.
        if ((error as { permanent?: unknown })?.permanent === true) throw ApplicationFailure.nonRetryable(`${channel} transport error: ${summary}`, type);
        throw ApplicationFailure.retryable(`${channel} transport error: ${summary}`, type);
      }
      await deps.deliveries.confirm(idempotencyKey, providerId);
      context.log.info('notification sent', { channel, kind: request.kind, incident: request.incident.code, to: responder.id, resent });
      return reachOutcome(request, providerId, `sent via ${transport.name}`, attemptStartedMs);
    },
  };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
