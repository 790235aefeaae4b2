import { INCIDENT_CODE_PATTERN } from './incidentId';
import { roleOfWord, type IncidentRole, type IncidentRoles } from './incidentRoles';

/** What a responder asked for in an SMS reply. */
export type SmsCommand =
  | { action: 'acknowledge' | 'resolve' | 'escalate'; code?: string }
  /** Set a role: contact ids (lower-case as in config); `[]` for a single role means nobody. */
  | { action: 'role'; code: string; role: IncidentRole; contacts: string[] }
  | { action: 'unknown'; text: string };

/** Contact ids as config writes them; `none` (or `nobody`) clears a role. */
const CONTACT_WORD = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * `ROLE <code> <role> <contact>...` (roles: commander or ic, comms, scribe, responders) and the
 * short `COMMANDER <code> <contact>` (also `IC`). `none` leaves a single role to nobody;
 * responders takes a list (replacing it). Undefined when the text is no role command.
 */
function parseRoleCommand(words: string[]): SmsCommand | undefined {
  const [verb, ...rest] = words;
  if (!verb) return undefined;
  const upper = verb.toUpperCase();
  let code: string | undefined;
  let roleWord: string | undefined;
  let names: string[];
  if (upper === 'ROLE') [code, roleWord, ...names] = rest;
  else if (upper === 'COMMANDER' || upper === 'IC') [roleWord, code, ...names] = [upper, ...rest];
  else return undefined;
  const role = roleWord ? roleOfWord(roleWord) : undefined;
  if (!code || !INCIDENT_CODE_PATTERN.test(code.toUpperCase()) || !role || names.length === 0) return undefined;
  const contacts = names.map((name) => name.toLowerCase());
  const clears = contacts.length === 1 && (contacts[0] === 'none' || contacts[0] === 'nobody');
  if (clears) return { action: 'role', code: code.toUpperCase(), role, contacts: [] };
  if (!contacts.every((contact) => CONTACT_WORD.test(contact))) return undefined;
  if (role !== 'responders' && contacts.length !== 1) return undefined;
  return { action: 'role', code: code.toUpperCase(), role, contacts };
}

/**
 * Parses `ACK`, `ACK <code>`, `RESOLVE <code>` (also `RES`), `ESC <code>` (also `ESCALATE`), the role commands above,
 * case-insensitive, ignoring surrounding punctuation phones like to add. A bare `RESOLVE` or `ESC`
 * is refused: closing or escalating an incident must name it.
 */
export function parseSmsCommand(body: string): SmsCommand {
  const roleCommand = parseRoleCommand(body.trim().replace(/[.!]+$/, '').split(/[\s,]+/).filter(Boolean));
  if (roleCommand) return roleCommand;
  const words = body.trim().toUpperCase().replace(/[.!]+$/, '').split(/\s+/).filter(Boolean);
  const [verb, code, ...rest] = words;
  if (rest.length > 0 || !verb) return { action: 'unknown', text: body.trim() };
  if (code !== undefined && !INCIDENT_CODE_PATTERN.test(code)) return { action: 'unknown', text: body.trim() };
  if (verb === 'ACK' || verb === 'ACKNOWLEDGE') return { action: 'acknowledge', code };
  if ((verb === 'RESOLVE' || verb === 'RES') && code) return { action: 'resolve', code };
  if ((verb === 'ESC' || verb === 'ESCALATE') && code) return { action: 'escalate', code };
  return { action: 'unknown', text: body.trim() };
}

/** The part of an incident the SMS rules read. */
export interface SmsIncidentFacts {
  status: 'triggered' | 'acknowledged' | 'resolved';
  paged: ReadonlyArray<{ responderId: string; at: string }>;
}

/** Whether the incident paged this contact before `receivedAtMs` (a bare ACK means only such incidents). */
export function pagedBefore(incident: SmsIncidentFacts, contactId: string, receivedAtMs: number): boolean {
  return incident.paged.some((page) => page.responderId === contactId && Date.parse(page.at) <= receivedAtMs);
}

/**
 * Whether this contact may act on the incident by SMS: it paged them, or they are on its
 * escalation policy (`policyMembers`, from config). A configured phone number alone is not enough.
 */
export function mayCommand(incident: SmsIncidentFacts, contactId: string, policyMembers: ReadonlySet<string>): boolean {
  return policyMembers.has(contactId) || incident.paged.some((page) => page.responderId === contactId);
}

/** Whether the contact holds any role on the incident (a declared, unpaged incident's commander may command by SMS). */
export function holdsRole(roles: IncidentRoles | undefined, contactId: string): boolean {
  if (!roles) return false;
  return [roles.commander, roles.communicationsLead, roles.scribe, ...(roles.responders ?? [])].some((holder) => holder?.id === contactId);
}

/** The incidents a bare ACK may mean: open, still waiting for someone, and paged to the sender before the reply came. */
export function waitingForBareAck<T extends SmsIncidentFacts>(incidents: readonly T[], contactId: string, receivedAtMs: number): T[] {
  return incidents.filter((incident) => incident.status === 'triggered' && pagedBefore(incident, contactId, receivedAtMs));
}
