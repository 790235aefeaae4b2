/**
 * The worker side of an incident's chat (#16): what `workflows/incidentChat.ts` asks, done through
 * the platform adapters of `activities/chat/index.ts`. Contacts are named by id in the workflow and
 * mapped to chat users here, from config, so chat ids stay out of histories. Every call is safe to
 * retry: a card already posted to a destination (in the SQL store) is not posted again, a room
 * already opened is reused, and updates, topics and invites say the same thing twice.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CardFacts } from '../../domain/chat/chatEvents';
import type { ChatAction, ChatDestination, ChatIncidentCard, ChatPlatformId, IncidentRoom } from '../../domain/chat/platform';
import { CHAT_ACTIONS, CHAT_PLATFORMS } from '../../domain/chat/platform';
import type { VigilConfig } from '../../domain/config';
import { signAckLink } from '../../platform/ackLink';
import type { ChatRecords } from '../../platform/chatRecords';
import type { ChatPlatform, PostOnce } from './chatPlatform';
import type { ChatPlatforms } from './index';

/** Where a card goes: a named team channel, a contact's direct messages (if they asked), or the incident's room. */
export type ChatTarget = { channel: string } | { contact: string } | { room: IncidentRoom };

export interface IncidentChatActivities {
  openIncidentRoom(input: { incidentId: string; platform: ChatPlatformId; name: string; topic: string; members: string[] }): Promise<IncidentRoom>;
  /** @returns how many cards were posted now (those posted before are left as they are). */
  /** `offerRoom`: the incident's room opens on request and is not open yet (interactive cards offer a button). */
  postIncidentCards(input: { card: CardFacts; targets: ChatTarget[]; offerRoom?: boolean }): Promise<number>;
  updateIncidentCards(input: { card: CardFacts; offerRoom?: boolean }): Promise<void>;
  /** Posts a timeline line, sets the topic, or both. */
  mirrorToRoom(input: { room: IncidentRoom; text?: string; topic?: string }): Promise<void>;
  inviteToRoom(input: { room: IncidentRoom; members: string[] }): Promise<void>;
  archiveIncidentRoom(input: { incidentId: string; room: IncidentRoom }): Promise<void>;
}

export interface IncidentChatDeps {
  config: Pick<VigilConfig, 'contacts' | 'chatChannels'>;
  platforms: ChatPlatforms;
  records: ChatRecords;
  /** Base URL responders reach Vigil at, for the card's link to the dashboard. */
  publicUrl: string;
  /** `VIGIL_LINK_SECRET`: signs the buttons of platforms whose buttons can only be links (Teams). */
  linkSecret?: string;
  linkTtlSeconds?: number;
}

/** A destination and who its link buttons act as: the contact for a direct message, else the channel (decision 77). */
interface CardDestination {
  destination: ChatDestination;
  actor: { id: string; name: string };
}

/** The failure type of a call no retry can help: the platform has no adapter on this worker. */
export const CHAT_UNAVAILABLE_FAILURE = 'ChatPlatformUnavailable';

function destinationKey(destination: ChatDestination): string {
  return `${destination.platform}:${destination.kind}:${destination.id}`;
}

/** Tries every item, then fails with all the errors if any failed: one bad destination must not stop the others. */
async function eachOf<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const failures: string[] = [];
  for (const item of items) {
    try {
      await work(item);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  if (failures.length) throw new Error(failures.join('; '));
}

export function createIncidentChatActivities(deps: IncidentChatDeps): IncidentChatActivities {
  const publicUrl = deps.publicUrl.replace(/\/+$/, '');

  function platform(id: ChatPlatformId): ChatPlatform {
    const adapter = deps.platforms.get(id);
    if (!adapter) throw ApplicationFailure.create({ message: `no ${id} adapter is configured on this worker (docs/chat.md)`, type: CHAT_UNAVAILABLE_FAILURE, nonRetryable: true });
    return adapter;
  }

  /**
   * What keeps a post single when this activity is retried (a worker died after the platform took
   * it, before it was recorded): a key the same on every try, and whether this is a retry.
   */
  function postOnce(identity: string): PostOnce {
    const { attempt, scheduledTimestampMs } = Context.current().info;
    return { key: createHash('sha256').update(identity).digest('base64url').slice(0, 32), retried: attempt > 1, sinceMs: scheduledTimestampMs };
  }

  function cardOf(facts: CardFacts, offerRoom = false): ChatIncidentCard {
    return { ...facts, incidentUrl: `${publicUrl}/dashboard/incidents/${encodeURIComponent(facts.incidentId)}`, ...(offerRoom ? { offerRoom } : {}) };
  }

  /**
   * Signed single-use links for a card whose platform cannot call back (`actsByLink`), one per
   * action, acting as the destination's actor. Ids derive from incident, destination and action,
   * so a retried post carries the same links and each still works once.
   */
  function linkedCardOf(facts: CardFacts, { destination, actor }: CardDestination, offerRoom = false): ChatIncidentCard {
    const card = cardOf(facts, offerRoom);
    if (!deps.linkSecret || !deps.platforms.get(destination.platform)?.actsByLink) return card;
    const secret = deps.linkSecret;
    const expiresAt = Date.now() + (deps.linkTtlSeconds ?? 24 * 3600) * 1000;
    const linkFor = (action: ChatAction) =>
      `${publicUrl}/v1/ack/${signAckLink(
        {
          id: createHash('sha256').update(`chat:${facts.incidentId}:${destinationKey(destination)}:${action}`).digest('base64url').slice(0, 22),
          incidentId: facts.incidentId,
          responderId: actor.id,
          responderName: actor.name,
          expiresAt,
          ...(action !== 'acknowledge' ? { action } : {}),
          channel: destination.platform,
        },
        secret,
      )}`;
    return { ...card, actionLinks: Object.fromEntries(CHAT_ACTIONS.map((action) => [action, linkFor(action)])) };
  }

  /** The contacts' user ids on a platform; those without one there are left out. */
  function usersOn(platformId: ChatPlatformId, contactIds: readonly string[]): string[] {
    return contactIds.flatMap((contactId) => {
      const userId = deps.config.contacts[contactId]?.chat?.[platformId];
      return userId ? [userId] : [];
    });
  }

  function destinationsOf(target: ChatTarget): CardDestination[] {
    if ('room' in target) {
      const { platform: platformId, channelId } = target.room;
      return [{ destination: { platform: platformId, kind: 'channel', id: channelId }, actor: { id: `chat:${platformId}:room`, name: `the incident's ${platformId} room` } }];
    }
    if ('channel' in target) {
      const channel = deps.config.chatChannels[target.channel];
      if (!channel) return [];
      return [{ destination: { platform: channel.platform, kind: 'channel', id: channel.channel }, actor: { id: `chat:${channel.platform}:${target.channel}`, name: `${channel.platform} channel ${target.channel}` } }];
    }
    const contact = deps.config.contacts[target.contact];
    const identity = contact?.chat;
    if (!identity?.direct) return [];
    // Direct messages on every platform they have an id on and this worker can reach.
    return CHAT_PLATFORMS.flatMap((platformId) =>
      identity[platformId] && deps.platforms.get(platformId) ? [{ destination: { platform: platformId, kind: 'direct' as const, id: identity[platformId] }, actor: { id: target.contact, name: contact.name } }] : [],
    );
  }

  return {
    async openIncidentRoom({ incidentId, platform: platformId, name, topic, members }) {
      const known = await deps.records.roomOf(incidentId);
      if (known) return { platform: known.platform, channelId: known.channelId, ...(known.url ? { url: known.url } : {}) };
      const room = await platform(platformId).openRoom({ name, topic, members: usersOn(platformId, members) });
      await deps.records.recordRoom(incidentId, room, new Date());
      return room;
    },
    async postIncidentCards({ card, targets, offerRoom }) {
      const all = targets.flatMap(destinationsOf);
      // A channel on a platform this worker has no credentials for is left out (logged), not retried.
      const reachable = all.filter(({ destination }) => deps.platforms.get(destination.platform));
      const skipped = all.filter(({ destination }) => !deps.platforms.get(destination.platform)).map(({ destination }) => destination.platform);
      if (skipped.length) Context.current().log.warn('chat platform not configured on this worker: card not posted there', { incident: card.incidentId, platforms: [...new Set(skipped)] });
      let posted = 0;
      await eachOf(reachable, async (target) => {
        const { destination } = target;
        const key = destinationKey(destination);
        if (await deps.records.cardAt(card.incidentId, key)) return;
        const ref = await platform(destination.platform).postCard(destination, linkedCardOf(card, target, offerRoom), postOnce(`card:${card.incidentId}:${key}`));
        await deps.records.recordCard(card.incidentId, key, ref, new Date());
        posted += 1;
      });
      return posted;
    },
    async updateIncidentCards({ card, offerRoom }) {
      const refs = await deps.records.cardsOf(card.incidentId);
      await eachOf(refs, (ref) => platform(ref.platform).updateCard(ref, cardOf(card, offerRoom)));
    },
    async mirrorToRoom({ room, text, topic }) {
      const adapter = platform(room.platform);
      if (topic !== undefined) await adapter.setTopic(room, topic);
      if (text !== undefined) {
        // This activity's own identity: the line it carries, and only it, on every try.
        const { workflowExecution, activityId } = Context.current().info;
        await adapter.postText(room, text, postOnce(`line:${workflowExecution?.workflowId}:${workflowExecution?.runId}:${activityId}`));
      }
    },
    async inviteToRoom({ room, members }) {
      const users = usersOn(room.platform, members);
      if (users.length) await platform(room.platform).invite(room, users);
    },
    async archiveIncidentRoom({ incidentId, room }) {
      await platform(room.platform).archive(room);
      await deps.records.markArchived(incidentId, new Date());
      Context.current().log.info('incident room archived', { incident: incidentId, platform: room.platform });
    },
  };
}
