import { ownLabel, type Alert } from './alert';

/**
 * What a runbook declares it handles. Every given condition must hold: the alert's service is
 * one of `services` (any service when absent), and each label equals the given value (`*`
 * means the label only has to be present).
 */
export interface RunbookMatch {
  services?: string[];
  labels?: Record<string, string>;
}

export function runbookMatches(match: RunbookMatch, alert: Pick<Alert, 'service' | 'labels'>): boolean {
  if (match.services && !match.services.includes(alert.service)) return false;
  for (const [name, expected] of Object.entries(match.labels ?? {})) {
    const actual = ownLabel(alert.labels, name);
    if (actual === undefined) return false;
    if (expected !== '*' && actual !== expected) return false;
  }
  return true;
}
