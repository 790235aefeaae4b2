import { renderSms } from '../messages';
import type { ChannelDefinition } from './channel';

/**
 * SMS: wakes people (not quiet), acknowledged by replying `ACK <code>` to the number that paged
 * (`api/routes/twilioSms.ts`, or `api/routes/telnyxSms.ts` at `/v1/webhooks/telnyx/sms`). Sent by
 * `activities/channels/sms.ts` (Twilio or Telnyx, or the outbox): the vendor is a transport detail.
 */
export const smsChannel = {
  id: 'sms',
  contactField: 'phone',
  addressSchema: (z) => z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number such as +15551234567'),
  responderField: 'phone',
  pagingRank: 10,
  quiet: false,
  acknowledgement: { by: 'reply', route: '/v1/webhooks/twilio/sms' },
  render: (request) => renderSms(request),
} as const satisfies ChannelDefinition<'sms', string>;
