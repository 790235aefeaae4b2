/**
 * Severities, most urgent first. These four are the PagerDuty Events v2 set, which most
 * monitoring tools already map to, so adapters rarely need a table of their own.
 */
import { ownLookup } from './ownLookup';

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Names other tools use for the same levels (compared lower-case). */
const SEVERITY_ALIASES: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  sev1: 'critical',
  p1: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  page: 'critical',
  error: 'error',
  high: 'error',
  major: 'error',
  sev2: 'error',
  p2: 'error',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  minor: 'warning',
  sev3: 'warning',
  p3: 'warning',
  info: 'info',
  informational: 'info',
  low: 'info',
  sev4: 'info',
  p4: 'info',
};

/** Maps a sender's severity word to ours; `undefined` when the word is unknown. */
export function parseSeverity(raw: string): Severity | undefined {
  return ownLookup(SEVERITY_ALIASES, raw.trim().toLowerCase());
}

/** The accepted words, for error messages and the API description. */
export const SEVERITY_WORDS = Object.keys(SEVERITY_ALIASES);

/** Negative when `a` is more urgent than `b`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);
}
