/**
 * A channel that exists only in tests ("pager"), declared the way a real one is
 * (`docs/channels.md`): its definition with renderer, and its worker side. Tests register it next
 * to the real channels to show a new channel needs no edit anywhere else.
 */
import type { ChannelDefinition } from '../../domain/channels';
import { channelTransport } from '../../activities/channels/channelTransport';

export interface PagerMessage {
  title: string;
  urgent: boolean;
}

export interface PagerTransport {
  readonly name: string;
  push(device: string, message: PagerMessage): Promise<{ ref: string }>;
  /** Refs of pushes to `device` with this title since `since`. */
  sentSince(device: string, title: string, since: Date): Promise<string[]>;
}

export const pagerChannel = {
  id: 'pager',
  contactField: 'pagerDevice',
  addressSchema: (z) => z.string().regex(/^dev-[a-z0-9]+$/, 'a pager device id such as dev-42'),
  pagingRank: 5,
  quiet: false,
  acknowledgement: { by: 'reply', route: '/v1/webhooks/pager' },
  render: (request) => ({ title: `${request.incident.code} ${request.kind}: ${request.incident.summary}`, urgent: request.kind === 'page' }),
} as const satisfies ChannelDefinition<'pager', PagerMessage>;

export const pagerTransport = channelTransport({
  definition: pagerChannel,
  async send(transport: PagerTransport, { address, message }) {
    return (await transport.push(address, message)).ref;
  },
  async findAccepted(transport: PagerTransport, { address, message }, since) {
    return transport.sentSince(address, message.title, since);
  },
  fromEnv(env, outbox) {
    return { name: 'outbox', push: async (device, message) => ({ ref: await outbox.record('pager', `pager ${device}: ${message.title}`, { to: device, ...message }) }), sentSince: async () => [] };
  },
});

/** A pager vendor that remembers what it was given. */
export function fakePagerTransport(): PagerTransport & { pushed: Array<{ device: string; message: PagerMessage; ref: string; at: Date }> } {
  const pushed: Array<{ device: string; message: PagerMessage; ref: string; at: Date }> = [];
  return {
    name: 'fake-pager',
    pushed,
    async push(device, message) {
      const ref = `PG${pushed.length + 1}`;
      pushed.push({ device, message, ref, at: new Date() });
      return { ref };
    },
    async sentSince(device, title, since) {
      return pushed.filter((entry) => entry.device === device && entry.message.title === title && entry.at >= since).map((entry) => entry.ref).reverse();
    },
  };
}
