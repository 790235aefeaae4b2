/**
 * Incidents in chat (#16): the vocabulary every chat platform (Slack, Microsoft Teams, Mattermost,
 * Matrix) shares, so the incident's chat side is written once and each platform is one adapter
 * (`activities/chat/<platform>.ts`) plus one inbound route. Pure types: no platform SDK here.
 */
import type { Severity } from '../severity';
import type { IncidentStatus } from '../incident';

export const CHAT_PLATFORMS = ['slack', 'teams', 'mattermost', 'matrix'] as const;
export type ChatPlatformId = (typeof CHAT_PLATFORMS)[number];

/** The actions a chat message's buttons (or reactions) carry. */
export const CHAT_ACTIONS = ['acknowledge', 'resolve', 'escalate'] as const;
export type ChatAction = (typeof CHAT_ACTIONS)[number];

/** What a card's button may ask: one of the incident's actions, or `room`, to open its room (a rule with `open: 'request'`). */
export const CARD_BUTTONS = [...CHAT_ACTIONS, 'room'] as const;
export type CardButton = (typeof CARD_BUTTONS)[number];

/**
 * Where a chat message goes: one person's direct messages (their platform user id: Slack `U…`,
 * Mattermost user id, Matrix `@user:server`) or a team channel or room (Slack `C…`, Mattermost
 * channel id, Matrix `!room:server`, a Teams Workflows webhook's name in config).
 */
export interface ChatDestination {
  platform: ChatPlatformId;
  kind: 'direct' | 'channel';
  id: string;
}

/** What an incident card shows; every platform renders it its own way (blocks, attachments, Adaptive Card, HTML). */
export interface ChatIncidentCard {
  incidentId: string;
  /** The six-character code people type (`/vigil ack 7KQ2MX`). */
  code: string;
  service: string;
  severity: Severity;
  status: IncidentStatus;
  summary: string;
  /** Names of the people paged so far (latest last). */
  paged: string[];
  /** Who leads, when a commander is assigned. */
  commander?: string;
  /** The incident's page on the dashboard. */
  incidentUrl: string;
  /**
   * Signed single-use links for platforms (or messages) whose buttons cannot call back into Vigil
   * (Teams through a Workflows webhook). Platforms with interactive buttons carry the action and the
   * incident id in the button instead and verify the caller on the way back.
   */
  actionLinks?: Partial<Record<ChatAction, string>>;
  /** The incident's room opens on request and is not open yet: an interactive card offers a button to open it. */
  offerRoom?: boolean;
}

/** A message Vigil posted, so it can be updated in place as the incident changes. */
export interface ChatMessageRef {
  platform: ChatPlatformId;
  /** The channel, room or direct conversation the message is in. */
  channelId: string;
  /** The platform's id of the message (Slack `ts`, Mattermost post id, Matrix event id). */
  messageId: string;
}

/** A room or channel opened for one incident. */
export interface IncidentRoom {
  platform: ChatPlatformId;
  channelId: string;
  /** A link people can open it with, when the platform has one. */
  url?: string;
}

/** A verb of `/vigil` (or the Matrix `!vigil` prefix). */
export type ChatCommand =
  | { verb: 'declare'; service: string; severity: Severity; summary: string }
  | { verb: 'ack' | 'resolve' | 'escalate' | 'status'; incident?: string }
  | { verb: 'update'; incident?: string; text: string }
  | { verb: 'role'; incident?: string; role: string; target: string }
  | { verb: 'oncall'; schedule?: string }
  /** Opens the incident's room where its rule says `open: 'request'` (added by the chat core). */
  | { verb: 'room'; incident?: string }
  | { verb: 'help' };

/**
 * Whatever a platform's inbound route heard, once verified the platform's way: who (their
 * platform user id, never a name they typed), where, and what. The shared handler maps the caller
 * to a Vigil contact and holds them to that contact's role; an unknown caller is refused politely.
 */
export interface ChatInbound {
  platform: ChatPlatformId;
  /** The caller's platform user id, as the platform vouched for it. */
  userId: string;
  /** The channel or room it came from (an incident room names its incident). */
  channelId?: string;
  /** A button press (or reaction) on an incident card, or a typed command. */
  request: { kind: 'action'; action: CardButton; incidentId: string } | { kind: 'command'; command: ChatCommand };
  /** The platform's id of this request, for replay safety (Slack `trigger_id`, Matrix event id). */
  requestId: string;
}
