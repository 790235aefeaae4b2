/**
 * The Telnyx SDK's client, shared by the worker (pages) and the API (answers to SMS replies). It
 * is loaded on first use, not at start: most processes never send through Telnyx.
 */
import type Telnyx from 'telnyx';

export interface TelnyxClientSettings {
  /** `TELNYX_API_KEY`. */
  apiKey: string;
  /** Where the v2 API is (`TELNYX_API_URL`: an egress proxy, or a loopback fake in tests); Telnyx's own by default. */
  baseUrl?: string;
  /** How long one request may take (default 10 s, inside an activity attempt's 30 s). */
  timeoutMs?: number;
}

/**
 * A loader of one client. The SDK's own retries are off: it would send a message again after a
 * response that timed out although Telnyx may have taken the first, which is the very duplicate
 * the delivery log exists to prevent. Temporal retries instead, and a retry reconciles first.
 */
export function lazyTelnyxClient(settings: TelnyxClientSettings): () => Promise<Telnyx> {
  let loaded: Promise<Telnyx> | undefined;
  return () =>
    (loaded ??= import('telnyx').then(
      ({ default: TelnyxClient }) =>
        new TelnyxClient({ apiKey: settings.apiKey, baseURL: settings.baseUrl ?? null, maxRetries: 0, timeout: settings.timeoutMs ?? 10_000 }),
    ));
}
