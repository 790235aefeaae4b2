/**
 * The channel registry: every way Vigil reaches a person. To add one, see `docs/channels.md`:
 * its definition in `domain/channels/<id>.ts`, one line here, its transport in
 * `activities/channels/<id>.ts` (plus one line in `activities/channels/index.ts`), its inbound
 * route if it carries acknowledgements, and its test. Pure: workflow code may import this.
 */
import { createChannelRegistry } from './channel';
import { emailChannel } from './email';
import { ntfyChannel } from './ntfy';
import { smsChannel } from './sms';
import { voiceChannel } from './voice';
import { webhookChannel } from './webhook';

export const CHANNELS = createChannelRegistry([emailChannel, smsChannel, voiceChannel, ntfyChannel, webhookChannel]);

/** A channel's id: `email`, `sms`, ... (derived from the registry, never written out by hand). */
export type ChannelId = (typeof CHANNELS.ids)[number];

export type { AcknowledgementRoute, ChannelDefinition, ChannelRegistry, RenderContext } from './channel';
export { addressOn, createChannelRegistry } from './channel';
