/**
 * The incident card as a Mattermost message attachment: severity colour, service and summary,
 * status, who is paged, and interactive buttons for the actions left. Mattermost relays a button
 * press to `integration.url` with the clicker's user id and the button's `context`; it does not
 * sign the request, so the context carries an HMAC of action and incident id under
 * `MATTERMOST_ACTION_SECRET` (`platform/chatActionSignature.ts`). Mattermost keeps a button's
 * context on the server, never sending it to clients, so only the server can present it.
 */
import { cardButtons } from '../../domain/chat/cardActions';
import type { ChatIncidentCard } from '../../domain/chat/platform';
import { signChatAction } from '../../platform/chatActionSignature';


/** What the inbound route reads from a button's context. */
export interface MattermostActionContext {
  action: string;
  incident_id: string;
  signature: string;
}

const COLOUR: Record<ChatIncidentCard['severity'], string> = { critical: '#d0021b', error: '#f5a623', warning: '#f8e71c', info: '#4a90e2' };
const STATUS_WORD: Record<ChatIncidentCard['status'], string> = { triggered: 'Triggered', acknowledged: 'Acknowledged', resolved: 'Resolved' };
const LABEL = { acknowledge: 'Acknowledge', resolve: 'Resolve', escalate: 'Escalate', room: 'Open incident channel' } as const;
const STYLE = { acknowledge: 'primary', resolve: 'success', escalate: 'danger', room: 'default' } as const;

/**
 * Text Mattermost shows as typed: Markdown's punctuation escaped, and `@` kept from mentioning
 * (an alert summary saying `@channel` or `@all` must not notify everyone).
 */
export function escapeMattermostText(text: string): string {
  return text.replace(/[\\`*_~[\]()#>|<!-]/g, '\\$&').replace(/@/g, '@\u2060');
}

export interface MattermostCardSettings {
  /** Vigil's route Mattermost relays button presses to (`…/v1/webhooks/mattermost/actions`). */
  actionUrl: string;
  actionSecret: string;
}

export function mattermostCardAttachment(card: ChatIncidentCard, settings: MattermostCardSettings) {
  const summary = card.summary.length > 3000 ? `${card.summary.slice(0, 2999)}…` : card.summary;
  return {
    fallback: `[${card.severity.toUpperCase()}] ${card.service}: ${summary} (${card.code}, ${card.status})`,
    color: COLOUR[card.severity],
    title: `${card.severity.toUpperCase()} · ${card.service}`.slice(0, 250),
    title_link: card.incidentUrl,
    text: escapeMattermostText(summary),
    fields: [
      { short: true, title: 'Status', value: STATUS_WORD[card.status] },
      { short: true, title: 'Code', value: `\`${card.code}\`` },
      { short: false, title: 'Paged', value: card.paged.length > 0 ? escapeMattermostText(card.paged.join(', ')) : 'nobody yet' },
      ...(card.commander ? [{ short: true, title: 'Commander', value: escapeMattermostText(card.commander) }] : []),
    ],
    // Mattermost takes only letters and digits in an action id.
    actions: cardButtons(card).map((action) => ({
      id: action,
      name: LABEL[action],
      type: 'button',
      style: STYLE[action],
      integration: {
        url: settings.actionUrl,
        context: { action, incident_id: card.incidentId, signature: signChatAction(settings.actionSecret, action, card.incidentId) } satisfies MattermostActionContext,
      },
    })),
  };
}
