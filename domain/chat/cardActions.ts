import type { ChatAction } from './platform';
import type { IncidentStatus } from '../incident';

/** The buttons a card still shows: Acknowledge while triggered, Resolve and Escalate until resolved. */
export function actionsLeft(status: IncidentStatus): ChatAction[] {
  if (status === 'resolved') return [];
  return status === 'triggered' ? ['acknowledge', 'resolve', 'escalate'] : ['resolve', 'escalate'];
}
