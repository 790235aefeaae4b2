import type { SmsMessage, SmsTransport } from '../../domain/transports';
import { lazyTelnyxClient, type TelnyxClientSettings } from '../../platform/telnyxClient';

export interface TelnyxSettings extends TelnyxClientSettings {
  /** E.164 number (or alphanumeric sender id) the pages come from (`TELNYX_FROM`). */
  from?: string;
  /** Messaging profile to send through (`TELNYX_MESSAGING_PROFILE_ID`): its number pool picks the sender when `from` is absent. */
  messagingProfileId?: string;
}

/** How many of a recipient's newest message records a retry looks through for an earlier attempt's page. */
const RECONCILE_LOOKBACK = 20;
/** Hosts' clocks and Telnyx's disagree by a little; an intent's time is widened by this much. */
const CLOCK_SKEW_MS = 60_000;

/**
 * SMS through the Telnyx SDK (`POST /v2/messages`). Telnyx has no list of sent messages with their
 * text, so a retry asks in two steps: the message detail records (`GET /v2/detail_records`,
 * messaging, outbound, to this number, created since the intent), which Telnyx writes when it
 * takes a message, then each candidate's message (`GET /v2/messages/{id}`) for its text. A
 * candidate with this page's text is this page, unless another delivery already confirmed it.
 */
export function createTelnyxSmsTransport(settings: TelnyxSettings): SmsTransport & { warm(): Promise<void> } {
  if (!settings.from && !settings.messagingProfileId) throw new Error('Telnyx SMS needs TELNYX_FROM or TELNYX_MESSAGING_PROFILE_ID');
  const client = lazyTelnyxClient(settings);
  const sender = { ...(settings.from ? { from: settings.from } : {}), ...(settings.messagingProfileId ? { messaging_profile_id: settings.messagingProfileId } : {}) };
  return {
    name: 'telnyx',
    warm: async () => void (await client()),
    async send(message: SmsMessage): Promise<{ id: string }> {
      const sent = await (await client()).messages.send({ to: message.to, text: message.body, type: 'SMS', ...sender });
      if (!sent.data?.id) throw new Error('Telnyx accepted the message but returned no id');
      return { id: sent.data.id };
    },
    async findAccepted(message: SmsMessage, since: Date): Promise<string[]> {
      const telnyx = await client();
      const page = await telnyx.detailRecords.list({
        filter: {
          record_type: 'messaging',
          direction: 'outbound',
          cld: message.to,
          ...(settings.from ? { cli: settings.from } : {}),
          created_at: { gte: new Date(since.getTime() - CLOCK_SKEW_MS).toISOString() },
        },
        sort: ['-created_at'],
        'page[size]': RECONCILE_LOOKBACK,
      });
      // One page: the newest records are enough, and each candidate costs a request below.
      const candidates = page.data
        .map((record) => ('uuid' in record && record.direction !== 'inbound' ? record.uuid : undefined))
        .filter((id): id is string => typeof id === 'string' && id.length > 0);
      const found: string[] = [];
      for (const id of candidates) {
        const { data } = await telnyx.messages.retrieve(id);
        if (data && data.direction === 'outbound' && data.text === message.body) found.push(id);
      }
      return found;
    },
  };
}
