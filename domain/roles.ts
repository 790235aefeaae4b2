/**
 * The seed process's three roles. Each API key acts in one; reads are open to all, writes belong
 * to a role. The operations manager may do every write (they stand in for anyone).
 */
export const ROLES = ['responder', 'problem-manager', 'operations-manager'] as const;
export type Role = (typeof ROLES)[number];

/** A key configured without a role is a responder: configs written before roles keep working. */
export const DEFAULT_ROLE: Role = 'responder';

/** What each role's writes are, in words for error messages and docs. */
export const ROLE_DUTIES: Record<Role, string> = {
  responder: 'acknowledge, resolve, escalate and reassign incidents, post status updates, fill post-incident reviews',
  'problem-manager': 'open, analyse and close problems',
  'operations-manager': 'every write of the other roles, plus maintenance windows',
};

/** Whether a key of role `held` may do a write that belongs to role `needed`. */
export function mayActAs(held: Role, needed: Role): boolean {
  return held === needed || held === 'operations-manager';
}

/** Who an API key acts as, and in which role. */
export interface ApiKeyHolder {
  user: string;
  role: Role;
}
