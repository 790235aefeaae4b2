/**
 * Outbound webhook endpoints as written in `vigil.config.ts` (docs/webhooks.md):
 *
 * ```ts
 * webhooks: [{ id: 'statuspage-bridge', url: 'https://bridge.example.com/vigil', secretEnv: 'VIGIL_WEBHOOK_STATUSPAGE_SECRET',
 *              events: ['incident.opened', 'incident.resolved'], services: ['checkout'] }],
 * ```
 *
 * The secret is never in config, only the name of the environment variable that holds it.
 */
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, type WebhookSubscription } from './webhooks';

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

const webhookEndpointSchema = z
  .object({
    /** Names the endpoint in logs, the timeline and the delivery workflow's id. */
    id,
    /** Where events are POSTed: http or https, no credentials in the URL (the signature authenticates). */
    url: z.string().max(2048).refine(isHttpUrl, 'an http:// or https:// URL without user or password'),
    /** The environment variable holding the signing secret (`whsec_` + base64, as Standard Webhooks defines). */
    secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'an environment variable name such as VIGIL_WEBHOOK_BRIDGE_SECRET'),
    /** The events it receives; absent: all of them. */
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).optional(),
    /** The services whose incidents it follows; absent: every service. */
    services: z.array(id).min(1).max(100).optional(),
  })
  .strict();

export type WebhookEndpointConfig = z.output<typeof webhookEndpointSchema>;

export const webhooksSchema = z
  .array(webhookEndpointSchema)
  .max(50)
  .default([])
  .superRefine((endpoints, ctx) => {
    const seen = new Set<string>();
    endpoints.forEach((endpoint, index) => {
      if (seen.has(endpoint.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `webhook "${endpoint.id}" is declared twice` });
      seen.add(endpoint.id);
    });
  });

/** A webhook that names a service config does not know is a typo, not a wish. */
export function webhookIssues(config: { webhooks: WebhookEndpointConfig[]; services: Record<string, unknown> }): Array<{ path: Array<string | number>; message: string }> {
  return config.webhooks.flatMap((endpoint, endpointIndex) =>
    (endpoint.services ?? []).flatMap((service, index) =>
      Object.hasOwn(config.services, service) ? [] : [{ path: ['webhooks', endpointIndex, 'services', index], message: `no service "${service}"` }],
    ),
  );
}

/** The endpoints that follow incidents of `service`, with their events; frozen into the plan. */
export function webhookSubscriptions(webhooks: readonly WebhookEndpointConfig[], service: string): WebhookSubscription[] {
  return webhooks
    .filter((endpoint) => !endpoint.services || endpoint.services.includes(service))
    .map((endpoint) => ({ endpoint: endpoint.id, events: endpoint.events ?? [...WEBHOOK_EVENT_TYPES] }));
}
