/**
 * What Temporal visibility holds of Vigil's workflows: the custom search-attribute keys and the
 * memo shapes. Apart from the workflow messages (which need `@temporalio/workflow`), so the API's
 * listings and the activities that look up incidents read them without any workflow module.
 */
import { defineSearchAttributeKey } from '@temporalio/common';

/** Workflow type names, as listings filter by them (`WorkflowType = ...`) and clients start them. */
export const INCIDENT_WORKFLOW_TYPE = 'incidentWorkflow';
export const PROBLEM_WORKFLOW_TYPE = 'problemWorkflow';
export const INCIDENT_CHAT_WORKFLOW_TYPE = 'incidentChatWorkflow';

/**
 * Custom search attributes: the API lists and filters incidents through Temporal visibility,
 * so there is no second copy of incident state to drift.
 */
export const searchAttributes = {
  status: defineSearchAttributeKey('VigilStatus', 'KEYWORD'),
  severity: defineSearchAttributeKey('VigilSeverity', 'KEYWORD'),
  service: defineSearchAttributeKey('VigilService', 'KEYWORD'),
  code: defineSearchAttributeKey('VigilCode', 'KEYWORD'),
  /** Contact ids paged for this incident, so a bare SMS "ACK" finds the sender's incident. */
  paged: defineSearchAttributeKey('VigilPaged', 'KEYWORD_LIST'),
  /** What makes incidents "the same" for recurrence (`domain/recurrence.ts`): earlier ones are found by it. */
  fingerprint: defineSearchAttributeKey('VigilFingerprint', 'KEYWORD'),
  /** A problem workflow's status, `open` or `closed` (problems also carry VigilService). */
  problemStatus: defineSearchAttributeKey('VigilProblemStatus', 'KEYWORD'),
  /** KPIs (`domain/kpis.ts`, docs/kpis.md): when the incident opened (carried across its runs). */
  openedAt: defineSearchAttributeKey('VigilOpenedAt', 'DATETIME'),
  /** KPIs: its first acknowledgement (a re-acknowledgement after a re-trigger does not move it). */
  acknowledgedAt: defineSearchAttributeKey('VigilAcknowledgedAt', 'DATETIME'),
  /** KPIs: when it was resolved. */
  resolvedAt: defineSearchAttributeKey('VigilResolvedAt', 'DATETIME'),
  /** KPIs: what resolved it: `human`, `runbook`, `source` or `flap` (`ResolverKind`). */
  resolvedBy: defineSearchAttributeKey('VigilResolvedBy', 'KEYWORD'),
  /** KPIs: pages delivered, set once its notices have settled after resolution. */
  pages: defineSearchAttributeKey('VigilPages', 'INT'),
  /** An incident chat side's room (`platform:channelId`, `chatRoomKey`), so any API finds the incident a room is for. */
  chatRoom: defineSearchAttributeKey('VigilChatRoom', 'KEYWORD'),
} as const;

/** Name and type of each attribute, for registering them on a cluster or dev server. */
export type SearchAttributeTypeName = 'Keyword' | 'KeywordList' | 'Datetime' | 'Int';
const SEARCH_ATTRIBUTE_TYPE_NAMES: Record<string, SearchAttributeTypeName> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', DATETIME: 'Datetime', INT: 'Int' };
export const SEARCH_ATTRIBUTE_DEFINITIONS: Array<{ name: string; type: SearchAttributeTypeName }> = Object.values(searchAttributes).map((key) => ({
  name: key.name,
  type: SEARCH_ATTRIBUTE_TYPE_NAMES[key.type],
}));

/** Memo fields each incident workflow carries, so a listing needs no query per incident. */
export interface IncidentMemo {
  incidentId: string;
  summary: string;
}

/** Memo of each problem run, so a listing needs no query per problem. */
export interface ProblemMemo {
  problemId: string;
  title: string;
  openedAt: string;
  workaround?: string;
}

/** The search-attribute value naming a chat room: its platform and channel, which together are unique. */
export function chatRoomKey(room: { platform: string; channelId: string }): string {
  return `${room.platform}:${room.channelId}`;
}

/**
 * Memo of an incident's chat side once its room is open: the incident and the room, so the API
 * links the dashboard to the room and maps a room to its incident through visibility alone, with
 * no store shared with the worker (decision 79).
 */
export const CHAT_ROOM_MEMO_KEY = 'chatRoom';
export interface ChatRoomMemo {
  incidentId: string;
  platform: string;
  channelId: string;
  url?: string;
}
