import type { CallAnswer, VoiceTransport } from '../../domain/transports';
import type { VoiceCall } from '../../domain/channels/voice';
import { voicePageTwiml } from '../../platform/voiceTwiml';
import { redirectingRequestClient, type TwilioSettings } from './twilioSms';

type TwilioSdk = typeof import('twilio');

/** Seconds a call rings before Twilio gives up (`no-answer`): under a voicemail's pickup, usually about 25 s. */
const RING_SECONDS = 20;
/** How often a placed call's state is asked while it rings or a machine is being told from a person. */
const POLL_EVERY_MS = 2_000;
/** How many of a number's newest calls a retry looks through for an earlier attempt's call. */
const RECONCILE_LOOKBACK = 20;
/** Hosts' clocks and Twilio's disagree by a little; an intent's time is widened by this much. */
const CLOCK_SKEW_MS = 60_000;

/** Call states after which nothing changes any more, and those that mean nobody answered. */
const NOT_ANSWERED = new Set(['busy', 'failed', 'no-answer', 'canceled']);

/**
 * What a call's state says about reaching a person. Answering machine detection (`AnsweredBy`)
 * tells a person from voicemail: `machine_*` and `fax` are not reached; `human` and `unknown` are
 * (a person may answer tersely). Still ringing, or answered and not yet told apart: undefined.
 */
export function answerFromCall(call: { status: string; answeredBy?: string | null }): CallAnswer | undefined {
  if (NOT_ANSWERED.has(call.status)) return { reached: false, why: call.status };
  const by = call.answeredBy ?? '';
  if (by.startsWith('machine') || by === 'fax') return { reached: false, why: `answered by ${by}` };
  if (by === 'human' || by === 'unknown') return { reached: true };
  if (call.status === 'completed') return { reached: true };
  return undefined;
}

/**
 * Pages by phone call through Twilio Programmable Voice (the SDK's calls API), with TwiML inline
 * in the request: no second request to Vigil is needed before the incident is read out. The SDK
 * is loaded on first use or by `warm`, as for SMS.
 */
export function createTwilioVoiceTransport(settings: TwilioSettings, pollEveryMs = POLL_EVERY_MS): VoiceTransport & { warm(): Promise<void> } {
  let loaded: Promise<{ sdk: TwilioSdk; client: ReturnType<TwilioSdk> }> | undefined;
  const twilio = () =>
    (loaded ??= import('twilio').then(({ default: sdk }) => ({
      sdk,
      client: sdk(settings.accountSid, settings.authToken, {
        httpClient: settings.apiBaseUrl ? redirectingRequestClient(sdk, new URL(settings.apiBaseUrl)) : undefined,
      }),
    })));
  return {
    name: 'twilio-voice',
    warm: async () => void (await twilio()),
    async call(to: string, call: VoiceCall) {
      const { sdk, client } = await twilio();
      const created = await client.calls.create({
        to,
        from: settings.from,
        twiml: voicePageTwiml(sdk.twiml.VoiceResponse, call),
        machineDetection: 'Enable',
        timeout: RING_SECONDS,
      });
      return { id: created.sid };
    },
    async findPlaced(to: string, since: Date) {
      const { client } = await twilio();
      // Not filtered by StartTime: a call Twilio accepted but has not started ringing has none yet,
      // and that is the very call a retry must find. The time bound applies to date_created below.
      const listed = await client.calls.list({ to, from: settings.from, limit: RECONCILE_LOOKBACK });
      return listed
        .filter((placed) => placed.direction === 'outbound-api' && placed.dateCreated.getTime() >= since.getTime() - CLOCK_SKEW_MS)
        .sort((a, b) => b.dateCreated.getTime() - a.dateCreated.getTime())
        .map((placed) => placed.sid);
    },
    async answerOf(id: string, until: Date) {
      const { client } = await twilio();
      for (;;) {
        const call = await client.calls(id).fetch();
        const answer = answerFromCall(call);
        // A voicemail would otherwise record the whole message and its keypad prompts while the
        // page falls back to the next channel: end the call. Best effort: the answer stands.
        if (answer && !answer.reached && call.status === 'in-progress') {
          await client
            .calls(id)
            .update({ status: 'completed' })
            .catch(() => undefined);
        }
        if (answer || Date.now() + pollEveryMs > until.getTime()) return answer;
        await new Promise((resolve) => setTimeout(resolve, pollEveryMs));
      }
    },
  };
}
