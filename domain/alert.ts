import { fingerprint64 } from './hash';
import type { Severity } from './severity';

/** One alert, normalized: every source format becomes this before classification. */
export interface Alert {
  /** Derived from the sender's identity of the notification (api/intake/alertIdentity.ts): the same on a retry, so a re-delivered alert is recognised. */
  id: string;
  /** Service id from config (unknown services fall back to the default policy). */
  service: string;
  summary: string;
  severity: Severity;
  /** Alerts with the same service and dedup key while an incident is open join that incident. */
  dedupKey: string;
  /**
   * Set when the alert belongs to a group (the sender's alert group, or a grouping rule's): the
   * alerts of one group share one incident, keyed by this instead of the dedup key.
   */
  groupKey?: string;
  /** Which integration sent it (`api`, `alertmanager`, ...). */
  source: string;
  labels: Record<string, string>;
  details: Record<string, unknown>;
  /** ISO-8601 time the API received it. */
  receivedAt: string;
  /** Set only on the synthetic alert of an incident declared by hand (`POST /v1/incidents`); no sender's alert carries it. */
  declared?: Declaration;
}

/** Who declared an incident by hand, and how it is to respond. */
export interface Declaration {
  /** The API key's user. */
  by: string;
  /** How it reached us (`api`, `dashboard`). */
  via: string;
  /** False: the incident opens with its runbook, timeline and cadence, and pages nobody. */
  page: boolean;
  /** The contact id who leads it, if the declarer named one. */
  commander?: string;
}

/**
 * A label's value, only if the alert itself carries it: `toString` or `constructor` from the
 * prototype is no label, so a matcher naming one does not match every alert.
 */
export function ownLabel(labels: Readonly<Record<string, string>>, name: string): string | undefined {
  if (!Object.hasOwn(labels, name)) return undefined;
  const value = labels[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The dedup key an alert gets when the sender gave none: the same service, summary and labels
 * make the same key, so an unchanged repeat joins the open incident instead of paging again.
 */
export function defaultDedupKey(service: string, summary: string, labels: Record<string, string>): string {
  const labelText = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${labels[name]}`)
    .join(',');
  const material = `${service}\n${summary}\n${labelText}`;
  // Two independent 32-bit hashes give 64 bits: collisions between distinct alerts stay negligible.
  return `auto-${fingerprint64(material)}`;
}

/**
 * The Temporal workflow id of the incident an alert belongs to. One id per (service, group key or
 * dedup key):
 * signalWithStart on it joins the open incident, or starts a new one once the last is closed.
 */
export function incidentWorkflowId(alert: Pick<Alert, 'service' | 'dedupKey' | 'groupKey'>): string {
  return `incident/${alert.service}/${alert.groupKey ?? alert.dedupKey}`;
}
