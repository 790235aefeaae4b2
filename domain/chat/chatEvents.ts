/**
 * What the incident workflow tells its chat side (#16): the events it announces to webhooks
 * (`domain/webhooks.ts`), plus the two only chat shows (runbook steps, role changes), each with the
 * incident as it stood and its commander. Pure, shared by both workflows, the worker and the tests.
 */
import type { RoleHolder } from '../incidentRoles';
import type { WebhookEventDetails, WebhookEventType, WebhookIncident } from '../webhooks';
import type { IncidentChatPlan } from './chatPlan';
import type { ChatIncidentCard, IncidentRoom } from './platform';

export type ChatEventType = WebhookEventType | 'incident.runbook_step' | 'incident.roles_changed';

export interface ChatEvent {
  /** The event's place among this incident's chat events (0, 1, …): the chat side applies them in this order, each once. */
  sequence: number;
  type: ChatEventType;
  /** Workflow time, ISO 8601. */
  at: string;
  incident: WebhookIncident;
  /** The commander when it happened (id and name only). */
  commander?: RoleHolder;
  details: WebhookEventDetails & { runbook?: { step: string; ok: boolean; summary: string } };
}

/** The chat workflow's start input; `carried` when it continues as new. */
export interface IncidentChatInput {
  incidentRunId: string;
  plan: IncidentChatPlan;
  events: ChatEvent[];
  carried?: IncidentChatState;
}

/** What the chat side knows of its incident; carried over continue-as-new. */
export interface IncidentChatState {
  nextSequence: number;
  /** Events that came ahead of an earlier one (signals may overtake each other). */
  early: ChatEvent[];
  card: CardFacts;
  /** Contact ids of everyone paged so far (the worker maps them to chat users). */
  pagedIds: string[];
  commanderId?: string;
  room?: IncidentRoom;
  /** Whether someone asked for the room (`/vigil room`) before the incident's rule would open it. */
  roomRequested: boolean;
  /** Level numbers whose team channels have the card already. */
  levelsPosted: number[];
  /** The timeline lines so far (the latest 100), so a room opened later starts with what happened before it. */
  timeline: string[];
  /** Workflow time of the resolution, from which the room's archiving is due. */
  resolvedAtMs?: number;
  reviewCompleted: boolean;
}

/** The card without what only the worker knows (Vigil's public URL, signed links). */
export type CardFacts = Omit<ChatIncidentCard, 'incidentUrl' | 'actionLinks'>;

/** The chat workflow's id: one per incident, from the run that opened it (see `webhookDeliveryWorkflowId`). */
export function incidentChatWorkflowId(incidentRunId: string): string {
  return `chat/${incidentRunId}`;
}

/** A room's name, unique per incident (a retried open finds it), and readable in a channel list. */
export function roomName(card: Pick<CardFacts, 'code' | 'service'>): string {
  const service = card.service.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return `inc-${card.code.toLowerCase()}${service ? `-${service}` : ''}`;
}
