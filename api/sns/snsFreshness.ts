/**
 * How old a signed SNS message may be. SNS keeps a message's `Timestamp` across its retries, and
 * the total retry time of an HTTP/S delivery policy cannot exceed 3,600 s (a hard AWS limit), so
 * a genuine delivery is never older than an hour; a few minutes either way allow for clock skew.
 * Anything older is a replay of a captured message, refused however well it is signed.
 */
export const SNS_MAX_AGE_MS = 60 * 60 * 1000;
export const SNS_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** @returns why the timestamp is refused, or undefined when it is fresh. */
export function snsTimestampProblem(timestamp: string, nowMs: number): string | undefined {
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return 'not an ISO-8601 time';
  if (at < nowMs - SNS_MAX_AGE_MS - SNS_CLOCK_SKEW_MS) return `older than ${SNS_MAX_AGE_MS / 60_000} minutes (SNS stops retrying within an hour): a replay`;
  if (at > nowMs + SNS_CLOCK_SKEW_MS) return 'in the future';
  return undefined;
}

/** How long SNS MessageIds are kept: past the window nothing old can be accepted anyway. */
export const SNS_MESSAGE_ID_KEEP_MS = 24 * 60 * 60 * 1000;
