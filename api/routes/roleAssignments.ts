/**
 * Contact ids to the people the incident workflow holds in its roles. Resolved in the API against
 * the current config, as a reassignment is, so the workflow gets addresses (for the commander's
 * reminders) and never reads config itself. Shared by the roles route and the SMS command.
 */
import { responderOf, type VigilConfig } from '../../domain/config';
import type { Responder } from '../../domain/escalation';
import { SINGLE_ROLES, type RoleChanges } from '../../domain/incidentRoles';
import { HttpError } from '../http/httpErrors';

/** Role changes by contact id: a single role to an id or `null`, responders to a list of ids. */
export type RoleIds = Partial<Record<(typeof SINGLE_ROLES)[number], string | null>> & { responders?: string[] };

function unknownContact(field: string, id: string): HttpError {
  return new HttpError(400, `no contact ${id}`, [{ field, message: `no contact "${id}" in config` }]);
}

/** @throws HttpError 400 naming the field (`body.commander`, `body.responders[1]`) of a contact config does not know. */
export function roleChangesOf(config: VigilConfig, ids: RoleIds, where = 'body'): RoleChanges<Responder> {
  const known = (id: string) => Object.hasOwn(config.contacts, id);
  const changes: RoleChanges<Responder> = {};
  for (const role of SINGLE_ROLES) {
    const id = ids[role];
    if (id === undefined) continue;
    if (id !== null && !known(id)) throw unknownContact(`${where}.${role}`, id);
    changes[role] = id === null ? null : responderOf(config, id);
  }
  if (ids.responders !== undefined) {
    changes.responders = ids.responders.map((id, index) => {
      if (!known(id)) throw unknownContact(`${where}.responders[${index}]`, id);
      return responderOf(config, id);
    });
  }
  return changes;
}
