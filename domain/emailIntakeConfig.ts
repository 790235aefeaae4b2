/**
 * How an `email` integration reads a mail's subject (docs/integrations.md, "Inbound email"). Both
 * patterns are `/regex/` label patterns (RE2 syntax, matched against the whole subject): subjects
 * are written by whoever can send mail, so they run on a linear-time engine.
 */
import { z } from 'zod';
import { isRegexLabelPattern } from './labelPattern';
import { SEVERITIES } from './severity';

/** A subject that starts (after any `*`, `[` or spaces) with one of these words ends its alert. */
export const DEFAULT_RESOLVED_SUBJECT = '/(?i)\\W*(resolved|recovery|recovered|ok)\\b.*/';

const REGEX_RULE = 'a /regular expression/ in RE2 syntax (no backreferences or lookaround), matched against the whole subject';

const regexPattern = z.string().min(3).max(500).refine(isRegexLabelPattern, REGEX_RULE);

export const emailIntakeSchema = z
  .object({
    /**
     * The dedup key: what this pattern's first group captures from the subject (a trigger and its
     * resolve must capture the same text). Absent, or not matching: the normalised subject.
     */
    dedupKey: regexPattern.optional(),
    /** Subjects that end the alert instead of raising it. */
    resolvedSubject: regexPattern.default(DEFAULT_RESOLVED_SUBJECT),
    /** Severity of a firing mail (a mail has no standard field for it). */
    severity: z.enum(SEVERITIES).default('error'),
  })
  .strict();

export type EmailIntakeConfig = z.output<typeof emailIntakeSchema>;

export const DEFAULT_EMAIL_INTAKE: EmailIntakeConfig = { resolvedSubject: DEFAULT_RESOLVED_SUBJECT, severity: 'error' };
