/**
 * How a card's buttons name their action, where the platform carries a string id with a button
 * (Slack's `action_id`): written by the adapter, read back by the inbound route, so both sides
 * agree without the API loading worker code.
 */
import { CHAT_ACTIONS, type ChatAction } from './platform';

const PREFIX = 'vigil_';

export function actionIdOf(action: ChatAction): string {
  return `${PREFIX}${action}`;
}

/** The action a button's id names; undefined for any other id (a link button, a forged id). */
export function actionOfId(id: string): ChatAction | undefined {
  const action = id.startsWith(PREFIX) ? id.slice(PREFIX.length) : '';
  return (CHAT_ACTIONS as readonly string[]).includes(action) ? (action as ChatAction) : undefined;
}
