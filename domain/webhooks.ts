/**
 * Outbound webhooks: the incident events an endpoint can follow, what the incident workflow records
 * of each (`WebhookEvent`), and the JSON body an endpoint receives (`webhookPayload`). Pure, so the
 * workflow, the worker's delivery activity and the tests share one definition (docs/webhooks.md).
 */
import type { Channel } from './escalation';
import type { IncidentStatus, IncidentView } from './incident';
import type { Severity } from './severity';

export const WEBHOOK_EVENT_TYPES = [
  'incident.opened',
  'incident.paged',
  'incident.acknowledged',
  'incident.escalated',
  'incident.resolved',
  'incident.update_posted',
  'incident.review_ready',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** One endpoint that follows an incident, and which of its events (frozen into the plan). */
export interface WebhookSubscription {
  endpoint: string;
  events: WebhookEventType[];
}

/** What the incident says of itself in every event. */
export interface WebhookIncident {
  id: string;
  /** The six-character code people type (`ACK 7KQ2MX`). */
  key: string;
  dedupKey: string;
  service: string;
  severity: Severity;
  status: IncidentStatus;
  summary: string;
}

/** What happened beyond the incident's own state; which fields are set depends on the type. */
export interface WebhookEventDetails {
  /** Who acted (acknowledged, escalated by hand, resolved, posted the update), as the timeline names them. */
  actor?: string;
  page?: { responderId: string; responderName: string; channel: Channel; level: number; outcome: string };
  escalation?: { level: number; cycle: number; byHand: boolean };
  update?: { text: string; eta?: string };
  resolution?: { note?: string };
}

/** An incident event as the incident workflow records it: deterministic, with no URL (the worker knows it). */
export interface WebhookEvent {
  /** `<incident id>.<sequence>`: the same on every retry and replay, so receivers dedupe on `webhook-id`. */
  id: string;
  type: WebhookEventType;
  /** When it happened (workflow time), ISO 8601. */
  at: string;
  incident: WebhookIncident;
  details: WebhookEventDetails;
}

/** The body an endpoint receives. */
export interface WebhookPayload {
  type: WebhookEventType;
  id: string;
  timestamp: string;
  data: WebhookEventDetails & {
    incident: WebhookIncident & { url: string };
    review?: { url: string };
  };
}

/** The input of one event's delivery workflow: the event and the endpoints that follow it. */
export interface WebhookDeliveryInput {
  event: WebhookEvent;
  endpoints: string[];
}

/** The event id: incident id and the event's place in the incident, never a clock or random value. */
export function webhookEventId(incidentId: string, sequence: number): string {
  return `${incidentId}.${sequence}`;
}

/**
 * The delivery workflow's id: Temporal refuses a second workflow of one id, so each event goes out
 * once. Made of the incident's first run id (a UUID, unique on its own) and the event's sequence,
 * not of the workflow id, which a replay under another id (the replay tests) would change.
 */
export function webhookDeliveryWorkflowId(incidentRunId: string, sequence: number): string {
  return `webhook/${incidentRunId}/${sequence}`;
}

/** The endpoints of `subscriptions` that follow events of `type`. */
export function endpointsFor(subscriptions: readonly WebhookSubscription[] | undefined, type: WebhookEventType): string[] {
  return (subscriptions ?? []).filter((subscription) => subscription.events.includes(type)).map((subscription) => subscription.endpoint);
}

/** The incident as an event carries it. */
export function webhookIncident(view: IncidentView): WebhookIncident {
  return { id: view.id, key: view.code, dedupKey: view.dedupKey, service: view.service, severity: view.severity, status: view.status, summary: view.summary };
}

function incidentUrl(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/v1/incidents/${encodeURIComponent(id)}`;
}

/** The JSON body of `event` for Vigil reachable at `publicUrl`. */
export function webhookPayload(event: WebhookEvent, publicUrl: string): WebhookPayload {
  const url = incidentUrl(publicUrl, event.incident.id);
  return {
    type: event.type,
    id: event.id,
    timestamp: event.at,
    data: {
      incident: { ...event.incident, url },
      ...event.details,
      ...(event.type === 'incident.review_ready' ? { review: { url: `${url}/review` } } : {}),
    },
  };
}
