import type { CardButton, ChatAction } from './platform';
import type { IncidentStatus } from '../incident';

/** The buttons a card still shows: Acknowledge while triggered, Resolve and Escalate until resolved. */
export function actionsLeft(status: IncidentStatus): ChatAction[] {
  if (status === 'resolved') return [];
  return status === 'triggered' ? ['acknowledge', 'resolve', 'escalate'] : ['resolve', 'escalate'];
}

/** Every button an interactive card shows: the actions left, and "open the room" while it is offered and the incident open. */
export function cardButtons(card: { status: IncidentStatus; offerRoom?: boolean }): CardButton[] {
  return [...actionsLeft(card.status), ...(card.offerRoom && card.status !== 'resolved' ? (['room'] as const) : [])];
}
