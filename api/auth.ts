import type { Request } from 'express';
import { HttpError } from './httpErrors';
import { sameSecret } from './sameSecret';


/**
 * The user an `Authorization: Bearer <key>` header acts as.
 * @throws HttpError 401 when the header is missing or the key unknown.
 */
export function requireApiUser(req: Request, apiKeys: Map<string, string>): string {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const challenge = { 'www-authenticate': 'Bearer' };
  if (!match) throw new HttpError(401, 'an API key is required', [{ field: 'authorization', message: 'expected "Bearer <API key>"' }], {}, challenge);
  for (const [key, user] of apiKeys) if (sameSecret(key, match[1])) return user;
  throw new HttpError(401, 'unknown API key', [{ field: 'authorization', message: 'not a configured API key' }], {}, challenge);
}
