/**
 * A card button's proof that Vigil made it, for platforms that do not sign the requests their
 * buttons send (Mattermost's interactive message actions): the worker puts an HMAC-SHA256 of the
 * action and the incident id, under a per-deployment secret, in the button's context; the API
 * recomputes it. Mattermost keeps a button's context on the server (it is stripped from posts
 * sent to clients), so only a request relayed by the Mattermost server carries a valid one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CardButton } from '../domain/chat/platform';

export function signChatAction(secret: string, action: CardButton, incidentId: string): string {
  return createHmac('sha256', secret).update(`vigil-chat-action\n${action}\n${incidentId}`).digest('base64url');
}

/** Whether `signature` is the one `signChatAction` makes for this action and incident, compared in constant time. */
export function chatActionSignatureIsValid(secret: string, action: CardButton, incidentId: string, signature: string): boolean {
  const expected = Buffer.from(signChatAction(secret, action, incidentId));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
