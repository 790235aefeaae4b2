/**
 * The worker side of outbound webhooks: POSTs an incident event to one endpoint, signed the
 * Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`)
 * with the reference implementation, `standardwebhooks`. Secrets come from the environment and
 * are never logged.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import { ConfigError } from '../domain/config';
import type { WebhookEndpointConfig } from '../domain/webhookConfig';
import type { WebhookEvent } from '../domain/webhooks';
import { webhookPayload } from '../domain/webhooks';

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
    const secret = deps.env[endpoint.secretEnv];
    if (!secret) {
      issues.push({ path, message: `${endpoint.secretEnv} is not set (the signing secret of webhook "${endpoint.id}")` });
      return;
    }
    const bytes = /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret) ? Buffer.from(secret.slice('whsec_'.length), 'base64').length : 0;
    if (bytes < 24 || bytes > 64) {
      // The message names the variable, never its value.
      issues.push({ path, message: `${endpoint.secretEnv} must be "whsec_" and the base64 of 24 to 64 random bytes (openssl rand -base64 32)` });
      return;
    }
    signers.set(endpoint.id, { endpoint, signer: new Webhook(secret) });
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
      const now = new Date();
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'Vigil-Webhooks',
        'webhook-id': event.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': known.signer.sign(event.id, now, body),
      };
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
