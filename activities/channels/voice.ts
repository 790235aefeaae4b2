import { voiceChannel } from '../../domain/channels/voice';
import type { VoiceTransport } from '../../domain/transports';
import { createTwilioVoiceTransport } from '../transports/twilioVoice';
import { channelTransport } from './channelTransport';

/**
 * Voice through Twilio Programmable Voice (`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, and the
 * caller id `TWILIO_VOICE_FROM`, else `TWILIO_FROM` when that is a number; optional
 * `TWILIO_API_URL`), else the outbox. A retry asks Twilio for the call an earlier attempt may have
 * placed, and a placed call is watched until it reached a person or cannot.
 */
export const voiceTransport = channelTransport({
  definition: voiceChannel,
  async send(transport: VoiceTransport, { address, message }) {
    return (await transport.call(address, message)).id;
  },
  async findAccepted(transport: VoiceTransport, { address }, since) {
    return transport.findPlaced ? transport.findPlaced(address, since) : [];
  },
  async answerOf(transport: VoiceTransport, callId, until) {
    return transport.answerOf ? transport.answerOf(callId, until) : { reached: true };
  },
  fromEnv(env, outbox) {
    const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken } = env;
    const from = env.TWILIO_VOICE_FROM || (env.TWILIO_FROM?.startsWith('+') ? env.TWILIO_FROM : undefined);
    if (accountSid && authToken && from) return createTwilioVoiceTransport({ accountSid, authToken, from, apiBaseUrl: env.TWILIO_API_URL });
    return { name: 'outbox', call: async (to, call) => ({ id: await outbox.record('voice', `call to ${to}: ${call.script}`, { to, ...call }) }) };
  },
});
