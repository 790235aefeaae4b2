import type TwilioRequestClient from 'twilio/lib/base/RequestClient';
import type { SmsMessage, SmsTransport } from '../../domain/transports';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** E.164 number or messaging service SID the pages come from. */
  from: string;
  /**
   * Base URL to send the SDK's requests to instead of Twilio's hosts (an egress proxy, or a
   * loopback fake in tests). The path is kept, only scheme, host and port change.
   */
  apiBaseUrl?: string;
}

type TwilioSdk = typeof import('twilio');

/** A request client that rewrites every request the SDK makes onto another base URL, keeping path and query. */
export function redirectingRequestClient(twilio: TwilioSdk, baseUrl: URL): TwilioRequestClient {
  class RedirectingRequestClient extends twilio.RequestClient {
    override request<TData>(opts: TwilioRequestClient.RequestOptions<TData>) {
      const original = new URL(opts.uri);
      const redirected = new URL(original.pathname + original.search, baseUrl);
      return super.request<TData>({ ...opts, uri: redirected.toString() });
    }
  }
  return new RedirectingRequestClient();
}

/** How many of a recipient's newest messages a retry looks through for an earlier attempt's page. */
const RECONCILE_LOOKBACK = 50;
/** Hosts' clocks and Twilio's disagree by a little; an intent's time is widened by this much. */
const CLOCK_SKEW_MS = 60_000;

/**
 * SMS through the Twilio SDK. The SDK is loaded on first use (or by `warm`), not at start: it
 * costs a fifth of a second of a worker's start, which is time a replacement worker is not polling.
 */
export function createTwilioSmsTransport(settings: TwilioSettings): SmsTransport & { warm(): Promise<void> } {
  let loaded: Promise<ReturnType<TwilioSdk>> | undefined;
  const twilioClient = () =>
    (loaded ??= import('twilio').then(({ default: twilio }) =>
      twilio(settings.accountSid, settings.authToken, {
        httpClient: settings.apiBaseUrl ? redirectingRequestClient(twilio, new URL(settings.apiBaseUrl)) : undefined,
      }),
    ));
  const fromField = settings.from.startsWith('MG') ? { messagingServiceSid: settings.from } : { from: settings.from };
  return {
    name: 'twilio',
    warm: async () => void (await twilioClient()),
    async send(message: SmsMessage): Promise<{ id: string }> {
      const created = await (await twilioClient()).messages.create({ to: message.to, body: message.body, ...fromField });
      return { id: created.sid };
    },
    async findAccepted(message: SmsMessage, since: Date): Promise<string[]> {
      // Not filtered by DateSent: a message Twilio accepted but still holds in its queue has no
      // date_sent yet, and that is the very message a retry must find. The newest messages to
      // this number are enough; the time bound is applied to date_created below.
      const listed = await (await twilioClient()).messages.list({
        to: message.to,
        ...(fromField.from ? { from: fromField.from } : {}),
        limit: RECONCILE_LOOKBACK,
      });
      return listed
        .filter((sent) => sent.direction !== 'inbound' && sent.body === message.body && sent.dateCreated.getTime() >= since.getTime() - CLOCK_SKEW_MS)
        .map((sent) => sent.sid);
    },
  };
}
