/**
 * How a chat adapter says a call cannot succeed by being tried again, so Temporal stops retrying
 * and the incident's chat side can tell "cannot" from "not now":
 * - `ChatUnsupported`: the platform cannot do this at all (Teams through a Workflows webhook cannot
 *   open a channel or send a direct message); the core skips that part of the chat side.
 * - `ChatRefused`: the platform answered with a permanent refusal (a revoked token, a channel
 *   that does not exist, a missing scope); an operator must fix configuration.
 * Anything else (a timeout, a 5xx, a rate limit) stays an ordinary, retryable error.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ChatPlatformId } from '../../domain/chat/platform';

export const CHAT_UNSUPPORTED = 'ChatUnsupported';
export const CHAT_REFUSED = 'ChatRefused';

export function chatUnsupported(platform: ChatPlatformId, operation: string, reason: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${platform} cannot ${operation}: ${reason}`, CHAT_UNSUPPORTED, { platform, operation });
}

export function chatRefused(platform: ChatPlatformId, operation: string, error: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${platform} refused to ${operation}: ${error}`, CHAT_REFUSED, { platform, operation, error });
}

/** Whether an error (thrown here, or the cause of an activity failure in a workflow) is one of the two above. */
export function isPermanentChatFailure(error: unknown): boolean {
  const type = (error as { type?: unknown } | undefined)?.type;
  return type === CHAT_UNSUPPORTED || type === CHAT_REFUSED;
}
