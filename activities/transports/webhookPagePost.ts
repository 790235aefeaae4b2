import type { WebhookAddress } from '../../domain/channels/webhook';
import type { WebhookPageTransport } from '../../domain/transports';
import { signedWebhookHeaders, webhookSecretProblem, webhookSigner } from '../webhookSigning';

/** How long one POST may take before it counts as failed (the activity retries). */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * A page the receiver did not take. `status` is the HTTP status (absent: unreachable, or no
 * secret); `code` why it was unreachable; `permanent` when trying again cannot help (a 3xx or 4xx
 * other than 408/429, a secret not set), so the page falls back at once instead of after its retries.
 * The message names neither the URL (its query may hold a token) nor the secret.
 */
export class WebhookPageError extends Error {
  override readonly name = 'WebhookPageError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly permanent: boolean,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Answers worth another attempt: the receiver may take it later. */
function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * POSTs pages signed with the secret the contact's variable holds (read at each send, so a worker
 * given the variable later needs no restart of anything else). Redirects are not followed: the
 * signature was made for this receiver.
 */
export function createWebhookPageTransport(env: NodeJS.ProcessEnv, fetchImpl: typeof fetch = fetch): WebhookPageTransport {
  return {
    name: 'webhook',
    async post(to: WebhookAddress, id, body) {
      const secret = env[to.secretEnv];
      const problem = webhookSecretProblem(to.secretEnv, secret);
      if (problem) throw new WebhookPageError(`${problem} on this worker`, undefined, true);
      const headers = signedWebhookHeaders(webhookSigner(secret as string), id, body, new Date(), 'Vigil-Pager');
      let response: Response;
      try {
        response = await fetchImpl(to.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      } catch (error) {
        // Refused, reset, unresolvable or timed out: the activity retries with backoff.
        const code = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
        throw new WebhookPageError(`the webhook receiver is unreachable: ${code}`, undefined, false, code);
      }
      // The body is not needed; reading it lets the connection be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { status: response.status };
      throw new WebhookPageError(`the webhook receiver answered ${response.status}`, response.status, !retryable(response.status));
    },
  };
}
