/**
 * An incident card as a Matrix `m.room.message` (#16): plain `body` for every client, escaped HTML
 * `formatted_body` for those that render it, and the incident's id in a field of Vigil's own, so a
 * reaction on the card names its incident without any lookup. Matrix messages have no buttons:
 * responders react (MATRIX_REACTIONS), type `!vigil ack`, or open the signed links.
 */
import { escapeHtml } from '../escapeHtml';
import type { ChatAction, ChatIncidentCard } from './platform';

/** The content field that carries the incident on Vigil's cards (namespaced, as the spec asks of custom keys). */
export const MATRIX_INCIDENT_FIELD = 'vigil.incident';

/**
 * The reactions that act on a card. Distinct shapes on purpose: ✔️ is not one, being too like ✅
 * for a resolve to be pressed by mistake. Variation selectors (U+FE0F) are ignored when matching.
 */
export const MATRIX_REACTIONS: Readonly<Record<ChatAction, string>> = { acknowledge: '✅', resolve: '🔒', escalate: '⬆️' };

/** The action a reaction key stands for, if any. */
export function actionOfReaction(key: string): ChatAction | undefined {
  const bare = key.replaceAll('\uFE0F', '');
  return (Object.keys(MATRIX_REACTIONS) as ChatAction[]).find((action) => MATRIX_REACTIONS[action].replaceAll('\uFE0F', '') === bare);
}

export interface MatrixCardContent {
  msgtype: 'm.text';
  body: string;
  format: 'org.matrix.custom.html';
  formatted_body: string;
  [MATRIX_INCIDENT_FIELD]: { id: string; code: string };
}

/** Only web links become links: a `javascript:` URL in config must not reach a responder's client. */
const isWebLink = (url: string | undefined): url is string => url !== undefined && /^https?:\/\//i.test(url);

const ACTION_LABELS: Record<ChatAction, string> = { acknowledge: 'Acknowledge', resolve: 'Resolve', escalate: 'Escalate' };

export function matrixCardContent(card: ChatIncidentCard): MatrixCardContent {
  const headline = `[${card.severity.toUpperCase()}] ${card.service}: ${card.summary}`;
  const paged = card.paged.length > 0 ? card.paged.join(', ') : 'nobody yet';
  const links = (Object.keys(ACTION_LABELS) as ChatAction[])
    .map((action) => [action, card.actionLinks?.[action]] as const)
    .filter((entry): entry is readonly [ChatAction, string] => isWebLink(entry[1]));
  const how = `React ${MATRIX_REACTIONS.acknowledge} to acknowledge, ${MATRIX_REACTIONS.resolve} to resolve, ${MATRIX_REACTIONS.escalate} to escalate, or type`;
  const command = `!vigil ack ${card.code}`;

  const text = [
    headline,
    `Status: ${card.status} · Incident ${card.code}`,
    `Paged: ${paged}`,
    ...(card.commander ? [`Commander: ${card.commander}`] : []),
    ...(isWebLink(card.incidentUrl) ? [`Open: ${card.incidentUrl}`] : []),
    ...links.map(([action, url]) => `${ACTION_LABELS[action]}: ${url}`),
    `${how} ${command}`,
  ];
  const linkHtml = [
    ...(isWebLink(card.incidentUrl) ? [`<a href="${escapeHtml(card.incidentUrl)}">Open in Vigil</a>`] : []),
    ...links.map(([action, url]) => `<a href="${escapeHtml(url)}">${ACTION_LABELS[action]}</a>`),
  ];
  const html = [
    `<p><strong>[${escapeHtml(card.severity.toUpperCase())}] ${escapeHtml(card.service)}</strong>: ${escapeHtml(card.summary)}</p>`,
    `<p>Status: <strong>${escapeHtml(card.status)}</strong> · Incident <code>${escapeHtml(card.code)}</code></p>`,
    `<p>Paged: ${escapeHtml(paged)}${card.commander ? `<br>Commander: ${escapeHtml(card.commander)}` : ''}</p>`,
    ...(linkHtml.length > 0 ? [`<p>${linkHtml.join(' · ')}</p>`] : []),
    `<p>${escapeHtml(how)} <code>${escapeHtml(command)}</code></p>`,
  ];
  return {
    msgtype: 'm.text',
    body: text.join('\n'),
    format: 'org.matrix.custom.html',
    formatted_body: html.join(''),
    [MATRIX_INCIDENT_FIELD]: { id: card.incidentId, code: card.code },
  };
}
