import { createHash } from 'node:crypto';
import { ntfyChannel, parseNtfyAddress, type NtfyAddress } from '../../domain/channels/ntfy';
import type { NtfyTransport } from '../../domain/transports';
import { createNtfyTransport, NtfyPublishError } from '../transports/ntfyPublish';
import { channelTransport } from './channelTransport';

/** The same for every attempt of one delivery: a resend replaces the notification on ntfy 2.16+, and a retry can look for it. */
export function ntfySequenceId(idempotencyKey: string): string {
  return `vigil-${createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, 27)}`;
}

function addressOf(address: string): NtfyAddress {
  const parsed = parseNtfyAddress(address);
  // Config checked it when it loaded; a history from elsewhere could still carry anything.
  if (!parsed) throw new NtfyPublishError('not an ntfy topic address', undefined, true);
  return parsed;
}

/**
 * Push through the person's own ntfy server (no Vigil-wide settings: the address names the
 * server, the contact names the variable holding the token). Without a server there is nothing to
 * fall back to, so there is no outbox: a person with an ntfy address is pushed to. A retry after
 * an unconfirmed attempt reads the topic back for the delivery's sequence id.
 */
export const ntfyTransport = channelTransport({
  definition: ntfyChannel,
  async send(transport: NtfyTransport, { request, address, message }) {
    return (await transport.publish(addressOf(address), message, ntfySequenceId(request.idempotencyKey))).id;
  },
  async findAccepted(transport: NtfyTransport, { request, address }, since) {
    return transport.findPublished ? transport.findPublished(addressOf(address), ntfySequenceId(request.idempotencyKey), since) : [];
  },
  fromEnv(env) {
    return createNtfyTransport(env);
  },
});
