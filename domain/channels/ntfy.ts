import type { z } from 'zod';
import { oneLine } from '../messages';
import type { NotificationKind, NotificationRequest } from '../notification';
import type { ChannelDefinition, RenderContext } from './channel';

/**
 * ntfy (self-hosted push, https://ntfy.sh): a page is published to the person's own topic on their
 * own ntfy server, with priority by urgency and "Acknowledge" / "Resolve" buttons that POST to
 * Vigil's signed single-use action links (`/v1/ack/:token`). The transport is
 * `activities/channels/ntfy.ts`.
 */

/** ntfy's topic names: letters, digits, `-` and `_`, at most 64. */
const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;
/** An environment variable's name as shells accept it. */
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;
/** How a contact's token variable rides in the address (a URL fragment is never sent to a server). */
const TOKEN_ENV_MARK = '#tokenEnv=';

/** Where a person's pages go: their ntfy server, their topic, and the variable holding their access token. */
export interface NtfyAddress {
  /** The server's base URL without a trailing slash (`https://ntfy.example.org`): the JSON publish API is POSTed here. */
  serverUrl: string;
  topic: string;
  /** The environment variable (on the workers) holding this person's topic access token; absent: publish without one. */
  tokenEnv?: string;
}

/** `https://ntfy.example.org/alice-pages` as server and topic; undefined for anything else. */
function topicUrlParts(text: string): { serverUrl: string; topic: string } | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash) return undefined;
  const segments = url.pathname.split('/');
  const topic = segments.pop() ?? '';
  if (!TOPIC.test(topic)) return undefined;
  return { serverUrl: `${url.origin}${segments.join('/')}`, topic };
}

/** The address a responder carries (the topic URL, then the token variable as a fragment). */
export function formatNtfyAddress({ serverUrl, topic, tokenEnv }: NtfyAddress): string {
  return `${serverUrl}/${topic}${tokenEnv ? `${TOKEN_ENV_MARK}${tokenEnv}` : ''}`;
}

/** A responder's ntfy address back into its parts; undefined when it is not one. */
export function parseNtfyAddress(address: string): NtfyAddress | undefined {
  const mark = address.indexOf(TOKEN_ENV_MARK);
  const tokenEnv = mark >= 0 ? address.slice(mark + TOKEN_ENV_MARK.length) : undefined;
  if (tokenEnv !== undefined && !ENV_NAME.test(tokenEnv)) return undefined;
  const parts = topicUrlParts(mark >= 0 ? address.slice(0, mark) : address);
  return parts ? { ...parts, ...(tokenEnv ? { tokenEnv } : {}) } : undefined;
}

const TOPIC_URL_HINT = 'an http(s) topic URL on your ntfy server, such as https://ntfy.example.org/alice-pages';

/**
 * In config, `ntfy: "https://ntfy.example.org/alice-pages"` (a topic anyone may publish to), or
 * `ntfy: { topic: "https://ntfy.example.org/alice-pages", tokenEnv: "ALICE_NTFY_TOKEN" }`: the
 * variable is named, the token itself never is.
 */
const ntfyAddressSchema = (zod: typeof z): z.ZodType<string> =>
  zod.preprocess(
    (value) => (typeof value === 'string' ? { topic: value } : value),
    zod
      .strictObject({
        topic: zod.string().refine((text) => topicUrlParts(text) !== undefined, TOPIC_URL_HINT),
        tokenEnv: zod.string().regex(ENV_NAME, 'the name of an environment variable holding the access token, such as ALICE_NTFY_TOKEN').optional(),
      })
      .transform(({ topic, tokenEnv }) => formatNtfyAddress({ ...(topicUrlParts(topic) as { serverUrl: string; topic: string }), ...(tokenEnv ? { tokenEnv } : {}) })),
  );

/** A button that makes the ntfy app send an HTTP request (here: POST to a signed action link). */
export interface NtfyHttpAction {
  action: 'http';
  label: string;
  url: string;
  method: 'POST';
  /** Dismisses the notification once the request succeeded. */
  clear: true;
}

/** What is published, as ntfy's JSON publish API takes it (the transport adds topic and sequence id). */
export interface NtfyMessage {
  title: string;
  message: string;
  /** ntfy's 1 (min) to 5 (max, "urgent": bypasses Do Not Disturb where the person allowed it). */
  priority: 1 | 2 | 3 | 4 | 5;
  /** Tags; those naming an emoji show as one. */
  tags: string[];
  /** Opened when the notification is tapped: the incident on the dashboard. */
  click: string;
  actions?: NtfyHttpAction[];
}

/**
 * Priority by urgency: a high-urgency page and "nobody acknowledged" are urgent (5), a
 * low-urgency page default (3), news about an incident low (2), a reminder lowest but one (2).
 */
export function ntfyPriority(request: Pick<NotificationRequest, 'kind' | 'urgency'>): NtfyMessage['priority'] {
  if (request.kind === 'page') return request.urgency === 'low' ? 3 : 5;
  if (request.kind === 'exhausted') return 5;
  if (request.kind === 'update') return 3;
  return 2;
}

const HEADLINES: Record<NotificationKind, string> = {
  page: 'Page',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  'auto-resolved': 'Auto-resolved by runbook',
  exhausted: 'NOBODY ACKNOWLEDGED',
  update: 'Status update',
  'update-due': 'Status update due',
};

/** The emoji tag leading each kind (ntfy shows it before the title). */
const KIND_TAGS: Record<NotificationKind, string> = {
  page: 'rotating_light',
  acknowledged: 'eyes',
  resolved: 'white_check_mark',
  'auto-resolved': 'white_check_mark',
  exhausted: 'sos',
  update: 'memo',
  'update-due': 'hourglass',
};

/** ntfy keeps a message up to 4096 bytes as text; longer ones become attachments. */
const MAX_MESSAGE_CHARS = 1500;

function dashboardUrl(publicUrl: string, incidentId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/dashboard/incidents/${encodeURIComponent(incidentId)}`;
}

/** A notification as an ntfy message: a page carries Acknowledge and Resolve buttons when links are signed. */
export function renderNtfy(request: NotificationRequest, { publicUrl, ackUrl, resolveUrl }: RenderContext): NtfyMessage {
  const { incident, kind } = request;
  const lines = [oneLine(incident.summary, 300), `Service ${oneLine(incident.service, 80)}, ${incident.severity}, code ${incident.code}.`];
  if (kind === 'page') lines.push(`Escalation level ${incident.level}.`);
  if (kind === 'exhausted') lines.push('Every level was paged and nobody acknowledged.');
  if (kind === 'update' && incident.latestUpdate) lines.push(`${oneLine(incident.latestUpdate.by, 60)}: ${oneLine(incident.latestUpdate.text, 600)}`);
  if (kind === 'update-due') lines.push('Stakeholders are waiting for a status update.');
  if (incident.acknowledgedBy) lines.push(`Acknowledged by ${oneLine(incident.acknowledgedBy, 80)}.`);
  if (incident.resolvedBy) lines.push(`Resolved by ${oneLine(incident.resolvedBy, 80)}.`);
  if (kind === 'page' && incident.problem?.workaround) lines.push(`Workaround: ${oneLine(incident.problem.workaround, 300)}`);
  const actions: NtfyHttpAction[] = [];
  if (kind === 'page' && ackUrl) actions.push({ action: 'http', label: 'Acknowledge', url: ackUrl, method: 'POST', clear: true });
  if (kind === 'page' && resolveUrl) actions.push({ action: 'http', label: 'Resolve', url: resolveUrl, method: 'POST', clear: true });
  const message = lines.join('\n');
  return {
    title: oneLine(`[${incident.code}] ${HEADLINES[kind]}: ${incident.severity} ${incident.service}`, 120),
    message: message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : message,
    priority: ntfyPriority(request),
    tags: [KIND_TAGS[kind], incident.severity],
    click: dashboardUrl(publicUrl, incident.id),
    ...(actions.length > 0 ? { actions } : {}),
  };
}

/**
 * ntfy: push to the person's topic on their self-hosted server, acknowledged or resolved by the
 * buttons (signed links). Used only where config names it (a level's channels, a person's
 * notification rules), like voice: a person given a topic is not pushed to on top of everything
 * configs written before ntfy already sent them, and a low-urgency or reminder choice stays email.
 */
export const ntfyChannel = {
  id: 'ntfy',
  contactField: 'ntfy',
  addressSchema: ntfyAddressSchema,
  pagingRank: 15,
  quiet: false,
  onlyWhenNamed: true,
  acknowledgement: { by: 'link', route: '/v1/ack/:token', actions: ['acknowledge', 'resolve'] },
  render: renderNtfy,
} as const satisfies ChannelDefinition<'ntfy', NtfyMessage>;
