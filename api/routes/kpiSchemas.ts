/**
 * The KPI request and answer (`GET /v1/kpis`); `openapi.ts` publishes the same objects. The
 * answer's schema is the contract a dashboard charts from (definitions: docs/kpis.md).
 */
import { z } from 'zod';
import { SEVERITIES } from '../../domain/severity';
import { serviceId, timestamp } from './commonSchemas';

export const kpiQuerySchema = z
  .object({
    from: timestamp.optional().describe('start of the period, included (default: 30 days before `to`)'),
    to: timestamp.optional().describe('end of the period, excluded (default: now); at most 366 days after `from`'),
    service: serviceId.optional(),
  })
  .strict();

const count = z.number().int().min(0);
const seconds = z.number().nullable();
const bySeverity = z.object(Object.fromEntries(SEVERITIES.map((severity) => [severity, count])) as Record<(typeof SEVERITIES)[number], typeof count>);
const meanDuration = z.object({ seconds, count, totalSeconds: z.number() });

export const kpiReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  service: z.string().nullable(),
  incidents: z.object({
    opened: count,
    resolved: count,
    openAtEnd: count,
    reopened: count,
    bySeverity,
    byService: z.array(z.object({ service: z.string(), opened: count, resolved: count, bySeverity })),
  }),
  mtta: meanDuration,
  mttr: meanDuration,
  pagesPerIncident: z.object({ value: z.number().nullable(), pages: count, incidents: count }),
  autoResolved: z.object({
    byRunbook: count,
    percent: z.number().nullable(),
    resolvedBy: z.object({ human: count, runbook: count, source: count, flap: count, unknown: count }),
  }),
  noise: z.object({ events: count, suppressed: count, promoted: count, incidents: count, ratio: z.number().nullable() }).nullable(),
  openProblems: count,
  series: z.array(z.object({ day: z.string(), opened: count, resolved: count, mttaSeconds: seconds, mttrSeconds: seconds })),
});
