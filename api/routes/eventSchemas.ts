/** The query and answer of `GET /v1/events`. */
import { z } from 'zod';
import { serviceId, timestamp } from './commonSchemas';

export const eventRecordSchema = z.object({
  id: z.string(),
  receivedAt: z.string(),
  service: z.string(),
  dedupKey: z.string(),
  source: z.string(),
  severity: z.string(),
  summary: z.string(),
  labels: z.record(z.string(), z.string()),
  status: z.enum(['firing', 'resolved']),
  disposition: z.enum(['event', 'suppressed', 'promoted']),
  reason: z.string(),
  rule: z.string().optional(),
  maintenanceId: z.string().optional(),
});

export const eventListQuerySchema = z
  .object({
    service: serviceId.optional(),
    dedupKey: z.string().min(1).max(255).optional(),
    disposition: z.enum(['event', 'suppressed', 'promoted']).optional(),
    since: timestamp.optional(),
    until: timestamp.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
