import type { z } from 'zod';
import type { AlertLink } from '../alertContext';
import type { IncidentStatus } from '../incident';
import type { NotificationKind, NotificationRequest } from '../notification';
import type { Severity } from '../severity';
import type { ChannelDefinition, RenderContext } from './channel';
import { renderNtfy } from './ntfy';

/**
 * Webhook pager: a page is POSTed as JSON, signed the Standard Webhooks way, to a system that pages
 * people its own way (an on-call bridge, a home-grown bot), with signed single-use links that
 * acknowledge or resolve the incident. The address is the contact's (often a "team" contact that
 * stands for the system): an https URL and the name of the environment variable holding the
 * signing secret. The transport is `activities/channels/webhook.ts`.
 */

/** An environment variable's name as shells accept it (as `webhooks[].secretEnv`). */
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;
/** How the secret's variable rides in the address (a fragment is never sent to a server). */
const SECRET_ENV_MARK = '#secretEnv=';
/** Hosts plain http may be used for: nothing leaves the machine. */
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** Where a contact's pages are POSTed, and the variable (on the workers) holding the signing secret. */
export interface WebhookAddress {
  url: string;
  secretEnv: string;
}

/**
 * https, or http to this machine only: a page carries links that acknowledge and resolve, which
 * must not cross a network in clear. No user or password in the URL (the signature
 * authenticates), and no fragment (the address uses it).
 */
export function isWebhookPagerUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username || url.password || url.hash || text.includes('#')) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname));
}

/** The address a responder carries: the URL, then the secret's variable as a fragment. */
export function formatWebhookAddress({ url, secretEnv }: WebhookAddress): string {
  return `${url}${SECRET_ENV_MARK}${secretEnv}`;
}

/** A responder's webhook address back into its parts; undefined when it is not one. */
export function parseWebhookAddress(address: string): WebhookAddress | undefined {
  const mark = address.lastIndexOf(SECRET_ENV_MARK);
  if (mark < 0) return undefined;
  const url = address.slice(0, mark);
  const secretEnv = address.slice(mark + SECRET_ENV_MARK.length);
  return ENV_NAME.test(secretEnv) && isWebhookPagerUrl(url) ? { url, secretEnv } : undefined;
}

/**
 * In config, `webhook: { url: "https://bridge.example.com/vigil/page", secretEnv: "VIGIL_PAGER_BRIDGE_SECRET" }`:
 * the variable is named, the secret itself never is (as for `webhooks[]`). No shorthand without a
 * secret: an unsigned page would let anyone who knows the URL send pages the receiver believes.
 */
const webhookAddressSchema = (zod: typeof z): z.ZodType<string> =>
  zod
    .strictObject(
      {
        url: zod.string().max(2048).refine(isWebhookPagerUrl, 'an https:// URL (http:// only to localhost) without user, password or #fragment'),
        secretEnv: zod.string().regex(ENV_NAME, 'the name of an environment variable holding the signing secret, such as VIGIL_PAGER_BRIDGE_SECRET'),
      },
      { error: (issue) => (issue.code === 'invalid_type' ? '{ url, secretEnv }: where pages are POSTed, and the variable holding their signing secret' : undefined) },
    )
    .transform(formatWebhookAddress);

/** The incident as a page carries it (the fields of `IncidentBrief` a receiver can use, plus its links). */
export interface WebhookPageIncident {
  id: string;
  /** The six-character code people type (`ACK 7KQ2MX`). */
  key: string;
  service: string;
  severity: Severity;
  status: IncidentStatus;
  summary: string;
  /** The escalation level this message belongs to (1-based). */
  level: number;
  alertCount: number;
  acknowledgedBy?: string;
  resolvedBy?: string;
  latestUpdate?: { text: string; by: string; eta?: string };
  problem?: { title: string; workaround?: string };
  links?: AlertLink[];
  /** The incident in Vigil's API (needs an API key). */
  url: string;
  /** The incident on the dashboard, for people. */
  dashboardUrl: string;
}

/** The message as rendered: the transport adds `id` (the delivery's key) and `timestamp` (the attempt's). */
export interface WebhookChannelMessage {
  /** `notification.page`, `notification.acknowledged`, ... one per kind of message. */
  type: `notification.${string}`;
  data: {
    kind: NotificationKind;
    urgency: 'high' | 'low';
    /** The contact paged (for a team contact: the system itself). */
    recipient: { id: string; name: string };
    incident: WebhookPageIncident;
    /** Ready to show or post as is (the same text as an ntfy push). */
    title: string;
    text: string;
    /**
     * Pages only, when Vigil signs links (`VIGIL_LINK_SECRET`): POST (empty body) to act as the
     * recipient. Each link works once and expires (24 h).
     */
    actions?: { acknowledge?: string; resolve?: string };
  };
}

/** The JSON body a receiver gets. */
export interface WebhookPagePayload extends WebhookChannelMessage {
  /** The same as the `webhook-id` header: the delivery's key, the same on every retry. */
  id: string;
  /** When this attempt was made, ISO 8601. */
  timestamp: string;
}

function base(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

/** A notification as a webhook body (without id and timestamp). */
export function renderWebhookPage(request: NotificationRequest, context: RenderContext): WebhookChannelMessage {
  const { incident, kind, responder } = request;
  const { title, message } = renderNtfy(request, context);
  const actions = kind === 'page' && (context.ackUrl || context.resolveUrl) ? { ...(context.ackUrl ? { acknowledge: context.ackUrl } : {}), ...(context.resolveUrl ? { resolve: context.resolveUrl } : {}) } : undefined;
  const id = encodeURIComponent(incident.id);
  return {
    type: `notification.${kind.replace(/-/g, '_')}`,
    data: {
      kind,
      urgency: request.urgency ?? 'high',
      recipient: { id: responder.id, name: responder.name },
      incident: {
        id: incident.id,
        key: incident.code,
        service: incident.service,
        severity: incident.severity,
        status: incident.status,
        summary: incident.summary,
        level: incident.level,
        alertCount: incident.alertCount,
        ...(incident.acknowledgedBy ? { acknowledgedBy: incident.acknowledgedBy } : {}),
        ...(incident.resolvedBy ? { resolvedBy: incident.resolvedBy } : {}),
        ...(incident.latestUpdate ? { latestUpdate: incident.latestUpdate } : {}),
        ...(incident.problem ? { problem: incident.problem } : {}),
        ...(incident.links?.length ? { links: incident.links } : {}),
        url: `${base(context.publicUrl)}/v1/incidents/${id}`,
        dashboardUrl: `${base(context.publicUrl)}/dashboard/incidents/${id}`,
      },
      title,
      text: message,
      ...(actions ? { actions } : {}),
    },
  };
}

/**
 * Webhook: a page POSTed to another paging system, acknowledged or resolved by the links in it.
 * Used only where config names it (a level's `channels`, a person's notification rules, then as
 * that person's fallback), like voice and ntfy: a receiver gets a page, with links that act on the
 * incident, only where a policy or the person chose it; never because an address exists.
 */
export const webhookChannel = {
  id: 'webhook',
  contactField: 'webhook',
  addressSchema: webhookAddressSchema,
  // After a person's own devices (SMS, ntfy, voice), before email, the last resort.
  pagingRank: 25,
  quiet: false,
  onlyWhenNamed: true,
  acknowledgement: { by: 'link', route: '/v1/ack/:token', actions: ['acknowledge', 'resolve'] },
  render: renderWebhookPage,
} as const satisfies ChannelDefinition<'webhook', WebhookChannelMessage>;
