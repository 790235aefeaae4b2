/**
 * PagerDuty Change Events (`POST /v2/change/enqueue`): a sender reports a deploy or a config push.
 * Pure: body in, change out. Sender side, e.g. a deploy pipeline:
 *
 *   curl -X POST https://vigil.example.com/v2/change/enqueue -H 'content-type: application/json' \
 *     -d '{"routing_key":"<token>","payload":{"summary":"deploy checkout v42","source":"ci"}}'
 */
import { z } from 'zod';
import type { ChangeEvent } from '../records/changeEvents';
import { freeFormJson } from '../http/inputLimits';
import { toServiceId } from './serviceName';
import { AdapterInputError } from './types';

export const changeSchema = z.object({
  routing_key: z.string().min(1),
  payload: z.object({
    summary: z.string().trim().min(1).max(1024),
    // PagerDuty's own examples write offsets as +0000, which strict ISO parsers refuse.
    timestamp: z
      .string()
      .max(64)
      .refine((text) => /^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text)), 'an ISO-8601 date-time')
      .optional(),
    source: z.string().min(1).max(255).optional(),
    custom_details: freeFormJson.optional(),
  }),
  links: z.array(z.object({ href: z.url({ protocol: /^https?$/ }).max(2048), text: z.string().max(255).optional() })).max(20).default([]),
});

export type ParsedChange = Omit<ChangeEvent, 'id' | 'receivedAt'>;

/** @throws AdapterInputError naming the field */
export function parsePagerDutyChange(body: unknown, context: { defaultService?: string; now: Date }): ParsedChange {
  const result = changeSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AdapterInputError(['body', ...issue.path].join('.'), issue.message);
  }
  const { payload, links } = result.data;
  const service = toServiceId(context.defaultService) ?? toServiceId(payload.source);
  if (!service) throw new AdapterInputError('body.payload.source', "no service: set the integration's service or the payload's source");
  const happenedAt = payload.timestamp ? new Date(payload.timestamp) : context.now;
  const year = happenedAt.getUTCFullYear();
  if (year < 2000 || year > 2100) throw new AdapterInputError('body.payload.timestamp', 'a time between the years 2000 and 2100');
  return {
    happenedAt: happenedAt.toISOString(),
    service,
    summary: payload.summary,
    ...(payload.source ? { source: payload.source } : {}),
    links,
    ...(payload.custom_details !== undefined ? { details: payload.custom_details } : {}),
  };
}
