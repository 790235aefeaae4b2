/**
 * The schemas of post-incident review requests and answers; `openapi.ts` publishes the same
 * objects, as it does those of `schemas.ts`.
 */
import { z } from 'zod';
import { CHANNELS } from '../../domain/channels';
import { SEVERITIES } from '../../domain/severity';

const entry = z.string().trim().min(1).max(2000);

export const actionItemSchema = z
  .object({
    what: entry,
    owner: z.string().trim().min(1).max(200),
    due: z.iso.date().describe('calendar date, YYYY-MM-DD'),
    done: z.boolean().default(false),
  })
  .strict();

/** PUT replaces the human sections; `completed: true` marks the review done. */
export const reviewBodySchema = z
  .object({
    wentWell: z.array(entry).max(100).default([]),
    wentBadly: z.array(entry).max(100).default([]),
    actionItems: z.array(actionItemSchema).max(100).default([]),
    completed: z.boolean().default(false),
  })
  .strict()
  .refine((body) => !body.completed || body.wentWell.length + body.wentBadly.length > 0, {
    message: 'a completed review says what went well or what went badly',
    path: ['completed'],
  });

export const reviewListQuerySchema = z
  .object({
    overdue: z.enum(['true', 'false']).default('false').describe('only reviews past their due time'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

const severity = z.enum(SEVERITIES);
const roleHolder = z.object({ id: z.string(), name: z.string() });

/** A review as `GET` and `PUT /v1/incidents/{id}/review` answer it in JSON. */
export const reviewSchema = z.object({
  incidentId: z.string(),
  code: z.string(),
  summary: z.string(),
  severity,
  sevLevel: z.string(),
  service: z.string(),
  impact: z.object({ from: z.string(), to: z.string(), seconds: z.number() }),
  timeToAcknowledgeSeconds: z.number().nullable(),
  timeToResolveSeconds: z.number(),
  resolvedBy: z.string(),
  resolvedByRunbook: z.boolean(),
  paged: z.array(z.object({ name: z.string(), responderId: z.string(), channel: z.enum(CHANNELS.ids), level: z.number(), at: z.string(), outcome: z.string() })),
  acknowledgements: z.array(z.object({ at: z.string(), by: z.string() })),
  runbook: z.object({ id: z.string(), steps: z.array(z.object({ step: z.string(), ok: z.boolean(), summary: z.string(), at: z.string() })) }).optional(),
  statusUpdates: z.array(z.object({ at: z.string(), by: z.string(), text: z.string(), eta: z.string().optional() })),
  problem: z.object({ id: z.string(), title: z.string(), workaround: z.string().optional() }).optional(),
  timelineTruncated: z.number(),
  declaredBy: z.string().optional(),
  roles: z
    .object({
      commander: roleHolder.optional(),
      communicationsLead: roleHolder.optional(),
      scribe: roleHolder.optional(),
      responders: z.array(roleHolder).optional(),
    })
    .optional()
    .describe('who held the incident roles at the end'),
  roleChanges: z.array(z.object({ at: z.string(), by: z.string(), text: z.string() })).optional(),
  wentWell: z.array(z.string()),
  wentBadly: z.array(z.string()),
  actionItems: z.array(z.object({ what: z.string(), owner: z.string(), due: z.string(), done: z.boolean() })),
  completedAt: z.string().optional(),
  completedBy: z.string().optional(),
  updatedAt: z.string().optional(),
  updatedBy: z.string().optional(),
  status: z.enum(['draft', 'completed']),
  required: z.boolean(),
  dueAt: z.string().optional(),
  overdue: z.boolean(),
});

/** One line of `GET /v1/reviews`: a required review not yet completed. */
export const pendingReviewSchema = z.object({
  incidentId: z.string(),
  code: z.string(),
  summary: z.string(),
  service: z.string(),
  severity,
  sevLevel: z.string(),
  resolvedAt: z.string(),
  dueAt: z.string(),
  overdue: z.boolean(),
  status: z.literal('draft'),
});
