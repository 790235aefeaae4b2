import { parseWebhookAddress, webhookChannel, type WebhookAddress, type WebhookPagePayload } from '../../domain/channels/webhook';
import type { WebhookPageTransport } from '../../domain/transports';
import { createWebhookPageTransport, WebhookPageError } from '../transports/webhookPagePost';
import { channelTransport } from './channelTransport';

function addressOf(address: string): WebhookAddress {
  const parsed = parseWebhookAddress(address);
  // Config checked it when it loaded; a history from elsewhere could still carry anything.
  if (!parsed) throw new WebhookPageError('not a webhook address', undefined, true);
  return parsed;
}

/**
 * Pages POSTed to another paging system. The delivery's key is the `webhook-id` of every attempt,
 * so a receiver that drops repeated ids (as Standard Webhooks asks) takes a page once even when a
 * retry after a crash sends it again; a receiver cannot be asked what it took, so there is no
 * `findAccepted`. No outbox: a contact given a webhook is posted to.
 */
export const webhookTransport = channelTransport({
  definition: webhookChannel,
  async send(transport: WebhookPageTransport, { request, address, message }) {
    const payload: WebhookPagePayload = { type: message.type, id: request.idempotencyKey, timestamp: new Date().toISOString(), data: message.data };
    await transport.post(addressOf(address), request.idempotencyKey, JSON.stringify(payload));
    return null;
  },
  fromEnv(env) {
    return createWebhookPageTransport(env);
  },
});
