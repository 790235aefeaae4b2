import { smsChannel } from '../../domain/channels/sms';
import type { SmsTransport } from '../../domain/transports';
import { channelTransport } from './channelTransport';
import { smsTransportFromEnv } from './smsProvider';

/**
 * SMS through Twilio or Telnyx (`VIGIL_SMS_PROVIDER`, else whichever is configured; see
 * `smsProvider.ts`), else the outbox. Both vendors can be asked which messages they accepted, so
 * a retry finds an earlier attempt's page instead of sending it twice. The message is the same
 * whichever sends it: the vendor is a transport detail.
 */
export const smsTransport = channelTransport({
  definition: smsChannel,
  async send(transport: SmsTransport, { address, message }) {
    return (await transport.send({ to: address, body: message })).id;
  },
  async findAccepted(transport: SmsTransport, { address, message }, since) {
    return transport.findAccepted ? transport.findAccepted({ to: address, body: message }, since) : [];
  },
  fromEnv: smsTransportFromEnv,
});
