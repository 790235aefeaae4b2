/**
 * Which channel, when the workflow chooses rather than a level or a person's rules: the
 * fallbacks of a failed page, and the channel of a reminder. Pure and deterministic (workflow code
 * calls these). `registry` is the channel registry (another one in tests).
 */
import type { Responder } from '../escalation';
import type { ChannelRegistry } from './channel';
import { CHANNELS, type ChannelId } from './index';

/**
 * The person's other reachable channels after a page failed on `failed`, fastest first, leaving
 * out those `tried` says this page already used. A channel used only where config names it
 * (voice) is a fallback only for a person whose notification rules name it.
 */
export function fallbackChannels<Id extends string = ChannelId>(
  responder: Responder,
  failed: Id,
  tried: (channel: Id) => boolean = () => false,
  registry: ChannelRegistry<Id> = CHANNELS as unknown as ChannelRegistry<Id>,
): Id[] {
  const named = new Set<string>(responder.rules?.map((rule) => rule.channel) ?? []);
  const candidates = registry.pagingOrder.filter((channel) => !registry.get(channel).onlyWhenNamed || named.has(channel));
  return candidates.filter((channel) => channel !== failed && registry.reachable(responder, channel) && !tried(channel));
}

/**
 * A reminder disturbs as little as it can: the first quiet channel the person has (email), else
 * the fastest loud one (SMS), which records "no address" when the person has none at all.
 */
export function reminderChannel<Id extends string = ChannelId>(responder: Responder, registry: ChannelRegistry<Id> = CHANNELS as unknown as ChannelRegistry<Id>): Id {
  const quiet = registry.defaultOrder.filter((channel) => registry.get(channel).quiet);
  const loud = registry.defaultOrder.filter((channel) => !registry.get(channel).quiet);
  return quiet.find((channel) => registry.reachable(responder, channel)) ?? loud[0] ?? registry.defaultOrder[0] ?? registry.pagingOrder[0];
}
