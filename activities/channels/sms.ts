import { smsChannel } from '../../domain/channels/sms';
import type { SmsTransport } from '../../domain/transports';
import { createTwilioSmsTransport } from '../transports/twilioSms';
import { channelTransport } from './channelTransport';

/**
 * SMS through Twilio (`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, `TWILIO_FROM`, optional
 * `TWILIO_API_URL`), else the outbox. Twilio can be asked which messages it accepted, so a retry
 * finds an earlier attempt's page instead of sending it twice.
 */
export const smsTransport = channelTransport({
  definition: smsChannel,
  async send(transport: SmsTransport, { address, message }) {
    return (await transport.send({ to: address, body: message })).id;
  },
  async findAccepted(transport: SmsTransport, { address, message }, since) {
    return transport.findAccepted ? transport.findAccepted({ to: address, body: message }, since) : [];
  },
  fromEnv(env, outbox) {
    const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from } = env;
    return accountSid && authToken && from ? createTwilioSmsTransport({ accountSid, authToken, from, apiBaseUrl: env.TWILIO_API_URL }) : outbox.sms;
  },
});
