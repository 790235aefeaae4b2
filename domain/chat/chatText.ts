/**
 * The words of the chat side: the room's topic, each timeline line mirrored into the room, and
 * the card's facts as events change them. Pure; every platform renders them its own way.
 */
import type { CardFacts, ChatEvent } from './chatEvents';

const STATUS_WORDS = { triggered: 'TRIGGERED', acknowledged: 'ACKNOWLEDGED', resolved: 'RESOLVED' } as const;

/** One line: time, what happened, who. Free text comes last so a long one cannot hide the rest. */
export function timelineLine(event: ChatEvent): string | undefined {
  const time = event.at.slice(11, 16);
  const actor = event.details.actor ? ` by ${event.details.actor}` : '';
  switch (event.type) {
    case 'incident.opened':
      return `${time} Opened: ${event.incident.severity} on ${event.incident.service}: ${event.incident.summary}`;
    case 'incident.paged': {
      const page = event.details.page;
      return page ? `${time} Paged ${page.responderName} by ${page.channel} (level ${page.level}): ${page.outcome}` : undefined;
    }
    case 'incident.escalated': {
      const escalation = event.details.escalation;
      if (escalation?.byHand) return `${time} Escalated${actor}`;
      return escalation ? `${time} Escalated to level ${escalation.level}${escalation.cycle ? ` (repeat ${escalation.cycle})` : ''}` : `${time} Escalated`;
    }
    case 'incident.acknowledged':
      return `${time} Acknowledged${actor}`;
    case 'incident.resolved':
      return `${time} Resolved${actor}${event.details.resolution?.note ? `: ${event.details.resolution.note}` : ''}`;
    case 'incident.update_posted': {
      const update = event.details.update;
      return update ? `${time} Status update${actor}${update.eta ? ` (ETA ${update.eta})` : ''}: ${update.text}` : undefined;
    }
    case 'incident.runbook_step': {
      const step = event.details.runbook;
      return step ? `${time} Runbook ${step.step} ${step.ok ? 'succeeded' : 'failed'}: ${step.summary}` : undefined;
    }
    case 'incident.roles_changed':
      return `${time} Commander: ${event.commander?.name ?? 'nobody'}`;
    case 'incident.review_ready':
      return `${time} The post-incident review is ready to fill in`;
  }
}

/** The room's topic: the status first, as people scan a channel list. */
export function topicOf(card: CardFacts): string {
  const commander = card.commander ? ` · commander ${card.commander}` : '';
  return `[${STATUS_WORDS[card.status]}] ${card.severity} · ${card.service} · ${card.code}${commander} · ${card.summary}`.slice(0, 250);
}

/** The card after `event`: status and summary from the incident, the paged list grown, the commander as it is. */
export function cardAfter(card: CardFacts | undefined, event: ChatEvent): CardFacts {
  const paged = [...(card?.paged ?? [])];
  const name = event.details.page?.responderName;
  if (event.type === 'incident.paged' && name && !paged.includes(name)) paged.push(name);
  const { id, key, service, severity, status, summary } = event.incident;
  return { incidentId: id, code: key, service, severity, status, summary, paged, ...(event.commander ? { commander: event.commander.name } : {}) };
}

/** `/vigil status`: the incident in a few lines. */
export function statusText(view: {
  code: string;
  service: string;
  severity: string;
  status: keyof typeof STATUS_WORDS;
  summary: string;
  acknowledgedBy?: string;
  paged: ReadonlyArray<{ name: string }>;
  roles?: { commander?: { name: string } };
  updates?: ReadonlyArray<{ text: string; by: string }>;
}): string {
  const paged = [...new Set(view.paged.map((page) => page.name))];
  const lastUpdate = view.updates?.at(-1);
  return [
    `${view.code} [${STATUS_WORDS[view.status]}] ${view.severity} on ${view.service}: ${view.summary}`,
    `Paged: ${paged.length ? paged.join(', ') : 'nobody yet'}${view.acknowledgedBy ? ` · acknowledged by ${view.acknowledgedBy}` : ''}`,
    `Commander: ${view.roles?.commander?.name ?? 'nobody'}`,
    ...(lastUpdate ? [`Last update (${lastUpdate.by}): ${lastUpdate.text}`] : []),
  ].join('\n');
}
