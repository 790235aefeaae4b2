import type { NtfyAddress, NtfyMessage } from '../../domain/channels/ntfy';
import type { NtfyTransport } from '../../domain/transports';

/** How long one publish may take before it counts as failed (the activity retries). */
const REQUEST_TIMEOUT_MS = 10_000;
/** Hosts' clocks and the ntfy server's disagree by a little; an intent's time is widened by this much. */
const CLOCK_SKEW_MS = 60_000;

/**
 * A publish ntfy did not take. `status` is the HTTP status (absent: unreachable, or no token);
 * `permanent` when trying again cannot help (a 4xx other than 408/429, a token variable not set),
 * so the page falls back at once instead of after its retries.
 */
export class NtfyPublishError extends Error {
  override readonly name = 'NtfyPublishError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** The `Authorization` header for a person's topic: their token, read from the variable their contact names. */
function authorization(to: NtfyAddress, env: NodeJS.ProcessEnv): Record<string, string> {
  if (!to.tokenEnv) return {};
  const token = env[to.tokenEnv];
  // The variable's name is config, not a secret: it may be said; the token never is.
  if (!token) throw new NtfyPublishError(`the ntfy token variable ${to.tokenEnv} is not set on this worker`, undefined, true);
  return { authorization: `Bearer ${token}` };
}

/**
 * Publishes with ntfy's JSON API (POST to the server root, the topic in the body), authenticated
 * with the person's access token. Any self-hosted ntfy server works; there is no SDK to load.
 */
export function createNtfyTransport(env: NodeJS.ProcessEnv, fetchImpl: typeof fetch = fetch): NtfyTransport {
  return {
    name: 'ntfy',
    async publish(to, message: NtfyMessage, sequenceId) {
      const response = await fetchImpl(`${to.serverUrl}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authorization(to, env) },
        body: JSON.stringify({ topic: to.topic, sequence_id: sequenceId, ...message }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      if (!response.ok) {
        const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
        throw new NtfyPublishError(`ntfy refused the publish: HTTP ${response.status} ${text.slice(0, 200)}`, response.status, permanent);
      }
      let id: unknown;
      try {
        id = (JSON.parse(text) as { id?: unknown }).id;
      } catch {
        id = undefined;
      }
      if (typeof id !== 'string' || id === '') throw new NtfyPublishError('ntfy answered without a message id', response.status, false);
      return { id };
    },
    async findPublished(to, sequenceId, since) {
      const sinceSeconds = Math.floor((since.getTime() - CLOCK_SKEW_MS) / 1000);
      const response = await fetchImpl(`${to.serverUrl}/${to.topic}/json?poll=1&since=${sinceSeconds}`, {
        headers: authorization(to, env),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      // A token that may only write cannot read the topic back: not known, so the retry publishes.
      if (!response.ok) return [];
      const found: Array<{ id: string; time: number }> = [];
      for (const line of (await response.text()).split('\n')) {
        if (!line.trim()) continue;
        try {
          const event = JSON.parse(line) as { id?: unknown; time?: unknown; event?: unknown; sequence_id?: unknown };
          if (event.event === 'message' && event.sequence_id === sequenceId && typeof event.id === 'string') found.push({ id: event.id, time: typeof event.time === 'number' ? event.time : 0 });
        } catch {
          // A line that is not JSON is not one of ours.
        }
      }
      return found.sort((a, b) => b.time - a.time).map((event) => event.id);
    },
  };
}
