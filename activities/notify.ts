import { Context } from '@temporalio/activity';
import { renderEmail, renderSms } from '../domain/messages';
import type { NotificationRequest } from '../domain/notification';
import type { DeliveryLog, EmailTransport, SmsTransport } from '../domain/transports';

export interface NotifyDeps {
  email: EmailTransport;
  sms: SmsTransport;
  deliveries: DeliveryLog;
  /** Base URL responders reach Vigil at, for links in messages. */
  publicUrl: string;
}

/** `sent`, `already sent` (a retry found it delivered), or why nothing could be sent. */
export type DeliveryOutcome = string;

function messageIdFor(idempotencyKey: string): string {
  return `<${idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '-')}@vigil>`;
}

/** Delivers one notification to one person on one channel. Transport errors throw, so Temporal retries. */
export function createNotifyActivities(deps: NotifyDeps) {
  return {
    async deliverNotification(request: NotificationRequest): Promise<DeliveryOutcome> {
      const { responder, channel, idempotencyKey } = request;
      const address = channel === 'email' ? responder.email : responder.phone;
      if (!address) return `no ${channel} address for ${responder.id}`;
      if (await deps.deliveries.wasSent(idempotencyKey)) return 'already sent';
      if (channel === 'email') {
        const { subject, text } = renderEmail(request, deps.publicUrl);
        await deps.email.send({ to: address, subject, text, messageId: messageIdFor(idempotencyKey) });
      } else {
        await deps.sms.send({ to: address, body: renderSms(request) });
      }
      await deps.deliveries.recordSent(idempotencyKey);
      Context.current().log.info('notification sent', { channel, kind: request.kind, incident: request.incident.code, to: responder.id });
      return `sent via ${channel === 'email' ? deps.email.name : deps.sms.name}`;
    },
  };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
