/**
 * Who an API key is. The seed process's three roles make writes; two narrower roles exist for
 * machines and onlookers: a `sender` may only send alerts, a `viewer` may only read. The
 * operations manager may do everything (they stand in for anyone).
 */
export const ROLES = ['responder', 'problem-manager', 'operations-manager', 'sender', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** A key configured without a role is a responder: configs written before roles keep working. */
export const DEFAULT_ROLE: Role = 'responder';

/** What each role's writes are, in words for error messages and docs (every role but `sender` also reads). */
export const ROLE_DUTIES: Record<Role, string> = {
  responder: 'acknowledge, resolve, escalate and reassign incidents, post status updates, fill post-incident reviews',
  'problem-manager': 'open, analyse and close problems',
  'operations-manager': 'every write of the other roles, plus maintenance windows',
  sender: 'send alerts (POST /v1/alerts), and nothing else: not even read',
  viewer: 'read incidents, events, problems, reviews, KPIs and policies; no writes',
};

/**
 * Access that is not a role's own writes: reading incident data, and sending alerts. Every role
 * but `sender` reads; every role but `viewer` sends.
 */
export type Access = 'read' | 'send-alerts';

/** Whether a key of role `held` may do a write that belongs to role `needed`. */
export function mayActAs(held: Role, needed: Role): boolean {
  return held === needed || held === 'operations-manager';
}

/** Whether a key of role `held` has `access`. */
export function mayAccess(held: Role, access: Access): boolean {
  return access === 'read' ? held !== 'sender' : held !== 'viewer';
}

/** Who an API key acts as, and in which role. */
export interface ApiKeyHolder {
  user: string;
  role: Role;
}
