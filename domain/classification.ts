/**
 * The event policy: whether an alert is an *incident* (someone or a runbook acts now), only an
 * *event* (recorded and shown, nobody paged) or dropped, and when a recurring event becomes an
 * incident. Pure: the API gathers the facts (recent events of the same key) and asks.
 */
import { ownLabel, type Alert } from './alert';
import { labelPatternMatches } from './labelPattern';
import type { Severity } from './severity';

export type Disposition = 'incident' | 'event' | 'drop';

/**
 * One condition on an alert; every part given must hold. Lists mean "any of". A label value
 * written `/…/` is a regular expression (anchored), `*` means only that the label is present.
 */
export interface AlertMatcher {
  source?: string[];
  service?: string[];
  severity?: Severity[];
  labels?: Record<string, string>;
}

/** When a recorded event becomes an incident: on `count` within `withinSeconds`, or when it lasts. */
export interface Promotion {
  count?: number;
  withinSeconds?: number;
  persistsSeconds?: number;
}

export interface ClassificationRule {
  name: string;
  match: AlertMatcher;
  action: Disposition;
  /** Only for `event`: when it is promoted to an incident. */
  promote?: Promotion;
}

export interface EventPolicy {
  /** First matching rule wins. */
  rules: ClassificationRule[];
  /** For alerts no rule matches. */
  defaultAction: Disposition;
}

/** What the store knows of earlier events of the same service and dedup key. */
export interface Recurrence {
  /** Events of the key received within the promotion window (this one not included). */
  recentCount: number;
  /** When the key started firing this time (its first event since it last resolved). */
  firingSince?: Date;
}

export interface Classification {
  disposition: Disposition;
  /** The rule that decided, or `default`. */
  rule: string;
  /** Why, in words for the event record and the timeline. */
  reason: string;
  /** True when an event was promoted to an incident by recurrence or persistence. */
  promoted: boolean;
}

/** Re-exported: config and the API validate patterns with it. */
export { isValidLabelPattern } from './labelPattern';

export function matchesAlert(matcher: AlertMatcher, alert: Pick<Alert, 'source' | 'service' | 'severity' | 'labels'>): boolean {
  if (matcher.source && !matcher.source.includes(alert.source)) return false;
  if (matcher.service && !matcher.service.includes(alert.service)) return false;
  if (matcher.severity && !matcher.severity.includes(alert.severity)) return false;
  for (const [name, expected] of Object.entries(matcher.labels ?? {})) {
    if (!labelPatternMatches(expected, ownLabel(alert.labels, name))) return false;
  }
  return true;
}

/** The rule that applies to an alert (the first that matches), if any. */
export function ruleFor(policy: EventPolicy, alert: Pick<Alert, 'source' | 'service' | 'severity' | 'labels'>): ClassificationRule | undefined {
  return policy.rules.find((rule) => matchesAlert(rule.match, alert));
}

/** Whether an event's recurrence calls for an incident, and why. */
export function promotionReason(promote: Promotion | undefined, recurrence: Recurrence, now: Date): string | undefined {
  if (!promote) return undefined;
  if (promote.count !== undefined && recurrence.recentCount + 1 >= promote.count) {
    const window = promote.withinSeconds !== undefined ? ` within ${promote.withinSeconds} s` : '';
    return `repeated ${recurrence.recentCount + 1} times${window}`;
  }
  if (promote.persistsSeconds !== undefined && recurrence.firingSince) {
    const seconds = (now.getTime() - recurrence.firingSince.getTime()) / 1000;
    if (seconds >= promote.persistsSeconds) return `firing for ${Math.floor(seconds)} s`;
  }
  return undefined;
}

export function classify(policy: EventPolicy, alert: Pick<Alert, 'source' | 'service' | 'severity' | 'labels'>, recurrence: Recurrence, now: Date): Classification {
  const rule = ruleFor(policy, alert);
  const action = rule?.action ?? policy.defaultAction;
  const name = rule?.name ?? 'default';
  if (action === 'event') {
    const promoted = promotionReason(rule?.promote, recurrence, now);
    if (promoted) return { disposition: 'incident', rule: name, reason: `event promoted to incident: ${promoted}`, promoted: true };
    return { disposition: 'event', rule: name, reason: `recorded as an event by rule ${name}`, promoted: false };
  }
  if (action === 'drop') return { disposition: 'drop', rule: name, reason: `dropped by rule ${name}`, promoted: false };
  return { disposition: 'incident', rule: name, reason: rule ? `incident by rule ${name}` : 'incident by default', promoted: false };
}
