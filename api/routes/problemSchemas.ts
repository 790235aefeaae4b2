/**
 * The schemas of problem requests; `openapi.ts` publishes the same objects, as it does those of
 * `schemas.ts`.
 */
import { z } from 'zod';
import { PROBLEM_STATUSES } from '../../domain/problem';
import { answerTime as isoTime, serviceId } from './commonSchemas';

const text = (max: number) => z.string().trim().min(1).max(max);

const problemStatus = z.enum(PROBLEM_STATUSES as [string, ...string[]]);

export const problemListQuerySchema = z
  .object({
    status: problemStatus.optional(),
    service: serviceId.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

export const openProblemBodySchema = z
  .object({
    title: text(300),
    service: serviceId.optional().describe("default: the first linked incident's service"),
    workaround: text(2000).optional(),
    incidentIds: z.array(z.string().min(1).max(500)).max(100).default([]).describe('incidents to link now'),
    key: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/:-]{0,199}$/, 'letters, digits, ".", "_", "/", ":" or "-", at most 200')
      .optional()
      .describe("what later incidents are matched by; default: the first linked incident's fingerprint, else a key of its own"),
  })
  .strict();

export const correctiveActionSchema = z
  .object({
    action: text(1000),
    owner: text(200),
    due: z.iso.date().describe('calendar date, YYYY-MM-DD'),
    done: z.boolean().default(false),
  })
  .strict();

/** Fields given replace what the analysis held; fields left out stay as they were. */
export const rcaBodySchema = z
  .object({
    rootCause: text(5000).optional(),
    contributingFactors: z.array(text(2000)).max(50).optional(),
    correctiveActions: z.array(correctiveActionSchema).max(50).optional(),
    workaround: text(2000).optional().describe('shown on each new linked incident and in its pages'),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), { message: 'give at least one of rootCause, contributingFactors, correctiveActions, workaround', path: ['rootCause'] });

export const closeProblemBodySchema = z.object({ note: z.string().max(2000).optional() }).strict();

/*
 * What the problem reads and writes answer (documented in `/openapi.json`). Loose objects, as for
 * incidents: a field added later is no break. `test/api/problems.test.ts` holds real answers to them.
 */

/** One problem as `GET /v1/problems` lists it. */
export const problemSummarySchema = z
  .object({ id: z.string(), key: z.string(), title: z.string(), status: problemStatus, service: z.string().optional(), openedAt: isoTime, workaround: z.string().optional() })
  .loose();

export const problemListAnswerSchema = z.object({ problems: z.array(problemSummarySchema).describe('newest first') }).loose();

/** One problem in full (domain/problem.ts, ProblemView): its linked incidents, analysis and closure. */
export const problemViewSchema = z
  .object({
    id: z.string(),
    key: z.string().describe('the fingerprint or hand-made key the problem is kept under'),
    workflowId: z.string(),
    title: z.string(),
    service: z.string().optional(),
    status: problemStatus,
    reason: z.string(),
    openedAt: isoTime,
    openedBy: z.string(),
    incidents: z
      .array(z.object({ incidentId: z.string(), code: z.string().optional(), service: z.string(), summary: z.string(), openedAt: isoTime, linkedAt: isoTime.optional() }).loose())
      .describe('the most recent linked incidents, oldest first'),
    incidentCount: z.number().int(),
    lastIncidentAt: isoTime.optional(),
    workaround: z.string().optional(),
    rca: z
      .object({
        rootCause: z.string().optional(),
        contributingFactors: z.array(z.string()),
        correctiveActions: z.array(z.object({ action: z.string(), owner: z.string(), due: z.string(), done: z.boolean().optional() }).loose()),
        updatedAt: isoTime,
        updatedBy: z.string(),
      })
      .loose()
      .optional(),
    closedAt: isoTime.optional(),
    closedBy: z.string().optional(),
    closeNote: z.string().optional(),
  })
  .loose();
