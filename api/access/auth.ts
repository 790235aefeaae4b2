import type { Request } from 'express';
import { mayAccess, mayActAs, type Access, type ApiKeyHolder, type Role } from '../../domain/roles';
import { HttpError } from '../http/httpErrors';
import { sameSecret } from '../http/sameSecret';

/** API key → who it acts as and in which role (built from config by `resolveApiKeys`). */
export type ApiKeys = ReadonlyMap<string, ApiKeyHolder>;

/**
 * Who an `Authorization: Bearer <key>` header acts as.
 * @throws HttpError 401 when the header is missing or the key unknown.
 */
export function requireApiKey(req: Request, apiKeys: ApiKeys): ApiKeyHolder {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const challenge = { 'www-authenticate': 'Bearer' };
  if (!match) throw new HttpError(401, 'an API key is required', [{ field: 'authorization', message: 'expected "Bearer <API key>"' }], {}, challenge);
  // Every key is compared, so the time taken does not tell which one came close.
  let found: ApiKeyHolder | undefined;
  for (const [key, holder] of apiKeys) if (sameSecret(key, match[1])) found = holder;
  if (found) return found;
  throw new HttpError(401, 'unknown API key', [{ field: 'authorization', message: 'not a configured API key' }], {}, challenge);
}

/** The user of a valid API key, whatever its role. @throws HttpError 401 */
export function requireApiUser(req: Request, apiKeys: ApiKeys): string {
  return requireApiKey(req, apiKeys).user;
}

const ACCESS_WORDS: Record<Access, string> = { read: 'read incident data', 'send-alerts': 'send alerts' };

/**
 * The holder of a valid API key whose role has `access` (reading, or sending alerts).
 * @throws HttpError 401 without a valid key, 403 naming what the role may not do.
 */
export function requireAccess(req: Request, apiKeys: ApiKeys, access: Access): ApiKeyHolder {
  const holder = requireApiKey(req, apiKeys);
  if (mayAccess(holder.role, access)) return holder;
  throw new HttpError(403, `a key of the ${holder.role} role may not ${ACCESS_WORDS[access]}`, [{ field: 'authorization', message: `${access} not allowed for role ${holder.role}` }], {
    role: holder.role,
  });
}

/**
 * The user of a valid API key whose role may make a write that belongs to `role` (an
 * operations manager may make every write).
 * @throws HttpError 401 without a valid key, 403 naming the role needed when its role may not.
 */
export function requireRole(req: Request, apiKeys: ApiKeys, role: Role): string {
  const holder = requireApiKey(req, apiKeys);
  if (mayActAs(holder.role, role)) return holder.user;
  const needed = role === 'operations-manager' ? 'operations-manager' : `${role} (or operations-manager)`;
  throw new HttpError(403, `this needs the ${needed} role; the key of ${holder.user} has the ${holder.role} role`, [{ field: 'authorization', message: `role ${role} needed` }], {
    requiredRole: role,
    role: holder.role,
  });
}
