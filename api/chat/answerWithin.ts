/**
 * Chat platforms want an answer quickly (Slack within 3 seconds, then it shows the user an error),
 * but acting on an incident goes through Temporal and may take longer. The route waits up to a
 * deadline: an answer ready by then goes in the HTTP response; a later one is sent after, the
 * platform's way (Slack's and Mattermost's `response_url`). A failure becomes a polite answer and
 * a log line, never an unhandled rejection.
 */
import type { Logger } from 'pino';
import type { ChatInbound } from '../../domain/chat/platform';

/** What the shared handler (`api/chat/`) answers the person in chat; the platform route delivers it. */
export type ChatInboundHandler = (inbound: ChatInbound) => Promise<{ text: string }>;

/** Well inside Slack's 3 seconds, leaving room for the network both ways. */
export const DEFAULT_ANSWER_WITHIN_MS = 2_000;

export const COULD_NOT_ACT = 'Vigil could not act on that just now; please try again in a moment.';

export interface PendingAnswer {
  /** The answer, when it was ready before the deadline. */
  early: { text: string } | undefined;
  /** The answer whenever it is ready (the same as `early` when that came); never rejects. */
  settled: Promise<{ text: string }>;
}

export async function answerWithin(handle: ChatInboundHandler, inbound: ChatInbound, withinMs: number, logger: Logger): Promise<PendingAnswer> {
  const settled = handle(inbound).catch((error: unknown) => {
    logger.error({ err: error, platform: inbound.platform, requestId: inbound.requestId }, 'a chat request could not be handled');
    return { text: COULD_NOT_ACT };
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), withinMs);
  });
  const early = await Promise.race([settled, deadline]);
  clearTimeout(timer);
  return { early, settled };
}

/**
 * Sends a late answer to the `response_url` a platform gave with the request (Slack, Mattermost),
 * only when it points where that platform's URLs do: a request could name any URL, and the API
 * must not post to one it was handed.
 */
export async function answerOnResponseUrl(responseUrl: string | undefined, allowedPrefix: string, body: Record<string, unknown>): Promise<void> {
  if (!responseUrl?.startsWith(allowedPrefix)) throw new Error(`no response_url under ${allowedPrefix} to answer on`);
  const response = await fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`the response_url answered ${response.status}`);
}

