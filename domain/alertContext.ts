/**
 * What a responder needs from an alert's details, bounded and safe to show: links (runbook,
 * dashboard, panel, the rule that fired, silence, the sender's own page) and short fields
 * (description, state reason, values, custom details, the sender's message). Pure and free of
 * host APIs (no `URL`), so the incident workflow may call it.
 *
 * Adapters keep each sender's fields under fixed names in `details` (see docs/integrations.md);
 * this reads those names, and any annotation (Alertmanager, Grafana) whose value is a link.
 */

export interface AlertLink {
  label: string;
  /** http or https only. */
  url: string;
}

export interface AlertField {
  name: string;
  value: string;
}

export interface AlertContext {
  links: AlertLink[];
  fields: AlertField[];
}

export const ALERT_CONTEXT_LIMITS = { links: 8, fields: 10, urlChars: 2000, labelChars: 80, valueChars: 500, totalChars: 4000 } as const;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The link when it is an absolute http(s) URL without spaces, quotes or control characters; else undefined (no javascript:, data:, relative). */
export function safeLink(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const url = raw.trim();
  if (url.length > ALERT_CONTEXT_LIMITS.urlChars || CONTROL.test(url)) return undefined;
  return /^https?:\/\/[^\s/?#"'<>`\\]+[^\s"'<>`\\]*$/i.test(url) ? url : undefined;
}

function clip(text: string, max: number): string {
  const flat = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A value as text: strings as they are, anything else as compact JSON. */
function asText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  try {
    const json = JSON.stringify(value);
    return json === '{}' || json === '[]' ? undefined : json;
  } catch {
    return undefined;
  }
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.slice(0, ALERT_CONTEXT_LIMITS.links).map(record) : [];
}

/** Links by detail name, most useful first. */
const LINK_DETAILS: Array<[string, string]> = [
  ['dashboardURL', 'Dashboard'],
  ['panelURL', 'Panel'],
  ['generatorURL', 'Source'],
  ['link', 'Event'],
  ['silenceURL', 'Silence'],
];

/** Text fields by detail name. */
const FIELD_DETAILS: Array<[string, string]> = [
  ['reason', 'State reason'],
  ['alertStatus', 'Status'],
  ['valueString', 'Values'],
  ['values', 'Values'],
  ['customDetails', 'Custom details'],
  ['trigger', 'Trigger'],
  ['query', 'Query'],
  ['body', 'Message'],
];

/** The responder's view of an alert's details, or undefined when they hold nothing to show. */
export function alertContext(details: Record<string, unknown> | undefined): AlertContext | undefined {
  if (!details) return undefined;
  const links: AlertLink[] = [];
  const fields: AlertField[] = [];
  let total = 0;
  const addLink = (label: unknown, raw: unknown) => {
    const url = safeLink(raw);
    if (!url || links.length >= ALERT_CONTEXT_LIMITS.links || links.some((link) => link.url === url)) return;
    links.push({ label: clip(typeof label === 'string' && label.trim() ? label : 'Link', ALERT_CONTEXT_LIMITS.labelChars), url });
  };
  const addField = (name: string, raw: unknown) => {
    const text = asText(raw);
    if (text === undefined || fields.length >= ALERT_CONTEXT_LIMITS.fields || total >= ALERT_CONTEXT_LIMITS.totalChars) return;
    if (fields.some((field) => field.name === name)) return;
    const value = clip(text, Math.min(ALERT_CONTEXT_LIMITS.valueChars, ALERT_CONTEXT_LIMITS.totalChars - total));
    if (!value) return;
    total += value.length;
    fields.push({ name: clip(name, ALERT_CONTEXT_LIMITS.labelChars), value });
  };

  const annotations = record(details.annotations);
  addLink('Runbook', annotations.runbook_url ?? annotations.runbook);
  for (const [name, label] of LINK_DETAILS) addLink(label, details[name]);
  // Annotations that are links (dashboard_url, playbook, ...) are links; the rest are text.
  for (const [name, value] of Object.entries(annotations)) {
    if (name === 'summary' || name === 'runbook_url' || name === 'runbook') continue;
    if (safeLink(value)) addLink(name, value);
  }
  for (const link of list(details.links)) addLink(link.text, link.href);
  for (const image of list(details.images)) addLink(image.alt ?? 'Image', image.href ?? image.src);
  addLink(details.client, details.clientUrl);

  addField('Description', annotations.description);
  for (const [name, value] of Object.entries(annotations)) {
    if (name === 'summary' || name === 'description' || safeLink(value)) continue;
    addField(name, value);
  }
  for (const [name, label] of FIELD_DETAILS) addField(label, details[name]);
  return links.length > 0 || fields.length > 0 ? { links, fields } : undefined;
}

/** The links a page email leads with: runbook, then dashboard or the rule that fired. */
export function keyLinks(context: AlertContext | undefined, max = 3): AlertLink[] {
  return (context?.links ?? []).slice(0, max);
}
