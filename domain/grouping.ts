/**
 * How alerts are keyed before they reach an incident, per integration and by rule: a dedup key
 * from a label template, a severity read from a label through a table, and grouping rules that
 * put alerts sharing some labels into one incident. Pure; windows are kept by the API's store.
 */
import { ownLabel, type Alert } from './alert';
import { matchesAlert, type AlertMatcher } from './classification';
import { fingerprint64 } from './hash';
import { parseSeverity, type Severity } from './severity';

export interface GroupingRule {
  name: string;
  match: AlertMatcher;
  /** Labels whose values (with the service) make the group: same values, same incident. */
  by: string[];
  /** A group takes new alerts until this long has passed since its last one. */
  windowSeconds: number;
}

type Keyed = Pick<Alert, 'source' | 'service' | 'severity' | 'labels'>;

export function groupingRuleFor(rules: readonly GroupingRule[], alert: Keyed): GroupingRule | undefined {
  return rules.find((rule) => matchesAlert(rule.match, alert));
}

/** The group an alert belongs to under a rule, before its window's sequence number is added. */
export function groupBaseKey(rule: GroupingRule, alert: Keyed): string {
  const values = rule.by.map((label) => `${label}=${ownLabel(alert.labels, label) ?? ''}`).join('\n');
  return `group-${rule.name}-${fingerprint64(`${alert.service}\n${values}`)}`;
}

/** The key of a sender's own alert group (Alertmanager's and Grafana's `groupKey`). */
export function senderGroupKey(source: string, groupKey: string): string {
  return `${source}-group-${fingerprint64(groupKey)}`;
}

/**
 * A dedup key from a template such as `{alertname}/{instance}`: `{name}` is the label's value
 * (empty when absent); `{service}` and `{source}` are the alert's own.
 */
export function renderDedupKey(template: string, alert: Keyed): string {
  return template.replace(/\{([^{}]+)\}/g, (_match, name: string) => {
    if (name === 'service') return alert.service;
    if (name === 'source') return alert.source;
    return ownLabel(alert.labels, name) ?? '';
  });
}

export interface SeverityMapping {
  /** The label that carries the sender's own severity or priority. */
  label: string;
  /** Its values (compared case-insensitively) to Vigil severities; unlisted values keep Vigil's reading. */
  values: Record<string, Severity>;
}

export function mappedSeverity(mapping: SeverityMapping, alert: Keyed): Severity | undefined {
  const raw = ownLabel(alert.labels, mapping.label);
  if (raw === undefined) return undefined;
  const wanted = raw.trim().toLowerCase();
  const entry = Object.entries(mapping.values).find(([value]) => value.toLowerCase() === wanted);
  return entry ? entry[1] : parseSeverity(raw);
}
