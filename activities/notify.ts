import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { signAckLink } from '../platform/ackLink';
import { renderEmail, renderSms } from '../domain/messages';
import type { NotificationRequest } from '../domain/notification';
import type { DeliveryLog, EmailTransport, SmsTransport } from '../domain/transports';

export interface NotifyDeps {
  email: EmailTransport;
  sms: SmsTransport;
  deliveries: DeliveryLog;
  /** Base URL responders reach Vigil at, for links in messages. */
  publicUrl: string;
  /** Signs one-click acknowledge links in page emails (`VIGIL_LINK_SECRET`); without it, no link. */
  linkSecret?: string;
  /** How long an acknowledge link works (default 24 h). */
  linkTtlSeconds?: number;
}

/** `sent`, `already sent` (a retry found it delivered), or why nothing could be sent. */
export type DeliveryOutcome = string;

/**
 * How often a delivery in progress tells Temporal it is alive. The workflow's heartbeat timeout
 * (a few of these) is how soon a worker that died mid-send is noticed and the page retried.
 */
const HEARTBEAT_EVERY_MS = 1_000;

async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}

function messageIdFor(idempotencyKey: string): string {
  return `<${idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '-')}@vigil>`;
}

/** Delivers one notification to one person on one channel. Transport errors throw, so Temporal retries. */
export function createNotifyActivities(deps: NotifyDeps) {
  /** The page's one-click acknowledge link, signed for this person and this page only. */
  function ackUrlFor(request: NotificationRequest): string | undefined {
    if (request.kind !== 'page' || !deps.linkSecret) return undefined;
    const token = signAckLink(
      {
        id: createHash('sha256').update(request.idempotencyKey).digest('base64url').slice(0, 22),
        incidentId: request.incident.id,
        responderId: request.responder.id,
        responderName: request.responder.name,
        expiresAt: Date.now() + (deps.linkTtlSeconds ?? 24 * 3600) * 1000,
      },
      deps.linkSecret,
    );
    return `${deps.publicUrl.replace(/\/+$/, '')}/v1/ack/${token}`;
  }

  return {
    async deliverNotification(request: NotificationRequest): Promise<DeliveryOutcome> {
      const { responder, channel, idempotencyKey } = request;
      const address = channel === 'email' ? responder.email : responder.phone;
      if (!address) return `no ${channel} address for ${responder.id}`;
      if (await deps.deliveries.wasSent(idempotencyKey)) return 'already sent';
      await heartbeating(async () => {
        if (channel === 'email') {
          const { subject, text, html } = renderEmail(request, deps.publicUrl, ackUrlFor(request));
          const threadId = messageIdFor(`${request.incident.id}-thread`);
          await deps.email.send({ to: address, subject, text, html, messageId: messageIdFor(idempotencyKey), threadId });
        } else {
          await deps.sms.send({ to: address, body: renderSms(request) });
        }
        await deps.deliveries.recordSent(idempotencyKey);
      });
      Context.current().log.info('notification sent', { channel, kind: request.kind, incident: request.incident.code, to: responder.id });
      return `sent via ${channel === 'email' ? deps.email.name : deps.sms.name}`;
    },
  };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
