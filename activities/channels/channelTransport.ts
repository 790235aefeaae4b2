import type { NotificationRequest } from '../../domain/notification';
import type { ChannelDefinition } from '../../domain/channels';
import type { CallAnswer } from '../../domain/transports';
import type { Outbox } from '../transports/outbox';

/** What a channel's sender is given for one delivery: the request, the address, the rendered message. */
export interface Delivery<Message> {
  request: NotificationRequest;
  address: string;
  message: Message;
}

/**
 * The worker side of a channel (GoAlert's vendor package): how its transport sends a rendered
 * message, how a retry asks the vendor whether an earlier attempt's message went out, and how the
 * transport is built from the environment. `Transport` is the vendor interface in `domain/transports.ts`.
 */
export interface ChannelTransport<Id extends string, Message, Transport extends { readonly name: string }> {
  definition: ChannelDefinition<Id, Message>;
  /** Sends; the provider's message id when it gave one. Errors throw (Temporal retries). */
  send(transport: Transport, delivery: Delivery<Message>): Promise<string | null>;
  /**
   * The vendor's ids of messages accepted for this delivery since `since`, newest first. Absent
   * when the vendor cannot be asked: a retry after an unconfirmed attempt sends again.
   */
  findAccepted?(transport: Transport, delivery: Delivery<Message>, since: Date): Promise<string[]>;
  /**
   * For a channel whose delivery is not done when the vendor accepts it (a call rings, then a
   * person or a machine answers, or nobody): whether the accepted message `providerId` reached a
   * person, watched until `until`; `undefined` when that is not known by then. Absent: accepted
   * is delivered.
   */
  answerOf?(transport: Transport, providerId: string, until: Date): Promise<CallAnswer | undefined>;
  /** The transport the environment configures, or the outbox when it configures none. */
  fromEnv(env: NodeJS.ProcessEnv, outbox: Outbox): Transport & { warm?(): Promise<void> };
}

/** A channel's transport with its types checked against its definition. */
export function channelTransport<Id extends string, Message, Transport extends { readonly name: string }>(
  side: ChannelTransport<Id, Message, Transport>,
): ChannelTransport<Id, Message, Transport> {
  return side;
}

/** The transport type a channel's worker side sends through. */
export type TransportOf<Side> = Side extends ChannelTransport<string, unknown, infer Transport> ? Transport : never;
