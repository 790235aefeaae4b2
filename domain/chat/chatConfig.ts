/**
 * Incidents in chat (#16) as written in `vigil.config.ts` (docs/chat.md):
 *
 * ```ts
 * contacts: { alice: { name: 'Alice', email: '…', chat: { slack: 'U0123ABCD', matrix: '@alice:example.org', direct: true } } },
 * chatChannels: { 'ops-slack': { platform: 'slack', channel: 'C0123ABCD' } },
 * escalationPolicies: { web: { levels: [{ notify: ['alice'], timeout: '5m', chat: ['ops-slack'] }] } },
 * incidentRooms: [{ platform: 'slack', services: ['checkout'], severities: ['critical'], open: 'incident' }],
 * ```
 *
 * Every part is optional, so a config written before chat stays valid and its incidents have no chat side.
 */
import { z } from 'zod';
import { SEVERITIES } from '../severity';
import { ROLES } from '../roles';
import { parseDurationSeconds } from '../duration';
import { CHAT_PLATFORMS, type ChatPlatformId } from './platform';

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');

/** A platform's id of a user, channel or room: printable, no spaces, bounded (each adapter checks its own form). */
const platformId = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'a platform id (Slack U0123ABCD or C0123ABCD, a Mattermost id, Matrix @user:server or !room:server), without spaces');

/**
 * A person's identities in chat, one per platform, and what they may do there. Maps an inbound
 * caller to this contact (the platform vouches for the id), and is where their direct messages go.
 */
export const chatIdentitySchema = z
  .object({
    slack: platformId.optional(),
    teams: platformId.optional(),
    mattermost: platformId.optional(),
    matrix: z.string().regex(/^@[^\s:]{1,255}:[^\s]{1,255}$/, 'a Matrix user id such as @alice:example.org').optional(),
    /** Pages to this person also go to their direct messages, on every platform above (their own rule, like notification rules). */
    direct: z.boolean().default(false),
    /** What they may do by chat command or button, as an API key of this role may (docs/roles.md); default responder. */
    role: z.enum(ROLES).default('responder'),
  })
  .strict();

export type ChatIdentity = z.output<typeof chatIdentitySchema>;

/** A named team channel a level can post incident cards to. */
const chatChannelSchema = z
  .object({
    platform: z.enum(CHAT_PLATFORMS),
    /** The channel or room id on that platform (Slack C…, Mattermost channel id, Matrix !room:server, a Teams webhook's name). */
    channel: platformId,
  })
  .strict();

export const chatChannelsSchema = z.record(id, chatChannelSchema).default({});
export type ChatChannelConfig = z.output<typeof chatChannelSchema>;

/** Who an incident room invites. */
export const ROOM_INVITEES = ['responders', 'commander'] as const;
export type RoomInvitee = (typeof ROOM_INVITEES)[number];

/** When an incident of the matching services and severities gets a room of its own; first match wins. */
const incidentRoomRuleSchema = z
  .object({
    platform: z.enum(CHAT_PLATFORMS),
    /** The services it applies to; absent: every service. */
    services: z.array(id).min(1).max(100).optional(),
    /** The severities it applies to; absent: every severity. */
    severities: z.array(z.enum(SEVERITIES)).min(1).optional(),
    /** `incident`: opened with the incident; `request`: only when someone asks (`/vigil room`). */
    open: z.enum(['incident', 'request']).default('incident'),
    /** Invited as they come: the people paged and the commander. */
    invite: z.array(z.enum(ROOM_INVITEES)).max(2).default(['responders', 'commander']),
    /** Archived once the review is completed, or this long after resolution, whichever comes first. */
    archiveAfter: z
      .string()
      .refine((text) => (parseDurationSeconds(text) ?? 0) > 0, 'a positive duration such as "12h" or "7d"')
      .default('7d'),
  })
  .strict();

export const incidentRoomsSchema = z.array(incidentRoomRuleSchema).max(50).default([]);
export type IncidentRoomRule = z.output<typeof incidentRoomRuleSchema>;

/** The chat part of a config, for the cross-checks below. */
export interface ChatConfigPart {
  contacts: Record<string, { chat?: ChatIdentity }>;
  chatChannels: Record<string, ChatChannelConfig>;
  incidentRooms: IncidentRoomRule[];
  services: Record<string, unknown>;
  escalationPolicies: Record<string, { levels: Array<{ chat?: string[] }> }>;
}

type Issue = { path: Array<string | number>; message: string };

/** Names that point nowhere, and one chat id claimed by two contacts (an inbound caller must map to one person). */
export function chatIssues(config: ChatConfigPart): Issue[] {
  const issues: Issue[] = [];
  for (const [policyId, policy] of Object.entries(config.escalationPolicies)) {
    policy.levels.forEach((level, levelIndex) =>
      (level.chat ?? []).forEach((name, index) => {
        if (!Object.hasOwn(config.chatChannels, name)) issues.push({ path: ['escalationPolicies', policyId, 'levels', levelIndex, 'chat', index], message: `no chat channel "${name}" (see chatChannels)` });
      }),
    );
  }
  config.incidentRooms.forEach((rule, ruleIndex) =>
    (rule.services ?? []).forEach((service, index) => {
      if (!Object.hasOwn(config.services, service)) issues.push({ path: ['incidentRooms', ruleIndex, 'services', index], message: `no service "${service}"` });
    }),
  );
  const owners = new Map<string, string>();
  for (const [contactId, contact] of Object.entries(config.contacts)) {
    for (const platform of CHAT_PLATFORMS) {
      const userId = contact.chat?.[platform];
      if (!userId) continue;
      const key = `${platform}\u0000${userId}`;
      const owner = owners.get(key);
      if (owner) issues.push({ path: ['contacts', contactId, 'chat', platform], message: `${platform} user "${userId}" is already contact "${owner}"'s` });
      else owners.set(key, contactId);
    }
  }
  return issues;
}

/** The contact a platform user is, if any: the only way an inbound caller becomes someone in Vigil. */
export function contactByChatId(contacts: ChatConfigPart['contacts'], platform: ChatPlatformId, userId: string): { contactId: string; identity: ChatIdentity } | undefined {
  for (const [contactId, contact] of Object.entries(contacts)) {
    if (contact.chat && contact.chat[platform] === userId) return { contactId, identity: contact.chat };
  }
  return undefined;
}

/** The first room rule that applies to an incident of this service and severity. */
export function roomRuleFor(rules: readonly IncidentRoomRule[], service: string, severity: string): IncidentRoomRule | undefined {
  return rules.find((rule) => (!rule.services || rule.services.includes(service)) && (!rule.severities || (rule.severities as string[]).includes(severity)));
}
