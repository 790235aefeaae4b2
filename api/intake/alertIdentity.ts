/**
 * Alert ids that a sender's retry reproduces. The incident workflow counts an alert id once (it
 * remembers its latest 1,024) and the event log keeps one row per id, so a request retried after
 * a lost answer, on this replica or another, counts once exactly when its alerts get the ids the
 * first attempt gave them. The id comes from, in order of preference:
 *
 * 1. the sender's own identity of the notification (`SourceAlert.senderId`: SNS MessageId,
 *    Datadog event id, Alertmanager/Grafana group key + fingerprint + status + startsAt/endsAt);
 * 2. the request's `Idempotency-Key` header, with a digest of the body (the same key on another
 *    body is another alert, never a lost one);
 * 3. a digest of the body, within a window counted from the first time the store saw that body
 *    (`BODY_RETRY_WINDOW_SECONDS`): an identical body inside the window is taken for a retry.
 *
 * Ids are UUIDs (RFC 9562 version 8, from SHA-256), so they fit `events.id uuid` as before.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { SourceAlert } from '../adapters/types';
import type { RequestDigests } from '../records/requestDigests';

/** Long enough for a sender's timeout and a few backed-off retries; short enough that a repeat minutes later counts. */
export const BODY_RETRY_WINDOW_SECONDS = 300;

/** What of a request identifies it, besides its alerts' own sender ids. */
export interface RequestIdentity {
  /** Which endpoint took it (`/v1/alerts`, `/v1/integrations`, `/v2/enqueue`, `sns`): the same body on two routes is two requests. */
  route: string;
  /** The body as the sender meant it (secrets such as a routing key left out). */
  body: unknown;
  /** The sender's `Idempotency-Key` header, if it sent one. */
  idempotencyKey?: string;
}

/** A UUID (version 8, variant RFC 9562) made from SHA-256 of the parts: the same parts, the same id. */
export function uuidFromParts(...parts: string[]): string {
  const bytes = createHash('sha256').update(JSON.stringify(parts)).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** JSON with object keys in sorted order, so two serialisations of one body read alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function bodyDigest(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export interface AlertIdDeps {
  /** Where a body's first sighting is kept; without it, alerts without a sender identity or key get random ids. */
  digests?: RequestDigests;
  /** The body window in seconds; 0 turns the body digest off (random ids, as before). */
  bodyWindowSeconds?: number;
  logger?: Logger;
}

/**
 * The ids a request gives to what it carries, by position, when the sender names none: from its
 * `Idempotency-Key` with the body's digest, else from the body's first sighting within the window.
 * Only the window costs a query (one per request, on first use). If the store cannot say when it
 * first saw the body, the window falls back to fixed buckets of the same length: a retry then
 * counts once unless a bucket boundary falls between the two attempts; nothing is refused for it.
 */
function requestIds(deps: AlertIdDeps, integrationId: string, request: RequestIdentity, now: Date): (index: number) => Promise<string> {
  let digest: string | undefined;
  let windowStart: string | undefined;
  const windowSeconds = deps.bodyWindowSeconds ?? BODY_RETRY_WINDOW_SECONDS;

  async function bodyWindow(): Promise<string | undefined> {
    if (windowStart !== undefined || !deps.digests || windowSeconds <= 0) return windowStart;
    const scope = uuidFromParts('body', integrationId, request.route, digest ?? '');
    try {
      windowStart = `since ${await deps.digests.firstSeen(scope, windowSeconds)}`;
    } catch (error) {
      deps.logger?.warn({ err: error }, 'the store could not say when it first saw this body; using a fixed window');
      windowStart = `bucket ${Math.floor(now.getTime() / (windowSeconds * 1000))}`;
    }
    return windowStart;
  }

  // The digest only when an id is made from it: without a key or a store, ids are random, and
  // digesting the body would be work thrown away on every request.
  const digestUsed = request.idempotencyKey !== undefined || (deps.digests !== undefined && windowSeconds > 0);

  return async (index) => {
    if (!digestUsed) return randomUUID();
    digest ??= bodyDigest(request.body);
    if (request.idempotencyKey !== undefined) return uuidFromParts('key', integrationId, request.route, request.idempotencyKey, digest, String(index));
    const window = await bodyWindow();
    return window === undefined ? randomUUID() : uuidFromParts('body', integrationId, request.route, digest, window, String(index));
  };
}

/** One id per alert of a request, in order: the sender's identity of the alert when it has one, else the request's. */
export async function alertIdsFor(deps: AlertIdDeps, alerts: SourceAlert[], integrationId: string, request: RequestIdentity | undefined, now: Date): Promise<string[]> {
  const fromRequest = request ? requestIds(deps, integrationId, request, now) : undefined;
  const ids: string[] = [];
  for (const [index, alert] of alerts.entries()) {
    if (alert.senderId) ids.push(uuidFromParts('sender', integrationId, alert.source, alert.senderId));
    else ids.push(fromRequest ? await fromRequest(index) : randomUUID());
  }
  return ids;
}

/**
 * The id of a request that carries no alert (a PagerDuty change event, an Opsgenie note): derived
 * as an alert's is when its sender names none, so the sender's retry, on any replica, gets it again.
 */
export function requestIdFor(deps: AlertIdDeps, integrationId: string, request: RequestIdentity, now: Date): Promise<string> {
  return requestIds(deps, integrationId, request, now)(0);
}
