/**
 * The worker side of every channel in `domain/channels/`, by id: one line per channel. The type
 * check below fails when a channel is declared in the domain and has no transport here.
 */
import type { ChannelId } from '../../domain/channels';
import type { ChannelTransport, TransportOf } from './channelTransport';
import { emailTransport } from './email';
import { ntfyTransport } from './ntfy';
import { smsTransport } from './sms';
import { voiceTransport } from './voice';
import { webhookTransport } from './webhook';

export const CHANNEL_TRANSPORTS = {
  email: emailTransport,
  sms: smsTransport,
  voice: voiceTransport,
  ntfy: ntfyTransport,
  webhook: webhookTransport,
} as const satisfies { [Id in ChannelId]: ChannelTransport<Id, never, never> | ChannelTransport<Id, any, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The transport each channel sends through (`{ email: EmailTransport; sms: SmsTransport }`). */
export type ChannelTransports = { [Id in ChannelId]: TransportOf<(typeof CHANNEL_TRANSPORTS)[Id]> };
