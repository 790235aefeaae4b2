/**
 * The worker side of outbound webhooks: POSTs an incident event to one endpoint, signed the
 * Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`)
 * with the reference implementation, `standardwebhooks`. Secrets come from the environment and
 * are never logged.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Webhook } from 'standardwebhooks';
import { ConfigError } from '../domain/config';
import type { WebhookEndpointConfig } from '../domain/webhookConfig';
import type { WebhookEvent } from '../domain/webhooks';
import { webhookPayload } from '../domain/webhooks';
import { signedWebhookHeaders, webhookSecretProblem, webhookSigner } from './webhookSigning';

export interface WebhookActivities {
  deliverWebhookEvent(input: { endpoint: string; event: WebhookEvent }): Promise<string>;
}

export interface WebhookDeps {
  endpoints: readonly WebhookEndpointConfig[];
  /** Where the secrets are read (`process.env` in the worker). */
  env: Record<string, string | undefined>;
  /** Base URL responders reach Vigil at, for the incident's link in each event. */
  publicUrl: string;
  /** How long one attempt waits for an answer (default 10 s). */
  requestTimeoutMs?: number;
}

/** The failure type of an answer that no retry can change (a 4xx other than 408 and 429). */
export const WEBHOOK_REFUSED_FAILURE = 'WebhookRefused';

/** Answers worth another attempt: the receiver may take it later. */
function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** Each endpoint's signer; fails at worker start, naming the field, when a secret is missing or malformed. */
function signersOf(deps: WebhookDeps): Map<string, { endpoint: WebhookEndpointConfig; signer: Webhook }> {
  const signers = new Map<string, { endpoint: WebhookEndpointConfig; signer: Webhook }>();
  const issues: Array<{ path: string; message: string }> = [];
  deps.endpoints.forEach((endpoint, index) => {
    const path = `webhooks.${index}.secretEnv`;
    const problem = webhookSecretProblem(endpoint.secretEnv, deps.env[endpoint.secretEnv]);
    if (problem) {
      // The message names the variable, never its value.
      issues.push({ path, message: `${problem} (the signing secret of webhook "${endpoint.id}")` });
      return;
    }
    signers.set(endpoint.id, { endpoint, signer: webhookSigner(deps.env[endpoint.secretEnv] as string) });
  });
  if (issues.length > 0) throw new ConfigError('webhook secrets', issues);
  return signers;
}

export function createWebhookActivities(deps: WebhookDeps): WebhookActivities {
  const signers = signersOf(deps);
  const timeoutMs = deps.requestTimeoutMs ?? 10_000;
  return {
    async deliverWebhookEvent({ endpoint: endpointId, event }) {
      const known = signers.get(endpointId);
      if (!known) throw ApplicationFailure.create({ message: `no webhook "${endpointId}" in config any more`, type: WEBHOOK_REFUSED_FAILURE, nonRetryable: true });
      const body = JSON.stringify(webhookPayload(event, deps.publicUrl));
      // Signed at each attempt: receivers refuse stale timestamps (5 minutes, in the reference library).
      const headers = signedWebhookHeaders(known.signer, event.id, body, new Date(), 'Vigil-Webhooks');
      let response: Response;
      try {
        response = await fetch(known.endpoint.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        // Refused, reset, unresolvable or timed out: Temporal retries with backoff.
        const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
        throw new Error(`webhook "${endpointId}" unreachable: ${cause}`);
      }
      // The body is not needed; read it so the connection can be reused, bounded by the timeout.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return `delivered (${response.status})`;
      const message = `webhook "${endpointId}" answered ${response.status}`;
      Context.current().log.warn('webhook delivery refused', { endpoint: endpointId, event: event.id, status: response.status });
      if (retryable(response.status)) throw new Error(message);
      // 3xx too: a redirect is not followed (the signature was made for this URL's receiver).
      throw ApplicationFailure.create({ message, type: WEBHOOK_REFUSED_FAILURE, nonRetryable: true });
    },
  };
}
