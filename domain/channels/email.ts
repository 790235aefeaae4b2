import { renderEmail, type RenderedEmail } from '../messages';
import type { ChannelDefinition } from './channel';

/**
 * Email: quiet (fit for low urgency), acknowledged through the signed one-click link in a page.
 * Sent by `activities/channels/email.ts` (SMTP, or the outbox).
 */
export const emailChannel = {
  id: 'email',
  contactField: 'email',
  addressSchema: (z) => z.email(),
  responderField: 'email',
  pagingRank: 30,
  quiet: true,
  acknowledgement: { by: 'link', route: '/v1/ack/:token' },
  render: (request, { publicUrl, ackUrl }) => renderEmail(request, publicUrl, ackUrl),
} as const satisfies ChannelDefinition<'email', RenderedEmail>;
