/**
 * Builds every channel's transport from the environment (each channel's `fromEnv` in
 * `activities/channels/`). A channel whose vendor is not configured falls back to the outbox
 * (console plus `.vigil/outbox.jsonl`), so Vigil runs offline.
 */
import { join } from 'node:path';
import { CHANNEL_TRANSPORTS, type ChannelTransports } from '../activities/channels';
import { createOutbox } from '../activities/transports/outbox';

/**
 * `warm` loads the vendor SDKs the transports use (they load on first use otherwise): called once
 * the worker polls, so its start does not wait for them and its first page does not either.
 */
export function transportsFromEnv(env: NodeJS.ProcessEnv, vigilDir: string): ChannelTransports & { warm(): Promise<void> } {
  const outbox = createOutbox(join(vigilDir, 'outbox.jsonl'));
  const built = Object.fromEntries(Object.entries(CHANNEL_TRANSPORTS).map(([id, side]) => [id, side.fromEnv(env, outbox)]));
  const transports = built as ChannelTransports;
  return {
    ...transports,
    warm: async () => {
      await Promise.all(Object.values(built).map((transport) => transport.warm?.()));
    },
  };
}
