/**
 * Delivers one incident event to each endpoint that follows it, started by the incident workflow as
 * an abandoned child (decision 59). Each endpoint has its own activity with its own retries, so a
 * dead endpoint delays neither the incident nor the other endpoints.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhooks';
import type { WebhookDeliveryInput } from '../domain/webhooks';

/**
 * Retried with backoff for a day: a receiver down for a deploy or a night still gets the event.
 * The activity marks answers that retrying cannot change (4xx other than 408 and 429) non-retryable.
 */
const { deliverWebhookEvent } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1h' },
});

/** What became of the event at each endpoint: `delivered (<status>)` or why not. */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<Record<string, string>> {
  const outcomes = await Promise.all(
    input.endpoints.map((endpoint) =>
      deliverWebhookEvent({ endpoint, event: input.event }).then(
        (outcome) => outcome,
        (error: unknown) => `failed: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
      ),
    ),
  );
  return Object.fromEntries(input.endpoints.map((endpoint, index) => [endpoint, outcomes[index]]));
}
