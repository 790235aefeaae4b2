/**
 * The incident card as an Adaptive Card (1.4, what Teams renders on desktop, web and mobile),
 * wrapped in the message envelope a Teams Workflows "post to a channel when a webhook request is
 * received" flow takes. Its buttons are `Action.OpenUrl` to Vigil's signed single-use action links
 * (`card.actionLinks`): a webhook card cannot call back into Vigil, and a link needs no bot.
 */
import { actionsLeft } from '../../domain/chat/cardActions';
import type { ChatIncidentCard } from '../../domain/chat/platform';

const SEVERITY_COLOUR: Record<ChatIncidentCard['severity'], string> = { critical: 'Attention', error: 'Warning', warning: 'Warning', info: 'Accent' };
const STATUS_WORD: Record<ChatIncidentCard['status'], string> = { triggered: 'Triggered', acknowledged: 'Acknowledged', resolved: 'Resolved' };
const LABEL = { acknowledge: 'Acknowledge', resolve: 'Resolve', escalate: 'Escalate' } as const;

/**
 * Alert text as Teams shows it: its Markdown subset still applies, so a link written as
 * `[text](url)` is broken up (a summary must not dress a URL as something else).
 */
export function plainTeamsText(text: string): string {
  return text.replace(/\]\(/g, '] (');
}

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: Array<Record<string, unknown>>;
  actions: Array<{ type: 'Action.OpenUrl'; title: string; url: string }>;
  msteams?: Record<string, unknown>;
}

export function teamsAdaptiveCard(card: ChatIncidentCard): AdaptiveCard {
  const facts = [
    { title: 'Status', value: STATUS_WORD[card.status] },
    { title: 'Code', value: card.code },
    { title: 'Paged', value: card.paged.length > 0 ? plainTeamsText(card.paged.join(', ')) : 'nobody yet' },
    ...(card.commander ? [{ title: 'Commander', value: plainTeamsText(card.commander) }] : []),
  ];
  const links = actionsLeft(card.status).flatMap((action) => {
    const url = card.actionLinks?.[action];
    return url ? [{ type: 'Action.OpenUrl' as const, title: LABEL[action], url }] : [];
  });
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body: [
      { type: 'TextBlock', text: `${card.severity.toUpperCase()} · ${plainTeamsText(card.service)}`, weight: 'Bolder', size: 'Medium', color: SEVERITY_COLOUR[card.severity], wrap: true },
      { type: 'TextBlock', text: plainTeamsText(card.summary.length > 3000 ? `${card.summary.slice(0, 2999)}…` : card.summary), wrap: true },
      { type: 'FactSet', facts },
    ],
    actions: [...links, { type: 'Action.OpenUrl', title: 'Open in Vigil', url: card.incidentUrl }],
    msteams: { width: 'Full' },
  };
}

/** A line of the timeline as a card of one text block (a Workflows webhook posts cards only). */
export function teamsTextCard(text: string): AdaptiveCard {
  return { type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: '1.4', body: [{ type: 'TextBlock', text: plainTeamsText(text), wrap: true }], actions: [] };
}

/** The body a Workflows webhook takes: a message with the card as its one attachment. */
export function teamsMessage(card: AdaptiveCard) {
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}
