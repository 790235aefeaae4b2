/**
 * One-click action links in pages (the email's acknowledge link, ntfy's Acknowledge and Resolve
 * buttons, a Teams card's Acknowledge, Resolve and Escalate): a token naming the incident, the person paged and the action, with an expiry, signed
 * with HMAC-SHA256 under `VIGIL_LINK_SECRET` (shared by workers, which sign, and the API, which
 * verifies). Single use is the API's job (it records used link ids).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a link does. Links made before actions existed carry none: they acknowledge. Escalate is
 * for cards whose buttons can only open a link (Teams through a Workflows webhook).
 */
export const LINK_ACTIONS = ['acknowledge', 'resolve', 'escalate'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

export interface AckLinkClaims {
  /** Unique per link (derived from the page's idempotency key), for single use. */
  id: string;
  incidentId: string;
  responderId: string;
  responderName: string;
  /** Epoch ms after which the link is refused. */
  expiresAt: number;
  /** Absent: acknowledge (every link signed before resolve links existed). */
  action?: LinkAction;
  /** The channel whose page carried the link (`ntfy`), for the timeline; absent: email. */
  channel?: string;
}

/** The action a verified link performs. */
export function linkAction(claims: AckLinkClaims): LinkAction {
  return claims.action ?? 'acknowledge';
}

export type AckLinkCheck = { ok: true; claims: AckLinkClaims } | { ok: false; reason: 'malformed' | 'bad signature' | 'expired' };

const mac = (payload: string, secret: string) => createHmac('sha256', secret).update(payload).digest();

export function signAckLink(claims: AckLinkClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(payload, secret).toString('base64url')}`;
}

export function verifyAckLink(token: string, secret: string, now: Date): AckLinkCheck {
  const match = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const expected = mac(match[1], secret);
  const given = Buffer.from(match[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  let claims: AckLinkClaims;
  try {
    claims = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')) as AckLinkClaims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const fields = [claims?.id, claims?.incidentId, claims?.responderId, claims?.responderName];
  if (fields.some((field) => typeof field !== 'string') || typeof claims.expiresAt !== 'number') return { ok: false, reason: 'malformed' };
  if (claims.action !== undefined && !(LINK_ACTIONS as readonly unknown[]).includes(claims.action)) return { ok: false, reason: 'malformed' };
  if (claims.channel !== undefined && (typeof claims.channel !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(claims.channel))) return { ok: false, reason: 'malformed' };
  if (now.getTime() > claims.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
