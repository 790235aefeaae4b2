import { z } from 'zod';
import { renderSms } from '../messages';
import type { ChannelDefinition } from './channel';

/**
 * SMS: wakes people (not quiet), acknowledged by replying `ACK <code>` to the number that paged
 * (`api/routes/twilioSms.ts`). Sent by `activities/channels/sms.ts` (Twilio, or the outbox).
 */
export const smsChannel = {
  id: 'sms',
  contactField: 'phone',
  addressSchema: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number such as +15551234567'),
  responderField: 'phone',
  pagingRank: 10,
  quiet: false,
  acknowledgement: { by: 'reply', route: '/v1/webhooks/twilio/sms' },
  render: (request) => renderSms(request),
} as const satisfies ChannelDefinition<'sms', string>;
