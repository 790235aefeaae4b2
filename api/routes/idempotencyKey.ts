import type { Request } from 'express';
import { HttpError } from '../http/httpErrors';

const MAX_KEY_LENGTH = 255;

/**
 * The request's `Idempotency-Key` header (IETF httpapi draft: a quoted string; a bare token is
 * taken too), or undefined when it has none. A retry sending the same key and body makes the same
 * alert ids, so it counts once (`api/intake/alertIdentity.ts`).
 * @throws HttpError 400 naming the header when it is empty, too long or not printable ASCII.
 */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.get('idempotency-key');
  if (raw === undefined) return undefined;
  let key = raw.trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
  let printable = true;
  for (let index = 0; index < key.length; index++) {
    const code = key.charCodeAt(index);
    if (code < 0x20 || code > 0x7e) printable = false;
  }
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !printable) {
    throw new HttpError(400, 'invalid Idempotency-Key header', [{ field: 'headers.idempotency-key', message: `1 to ${MAX_KEY_LENGTH} printable ASCII characters` }]);
  }
  return key;
}
