import twilio from 'twilio';
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

/** Rewrites every request the SDK makes onto another base URL, keeping path and query. */
class RedirectingRequestClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: URL) {
    super();
  }

  override request<TData>(opts: TwilioRequestClient.RequestOptions<TData>) {
    const original = new URL(opts.uri);
    const redirected = new URL(original.pathname + original.search, this.baseUrl);
    return super.request<TData>({ ...opts, uri: redirected.toString() });
  }
}

/** How many of a recipient's newest messages a retry looks through for an earlier attempt's page. */
const RECONCILE_LOOKBACK = 50;
/** Hosts' clocks and Twilio's disagree by a little; an intent's time is widened by this much. */
const CLOCK_SKEW_MS = 60_000;

/** SMS through the Twilio SDK. */
export function createTwilioSmsTransport(settings: TwilioSettings): SmsTransport {
  const client = twilio(settings.accountSid, settings.authToken, {
    httpClient: settings.apiBaseUrl ? new RedirectingRequestClient(new URL(settings.apiBaseUrl)) : undefined,
  });
  const fromField = settings.from.startsWith('MG') ? { messagingServiceSid: settings.from } : { from: settings.from };
  return {
    name: 'twilio',
    async send(message: SmsMessage): Promise<{ id: string }> {
      const created = await client.messages.create({ to: message.to, body: message.body, ...fromField });
      return { id: created.sid };
    },
    async findAccepted(message: SmsMessage, since: Date): Promise<string[]> {
      // Not filtered by DateSent: a message Twilio accepted but still holds in its queue has no
      // date_sent yet, and that is the very message a retry must find. The newest messages to
      // this number are enough; the time bound is applied to date_created below.
      const listed = await client.messages.list({
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
