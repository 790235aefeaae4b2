/**
 * Who a chat caller is in Vigil and what they may do: the contact whose `chat.<platform>` is the
 * user id the platform vouched for (never a name they typed), held to their role as an API key of
 * that role is (`domain/roles.ts`), and to the incidents they may command as an SMS reply is
 * (`domain/smsCommand.ts`: it paged them, its policy names them, or they hold a role on it).
 */
import { contactByChatId } from '../../domain/chat/chatConfig';
import type { ChatPlatformId } from '../../domain/chat/platform';
import { policyContacts, type VigilConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { mayAccess, mayActAs, type Role } from '../../domain/roles';
import { holdsRole, mayCommand } from '../../domain/smsCommand';

export interface ChatCaller {
  contactId: string;
  name: string;
  role: Role;
  platform: ChatPlatformId;
}

export function chatCallerOf(config: VigilConfig, platform: ChatPlatformId, userId: string): ChatCaller | undefined {
  const found = contactByChatId(config.contacts, platform, userId);
  if (!found) return undefined;
  return { contactId: found.contactId, name: config.contacts[found.contactId].name, role: found.identity.role, platform };
}

/** Why the caller may not make a responder's write, or undefined when they may. */
export function refusedWrite(caller: ChatCaller): string | undefined {
  return mayActAs(caller.role, 'responder') ? undefined : `your role (${caller.role}) may not change incidents: that is a responder's or an operations manager's`;
}

/** Why the caller may not read incidents, or undefined when they may. */
export function refusedRead(caller: ChatCaller): string | undefined {
  return mayAccess(caller.role, 'read') ? undefined : `your role (${caller.role}) may not read incidents`;
}

/**
 * Why the caller may not act on this incident, or undefined when they may. An operations manager
 * stands in for anyone; everyone else acts on incidents that are theirs, as by SMS.
 */
export function refusedOn(config: VigilConfig, caller: ChatCaller, view: IncidentView): string | undefined {
  const denied = refusedWrite(caller);
  if (denied) return denied;
  if (caller.role === 'operations-manager') return undefined;
  const members = view.escalation.policyId ? policyContacts(config, view.escalation.policyId) : new Set<string>();
  if (mayCommand(view, caller.contactId, members) || holdsRole(view.roles, caller.contactId)) return undefined;
  return `${view.code} did not page you, its escalation policy does not name you and you hold no role on it`;
}

/**
 * The contact a role command names: a mention of a platform user (`<@U0123|alice>`, `<@U0123>`,
 * `@alice:example.org`, `@U0123`), or a contact id (`alice`, `@alice`); `none` or `nobody` is nobody.
 * @returns null for nobody, undefined for nobody Vigil knows.
 */
export function contactNamed(config: VigilConfig, platform: ChatPlatformId, target: string): string | null | undefined {
  if (/^(none|nobody)$/i.test(target)) return null;
  const slackMention = /^<@([A-Z0-9]{1,64})(?:\|[^>]{0,255})?>$/.exec(target);
  const candidates = slackMention ? [slackMention[1]] : [target, target.replace(/^@/, '')];
  for (const candidate of candidates) {
    const byChat = contactByChatId(config.contacts, platform, candidate);
    if (byChat) return byChat.contactId;
  }
  const contactId = target.replace(/^@/, '').toLowerCase();
  return !slackMention && Object.hasOwn(config.contacts, contactId) ? contactId : undefined;
}
