import type { AlertLink } from './alertContext';
import type { Channel, Responder } from './escalation';
import type { IncidentStatus } from './incident';
import type { Severity } from './severity';

/** Why someone is being told something; a page asks for action, the others inform. */
export type NotificationKind = 'page' | 'acknowledged' | 'resolved' | 'auto-resolved' | 'exhausted' | 'update' | 'update-due';

/** The part of an incident a message needs. */
export interface IncidentBrief {
  id: string;
  code: string;
  service: string;
  severity: Severity;
  summary: string;
  status: IncidentStatus;
  alertCount: number;
  level: number;
  acknowledgedBy?: string;
  resolvedBy?: string;
  /** One line per runbook step run so far. */
  runbookLines: string[];
  /** The newest status update, for stakeholders. */
  latestUpdate?: { text: string; by: string; eta?: string };
  /** The known problem this incident recurs under, and what to do meanwhile. */
  problem?: { title: string; workaround?: string };
  /** Key links of the alert that opened the incident (runbook, dashboard, the rule that fired), http(s) only. */
  links?: AlertLink[];
}

/** One message to one person on one channel. */
export interface NotificationRequest {
  /**
   * Same for every retry of this delivery, different for every other delivery: built from the
   * workflow id, the incident's first run, the kind, escalation level and cycle, person and
   * channel. Transports use it to make a retried activity page nobody twice.
   */
  idempotencyKey: string;
  kind: NotificationKind;
  channel: Channel;
  responder: Responder;
  incident: IncidentBrief;
  /** `low` on a low-urgency page (channels that can, such as ntfy, page it more quietly); absent: high. */
  urgency?: 'low';
}

/** The incident id already names the workflow and its first run, so it leads the key. */
export function notificationKey(parts: {
  incidentId: string;
  kind: NotificationKind;
  level: number;
  cycle: number;
  responderId: string;
  channel: Channel;
  /** Escalation round: 0 until the incident is escalated again (ack timeout, manual, re-plan). */
  round?: number;
  /** Tells apart messages of one kind sent more than once (each status update, each reminder). */
  sequence?: number;
}): string {
  const round = parts.round ? [`r${parts.round}`] : [];
  const sequence = parts.sequence !== undefined ? [`s${parts.sequence}`] : [];
  return [parts.incidentId, parts.kind, `L${parts.level}`, `c${parts.cycle}`, ...round, ...sequence, parts.responderId, parts.channel].join(':');
}
