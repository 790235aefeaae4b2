/**
 * The worker side of one chat platform (#16): what the incident's chat side asks of Slack, Teams,
 * Mattermost or Matrix. Each platform implements it in `activities/chat/<platform>.ts` with the
 * vendor's own SDK, built from the environment; the incident's chat activities call only this.
 * Every call may be retried by Temporal, so each says how a retry stays harmless.
 */
import type { ChatDestination, ChatIncidentCard, ChatMessageRef, ChatPlatformId, IncidentRoom } from '../../domain/chat/platform';

/**
 * What keeps one post single across Temporal's retries of the activity that makes it: a worker that
 * died after the platform took the post but before Vigil recorded it must not post it again.
 */
export interface PostOnce {
  /** Unique to this post (a card at one destination, or one timeline line), the same on every try. */
  key: string;
  /** An earlier try may have posted it (a retry): a platform that can find its own posts looks first. */
  retried: boolean;
  /** When the first try was scheduled: no earlier post can be this one. */
  sinceMs: number;
}

export interface ChatPlatform {
  readonly id: ChatPlatformId;
  /**
   * The card's buttons can only open links (Teams through a Workflows webhook): the incident's chat
   * side signs single-use action links into its cards (`card.actionLinks`). Others call back.
   */
  readonly actsByLink?: boolean;
  /**
   * Posts the incident card (with its buttons) to a person's direct messages or a channel. With
   * `once`, a retry that finds the card an earlier try posted returns it instead (Slack by message
   * metadata, Mattermost by post props, Matrix by transaction id; Teams cannot look).
   */
  postCard(destination: ChatDestination, card: ChatIncidentCard, once?: PostOnce): Promise<ChatMessageRef>;
  /** Replaces a posted card with the incident as it is now (status, who is paged, buttons left). */
  updateCard(ref: ChatMessageRef, card: ChatIncidentCard): Promise<void>;
  /**
   * Opens a channel or room for one incident, named `name` (unique per incident, so a retry that
   * finds it already exists reuses it), with `topic` and the given platform users invited.
   */
  openRoom(input: { name: string; topic: string; members: string[] }): Promise<IncidentRoom>;
  setTopic(room: IncidentRoom, topic: string): Promise<void>;
  /** Invites users; one already in the room is not an error. */
  invite(room: IncidentRoom, members: string[]): Promise<void>;
  /** Posts a line of the timeline (plain text, the platform escapes it); `once` as for `postCard`. */
  postText(room: IncidentRoom, text: string, once?: PostOnce): Promise<ChatMessageRef>;
  /** Archives the room, or marks it closed where the platform cannot archive. */
  archive(room: IncidentRoom): Promise<void>;
}
