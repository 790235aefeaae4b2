/**
 * How a card's buttons name their action, where the platform carries a string id with a button
 * (Slack's `action_id`): written by the adapter, read back by the inbound route, so both sides
 * agree without the API loading worker code.
 */
import { CARD_BUTTONS, type CardButton } from './platform';

const PREFIX = 'vigil_';

export function actionIdOf(action: CardButton): string {
  return `${PREFIX}${action}`;
}

/** The action a button's id names; undefined for any other id (a link button, a forged id). */
export function actionOfId(id: string): CardButton | undefined {
  const action = id.startsWith(PREFIX) ? id.slice(PREFIX.length) : '';
  return (CARD_BUTTONS as readonly string[]).includes(action) ? (action as CardButton) : undefined;
}
