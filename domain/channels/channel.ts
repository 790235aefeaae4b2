import type { z } from 'zod';
import type { NotificationKind, NotificationRequest } from '../notification';
import type { Responder } from '../escalation';

/** How a channel carries an acknowledgement back, and the route that hears it. */
export interface AcknowledgementRoute {
  /** `link`: a signed one-click link in the message; `reply`: the person answers on the channel itself. */
  by: 'link' | 'reply';
  /** The HTTP route that receives it (for docs and checks; the route module owns the handling). */
  route: string;
  /**
   * For `link`: the actions a page carries a signed link for (absent: acknowledge only, as in
   * email). Each is its own single-use link in the render context.
   */
  actions?: readonly ('acknowledge' | 'resolve' | 'escalate')[];
}

/** What a renderer is given besides the request: where Vigil is, and the page's acknowledge link. */
export interface RenderContext {
  publicUrl: string;
  /** Signed one-click acknowledge link; only for pages on channels acknowledged `by: 'link'`. */
  ackUrl?: string;
  /** Signed one-click resolve link; only for pages on channels whose links carry `resolve`. */
  resolveUrl?: string;
}

/**
 * One way to reach a person, declared once (GoAlert's destination types are the model). Pure: no
 * transport here; the transport that sends `Message` lives in `activities/channels/<id>.ts`.
 */
export interface ChannelDefinition<Id extends string = string, Message = unknown> {
  id: Id;
  /**
   * The contact field in config holding a person's address on this channel, and how that
   * address is checked when config loads.
   */
  contactField: string;
  /**
   * The address's schema, built from the zod it is given: a channel module never imports zod
   * itself, because workflow code imports the registry and Temporal's sandbox evaluates every
   * module of the workflow bundle again for each workflow run (zod alone cost about 10 ms a run).
   */
  addressSchema: (zod: typeof z) => z.ZodType<string>;
  /**
   * Where a responder carries the address. `email` and `sms` keep the fields histories already
   * hold (`Responder.email`, `Responder.phone`); channels added later use `Responder.addresses[id]`.
   */
  responderField?: 'email' | 'phone';
  /**
   * Order when nothing else decides (lowest first): a person without notification rules is paged
   * on every channel they have in this order, and a failed channel falls back along it.
   */
  pagingRank: number;
  /** Fit for low urgency (does not wake anyone): low-urgency pages keep only quiet channels, when the person has one. */
  quiet: boolean;
  /**
   * Used only where config names it (a level's channels, a person's notification rules, and then
   * as that person's fallback); never among "every method they have" or a reminder's choice. For a
   * channel that reuses another's address (voice calls the number SMS texts), so configs written
   * before it existed page exactly as they did.
   */
  onlyWhenNamed?: boolean;
  /** The kinds of message this channel carries (absent: all); others are recorded as not sent on it. */
  kinds?: readonly NotificationKind[];
  /** How an acknowledgement comes back on this channel; absent: it cannot carry one. */
  acknowledgement?: AcknowledgementRoute;
  /** The message as this channel's transport takes it (without the recipient). */
  render(request: NotificationRequest, context: RenderContext): Message;
}

/** Every channel by id, with the questions the rest of Vigil asks about them. */
export interface ChannelRegistry<Id extends string = string, Defs extends readonly ChannelDefinition<Id>[] = readonly ChannelDefinition<Id>[]> {
  /** The definitions as declared (their literal types give config its contact fields). */
  readonly definitions: Defs;
  /** Ids in declaration order (the order config error messages list them in). */
  readonly ids: readonly [Id, ...Id[]];
  get(id: Id): ChannelDefinition<Id>;
  has(id: string): id is Id;
  /** Ids by `pagingRank`, fastest first. */
  readonly pagingOrder: readonly Id[];
  /** `pagingOrder` without the channels used only where config names them (`onlyWhenNamed`). */
  readonly defaultOrder: readonly Id[];
  addressOf(responder: Responder, id: Id): string | undefined;
  reachable(responder: Responder, id: Id): boolean;
  /** The address fields of a contact in config, by channel id. */
  contactAddress(contact: Record<string, unknown>, id: Id): string | undefined;
  /** The responder fields holding a contact's addresses (what `responderOf` copies). */
  responderAddresses(contact: Record<string, unknown>): Pick<Responder, 'email' | 'phone' | 'addresses'>;
}

/** A responder's address on a channel (see `responderField`). */
export function addressOn(definition: Pick<ChannelDefinition, 'id' | 'responderField'>, responder: Responder): string | undefined {
  return definition.responderField ? responder[definition.responderField] : responder.addresses?.[definition.id];
}

/**
 * Builds a registry from channel definitions. Ids must be unique; a contact field may be shared
 * only by channels that carry it in the same responder field (SMS and voice both use `phone`).
 */
export function createChannelRegistry<const Defs extends readonly [ChannelDefinition, ...ChannelDefinition[]]>(definitions: Defs): ChannelRegistry<Defs[number]['id'], Defs> {
  type Id = Defs[number]['id'];
  const byId = new Map<string, ChannelDefinition<Id>>();
  const fields = new Map<string, ChannelDefinition['responderField'] | null>();
  for (const definition of definitions) {
    if (byId.has(definition.id)) throw new Error(`channel "${definition.id}" is declared twice`);
    const claimed = fields.get(definition.contactField);
    if (claimed !== undefined && (claimed === null || claimed !== definition.responderField)) throw new Error(`contact field "${definition.contactField}" is claimed by two channels`);
    byId.set(definition.id, definition as ChannelDefinition<Id>);
    fields.set(definition.contactField, definition.responderField ?? null);
  }
  const get = (id: Id): ChannelDefinition<Id> => {
    const definition = byId.get(id);
    if (!definition) throw new Error(`no channel "${id}"`);
    return definition;
  };
  const addressOf = (responder: Responder, id: Id): string | undefined => addressOn(get(id), responder);
  const contactAddress = (contact: Record<string, unknown>, id: Id): string | undefined => {
    const value = contact[get(id).contactField];
    return typeof value === 'string' ? value : undefined;
  };
  const pagingOrder = [...definitions].sort((a, b) => a.pagingRank - b.pagingRank).map((definition) => definition.id as Id);
  return {
    definitions,
    ids: definitions.map((definition) => definition.id) as unknown as [Id, ...Id[]],
    get,
    has: (id: string): id is Id => byId.has(id),
    pagingOrder,
    defaultOrder: pagingOrder.filter((id) => !get(id).onlyWhenNamed),
    addressOf,
    reachable: (responder, id) => Boolean(addressOf(responder, id)),
    contactAddress,
    responderAddresses(contact) {
      const out: Pick<Responder, 'email' | 'phone' | 'addresses'> = {};
      const addresses: Record<string, string> = {};
      for (const definition of definitions) {
        const address = contactAddress(contact, definition.id);
        if (definition.responderField) out[definition.responderField] = address;
        else if (address !== undefined) addresses[definition.id] = address;
      }
      if (Object.keys(addresses).length > 0) out.addresses = addresses;
      return out;
    },
  };
}
