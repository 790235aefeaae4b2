/**
 * The chat side of one incident, decided from config at its start and frozen into its plan like
 * the rest (`domain/incidentPlan.ts`). Names only: channel names and platforms, never a person's
 * chat id, which the worker looks up in config when it posts (contact data stays out of histories).
 */
import { parseDurationSeconds } from '../duration';
import type { ChatPlatformId } from './platform';
import { roomRuleFor, type ChatConfigPart, type RoomInvitee } from './chatConfig';

export interface IncidentChatPlan {
  /** Team channel names (config `chatChannels`) that get the card when a level fires, by level index of the plan's policy. */
  levelChannels: string[][];
  /** Whether anyone paged may want the card in their direct messages (contacts with `chat.direct`). */
  direct: boolean;
  /** The incident's own room, when a rule gives it one. */
  room?: {
    platform: ChatPlatformId;
    open: 'incident' | 'request';
    invite: RoomInvitee[];
    /** Archived when the review is completed, or this long after resolution. */
    archiveAfterSeconds: number;
  };
}

/** What planning reads: the chat part of config and the policy levels it names channels in. */
export interface ChatPlanConfig extends ChatConfigPart {
  escalationPolicies: Record<string, { levels: Array<{ chat?: string[] }> }>;
}

/** The incident's chat plan, or undefined when config gives it no chat side (every config written before chat). */
export function planChat(config: ChatPlanConfig, incident: { service: string; severity: string; policyId: string }): IncidentChatPlan | undefined {
  const levelChannels = (config.escalationPolicies[incident.policyId]?.levels ?? []).map((level) => level.chat ?? []);
  const direct = Object.values(config.contacts).some((contact) => contact.chat?.direct === true);
  const rule = roomRuleFor(config.incidentRooms, incident.service, incident.severity);
  if (!rule && !direct && levelChannels.every((names) => names.length === 0)) return undefined;
  return {
    levelChannels,
    direct,
    ...(rule ? { room: { platform: rule.platform, open: rule.open, invite: rule.invite, archiveAfterSeconds: parseDurationSeconds(rule.archiveAfter) ?? 7 * 86_400 } } : {}),
  };
}
