/** The query of `GET /v1/schedules/{id}/oncall`. */
import { z } from 'zod';
import { answerTime } from './commonSchemas';

const instant = z.iso
  .datetime({ offset: true, abort: true, error: 'an ISO-8601 date-time with offset, e.g. 2026-11-25T14:00:00Z' })
  .refine((text) => {
    const year = new Date(text).getUTCFullYear();
    return year >= 2000 && year <= 2100;
  }, 'a time between the years 2000 and 2100');

export const onCallQuerySchema = z
  .object({
    at: instant.optional().describe('default: now'),
  })
  .strict();

/*
 * What the schedule reads answer (documented in `/openapi.json`; `test/api/schedules.test.ts` holds
 * real answers to them).
 */
const onCallPerson = z
  .object({ userId: z.string(), name: z.string().describe("the contact's name, or its id when config has no such contact"), layer: z.union([z.number().int(), z.literal('override')]) })
  .nullable()
  .describe('null: nobody is on call');

export const scheduleListAnswerSchema = z.object({ schedules: z.array(z.object({ id: z.string(), timeZone: z.string().describe('IANA time zone') })) });

export const onCallAnswerSchema = z.object({
  schedule: z.string(),
  at: answerTime.describe('ISO-8601: the instant asked about'),
  oncall: onCallPerson,
  nextHandoffs: z.array(z.object({ at: answerTime, oncall: onCallPerson })).describe('the hand-offs of the next seven days (at most 20)'),
});
