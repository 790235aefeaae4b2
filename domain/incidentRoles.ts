/**
 * Incident roles (#15.6): who leads the response, who talks to stakeholders, who keeps the
 * record, and who works on it. Not API-key roles (`domain/roles.ts`): these are per incident, held
 * by contacts from config, and change while it runs. Pure, so the rules are tested without Temporal.
 */

import { ownLookup } from './ownLookup';

/** The one-person roles; `responders` is a list. */
export const SINGLE_ROLES = ['commander', 'communicationsLead', 'scribe'] as const;
export type SingleRole = (typeof SINGLE_ROLES)[number];
export const INCIDENT_ROLES = [...SINGLE_ROLES, 'responders'] as const;
export type IncidentRole = (typeof INCIDENT_ROLES)[number];

/** How each role reads on the timeline, in SMS replies and on the dashboard. */
export const ROLE_TITLES: Record<IncidentRole, string> = {
  commander: 'commander',
  communicationsLead: 'communications lead',
  scribe: 'scribe',
  responders: 'responders',
};

/** At most this many responders on one incident: the list lives in workflow state. */
export const MAX_ROLE_RESPONDERS = 50;

/** A contact holding a role, as the incident shows it (no addresses). */
export interface RoleHolder {
  id: string;
  name: string;
}

/** Who holds which role on one incident; a role nobody holds is absent. */
export interface IncidentRoles {
  commander?: RoleHolder;
  communicationsLead?: RoleHolder;
  scribe?: RoleHolder;
  responders?: RoleHolder[];
}

/**
 * A change of roles: each role named is set (a single role to a person, or `null` for nobody;
 * responders to the whole new list), roles not named stay as they are.
 */
export type RoleChanges<Holder extends RoleHolder = RoleHolder> = Partial<Record<SingleRole, Holder | null>> & { responders?: Holder[] };

/** The role words an SMS may use, to the role they mean. */
const ROLE_WORDS: Record<string, IncidentRole> = {
  commander: 'commander',
  ic: 'commander',
  comms: 'communicationsLead',
  communications: 'communicationsLead',
  communicationslead: 'communicationsLead',
  scribe: 'scribe',
  responders: 'responders',
  responder: 'responders',
};

/** The role an SMS word names (case-insensitive), or undefined. */
export function roleOfWord(word: string): IncidentRole | undefined {
  const key = word.toLowerCase();
  return ownLookup(ROLE_WORDS, key);
}

function holderText(holder: RoleHolder | null | undefined): string {
  return holder ? holder.name : 'nobody';
}

/**
 * Applies `changes` to `roles`, returning the new roles and one line per role that changed
 * (`commander: Alice (was Bob)`), for the timeline. A role set to whom it already names is no change.
 */
export function applyRoleChanges(roles: IncidentRoles, changes: RoleChanges): { roles: IncidentRoles; lines: string[] } {
  const next: IncidentRoles = { ...roles };
  const lines: string[] = [];
  for (const role of SINGLE_ROLES) {
    if (!Object.hasOwn(changes, role) || changes[role] === undefined) continue;
    const before = roles[role];
    const after = changes[role];
    if ((before?.id ?? null) === (after?.id ?? null)) continue;
    if (after) next[role] = { id: after.id, name: after.name };
    else delete next[role];
    lines.push(`${ROLE_TITLES[role]}: ${holderText(after)}${before ? ` (was ${before.name})` : ''}`);
  }
  if (changes.responders !== undefined) {
    const seen = new Set<string>();
    const after = changes.responders.filter((holder) => !seen.has(holder.id) && seen.add(holder.id)).map((holder) => ({ id: holder.id, name: holder.name }));
    const before = roles.responders ?? [];
    if (after.map((holder) => holder.id).join(',') !== before.map((holder) => holder.id).join(',')) {
      if (after.length > 0) next.responders = after;
      else delete next.responders;
      lines.push(`responders: ${after.map((holder) => holder.name).join(', ') || 'nobody'}`);
    }
  }
  return { roles: next, lines };
}
