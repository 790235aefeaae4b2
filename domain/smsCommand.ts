import { INCIDENT_CODE_PATTERN } from './incidentId';

/** What a responder asked for in an SMS reply. */
export type SmsCommand =
  | { action: 'acknowledge' | 'resolve' | 'escalate'; code?: string }
  | { action: 'unknown'; text: string };

/**
 * Parses `ACK`, `ACK <code>`, `RESOLVE <code>` (also `RES`), `ESC <code>` (also `ESCALATE`),
 * case-insensitive, ignoring surrounding punctuation phones like to add. A bare `RESOLVE` or `ESC`
 * is refused: closing or escalating an incident must name it.
 */
export function parseSmsCommand(body: string): SmsCommand {
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

/** The incidents a bare ACK may mean: open, still waiting for someone, and paged to the sender before the reply came. */
export function waitingForBareAck<T extends SmsIncidentFacts>(incidents: readonly T[], contactId: string, receivedAtMs: number): T[] {
  return incidents.filter((incident) => incident.status === 'triggered' && pagedBefore(incident, contactId, receivedAtMs));
}
