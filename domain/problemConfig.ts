/**
 * The `problems` section of the config: when incidents that keep coming back are linked to a
 * problem (see `domain/recurrence.ts` for the rules, `docs/problems.md` for the knobs).
 */
import { z } from 'zod';
import { parseDurationSeconds } from './duration';
import type { RecurrencePolicy } from './recurrence';

const duration = z.string().refine((text) => (parseDurationSeconds(text) ?? 0) > 0, {
  message: 'a positive duration such as "30s", "5m", "2h" or "1d"',
});

const serviceId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');

/** `{service}`, `{dedupKey}`, `{source}` or any `{label}`: incidents rendering the same text are one fingerprint. */
const fingerprintTemplate = z.string().min(1).max(200).regex(/\{[^{}]+\}/, 'a template naming at least one {label}, {service} or {dedupKey}');

const recurrenceSchema = z
  .object({
    /** This many incidents of one fingerprint (the new one included)... */
    count: z.number().int().min(2).max(1000),
    /** ...opened within this long of each other make a problem. */
    window: duration,
  })
  .strict();

/** `false` turns reopen detection off. */
const reopenWithin = z.union([duration, z.literal(false)]);

const serviceOverrideSchema = z
  .object({
    detect: z.boolean().optional(),
    recurrence: recurrenceSchema.partial().strict().optional(),
    reopenWithin: reopenWithin.optional(),
    fingerprint: fingerprintTemplate.optional(),
  })
  .strict();

export const DEFAULT_PROBLEMS = {
  detect: true,
  recurrence: { count: 3, window: '24h' },
  reopenWithin: '1h' as string | false,
  services: {} as Record<string, z.output<typeof serviceOverrideSchema>>,
};

export const problemsConfigSchema = z
  .object({
    /** Link recurring incidents to problems automatically (problems opened by hand work either way). */
    detect: z.boolean().default(DEFAULT_PROBLEMS.detect),
    recurrence: recurrenceSchema.default(DEFAULT_PROBLEMS.recurrence),
    /** A new incident this soon after the previous one of its fingerprint was resolved is a reopening. */
    reopenWithin: reopenWithin.default(DEFAULT_PROBLEMS.reopenWithin),
    /** What makes incidents "the same"; default: service and dedup key (or alert group). */
    fingerprint: fingerprintTemplate.optional(),
    /** Per service, any of the settings above. */
    services: z.record(serviceId, serviceOverrideSchema).default({}),
  })
  .strict();

export type ProblemsConfig = z.output<typeof problemsConfigSchema>;

/** The policy that applies to one service's incidents, durations in seconds. */
export function recurrencePolicyFor(problems: ProblemsConfig | undefined, service: string): RecurrencePolicy {
  const base = problems ?? problemsConfigSchema.parse({});
  const override = base.services[service] ?? {};
  const reopen = override.reopenWithin ?? base.reopenWithin;
  const fingerprint = override.fingerprint ?? base.fingerprint;
  return {
    detect: override.detect ?? base.detect,
    count: override.recurrence?.count ?? base.recurrence.count,
    windowSeconds: parseDurationSeconds(override.recurrence?.window ?? base.recurrence.window) as number,
    ...(reopen === false ? {} : { reopenWithinSeconds: parseDurationSeconds(reopen) as number }),
    ...(fingerprint ? { fingerprintTemplate: fingerprint } : {}),
  };
}
