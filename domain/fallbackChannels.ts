/** Where a page goes when it failed on one channel: the person's other channels not yet tried. */
import type { Channel, Responder } from './escalation';

/** Fallback order: SMS first (it wakes people), then email. */
const FALLBACK_ORDER: readonly Channel[] = ['sms', 'email'];

/**
 * The channels to try after `failed`: those the responder has an address for and that `tried`
 * says were not used yet for this page, in fallback order.
 */
export function fallbackChannels(responder: Responder, failed: Channel, tried: (channel: Channel) => boolean): Channel[] {
  return FALLBACK_ORDER.filter((channel) => channel !== failed && (channel === 'email' ? responder.email : responder.phone) && !tried(channel));
}
