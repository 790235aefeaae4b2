/**
 * The incident card as Slack Block Kit: severity, service and summary, status, who is paged, and
 * the buttons left to press (Acknowledge while triggered, Resolve and Escalate until resolved).
 * Every button carries its action in `action_id` and the incident's id in `value`; the inbound
 * route reads them back from Slack's signed request. Text from alerts is escaped, so a summary
 * like `<!channel>` cannot ping a whole channel.
 */
import type { Button, KnownBlock } from '@slack/web-api';
import { actionIdOf } from '../../domain/chat/actionIds';
import { cardButtons } from '../../domain/chat/cardActions';
import type { CardButton, ChatIncidentCard } from '../../domain/chat/platform';

/** Slack's control characters, as its docs say to escape them in any text it formats. */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to Slack's per-field limits (a section's text is at most 3,000 characters). */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const SEVERITY_MARK: Record<ChatIncidentCard['severity'], string> = {
  critical: ':red_circle:',
  error: ':large_orange_circle:',
  warning: ':large_yellow_circle:',
  info: ':large_blue_circle:',
};

const STATUS_WORD: Record<ChatIncidentCard['status'], string> = { triggered: 'Triggered', acknowledged: 'Acknowledged', resolved: 'Resolved' };

const BUTTONS: Record<CardButton, { label: string; style?: 'primary' | 'danger' }> = {
  acknowledge: { label: 'Acknowledge', style: 'primary' },
  resolve: { label: 'Resolve' },
  escalate: { label: 'Escalate', style: 'danger' },
  room: { label: 'Open incident channel' },
};

/** The notification's text (and what screen readers and old clients show). */
export function slackFallbackText(card: ChatIncidentCard): string {
  return clip(escapeSlackText(`[${card.severity.toUpperCase()}] ${card.service}: ${card.summary} (${card.code}, ${card.status})`), 3000);
}

export function slackCardBlocks(card: ChatIncidentCard): KnownBlock[] {
  const facts = [
    `*Status:* ${STATUS_WORD[card.status]}`,
    `*Code:* \`${card.code}\``,
    `*Paged:* ${card.paged.length > 0 ? escapeSlackText(card.paged.join(', ')) : 'nobody yet'}`,
    ...(card.commander ? [`*Commander:* ${escapeSlackText(card.commander)}`] : []),
  ];
  const buttons: Button[] = cardButtons(card).map((action) => ({
    type: 'button',
    action_id: actionIdOf(action),
    text: { type: 'plain_text', text: BUTTONS[action].label },
    value: card.incidentId,
    ...(BUTTONS[action].style ? { style: BUTTONS[action].style } : {}),
  }));
  // A link button still sends an interaction (Slack acknowledges every click); the route ignores it.
  buttons.push({ type: 'button', action_id: 'vigil_open', text: { type: 'plain_text', text: 'Open in Vigil' }, url: clip(card.incidentUrl, 3000) });
  return [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`${SEVERITY_MARK[card.severity]} *${card.severity.toUpperCase()}* · *${escapeSlackText(card.service)}*\n${escapeSlackText(card.summary)}`, 3000) },
    },
    { type: 'context', elements: facts.map((text) => ({ type: 'mrkdwn', text: clip(text, 2000) })) },
    { type: 'actions', block_id: 'vigil_incident', elements: buttons },
  ];
}
