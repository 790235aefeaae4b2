import type { IncidentBrief, NotificationKind, NotificationRequest } from '../notification';
import { oneLine } from '../messages';
import type { ChannelDefinition } from './channel';
import { smsChannel } from './sms';

/** The path Twilio posts a call's keypad answer to (`api/routes/twilioVoice.ts`). */
export const VOICE_GATHER_PATH = '/v1/webhooks/twilio/voice';

/** How many times a call reads its message while nobody presses a key it knows (GoAlert repeats too). */
export const VOICE_ROUNDS = 3;

/** The keys a call listens for, as GoAlert's users know them. */
export const VOICE_KEYS = { '4': 'acknowledge', '6': 'resolve', '5': 'escalate' } as const;
export type VoiceAction = (typeof VOICE_KEYS)[keyof typeof VOICE_KEYS];

/** A call as the voice transport places it: what is read out, and where the keypad answer goes. */
export interface VoiceCall {
  /** Read out once per round, the key instructions included. */
  script: string;
  /** Vigil's callback for this incident's keypad answer, without its round (the TwiML adds it). */
  gatherUrl: string;
  rounds: number;
}

/** `7KQ2MX` read out character by character ("7. K. Q. 2. M. X."), so a speech engine does not say a word. */
function spelled(code: string): string {
  return code.split('').join('. ');
}

/** What a call says about an incident: severity, service, summary, short code, then the keys. */
export function voiceScript(incident: Pick<IncidentBrief, 'code' | 'service' | 'severity' | 'summary'>, kind: NotificationKind = 'page'): string {
  const lead = kind === 'exhausted' ? 'Vigil: escalation is exhausted and nobody acknowledged' : 'Vigil page';
  return [
    `${lead}. ${incident.severity} incident on ${oneLine(incident.service, 60)}.`,
    `${oneLine(incident.summary, 200)}.`,
    `Incident code ${spelled(incident.code)}.`,
    'Press 4 to acknowledge, 6 to resolve, 5 to escalate.',
  ].join(' ');
}

/** Vigil's callback for an incident's keypad answer (absolute: it sits in TwiML Twilio runs). */
export function voiceGatherUrl(publicUrl: string, incidentId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${VOICE_GATHER_PATH}?incident=${encodeURIComponent(incidentId)}`;
}

/**
 * Voice: a phone call that reads the incident out and hears a key (4 acknowledge, 6 resolve, 5
 * escalate). It calls the contact's `phone`, the number SMS uses, so it is used only where config
 * names it (a level's channels, a person's notification rules): a person without rules is not
 * called on top of the SMS they always got. A call nobody answers, busy, failed or taken by a
 * machine counts as not reached, so the page falls back. Only pages and "nobody acknowledged"
 * call; a call to say an incident was acknowledged would wake someone for nothing.
 */
export const voiceChannel = {
  id: 'voice',
  contactField: 'phone',
  addressSchema: smsChannel.addressSchema,
  responderField: 'phone',
  pagingRank: 20,
  quiet: false,
  onlyWhenNamed: true,
  kinds: ['page', 'exhausted'],
  acknowledgement: { by: 'reply', route: VOICE_GATHER_PATH },
  render: (request: NotificationRequest, { publicUrl }): VoiceCall => ({
    script: voiceScript(request.incident, request.kind),
    gatherUrl: voiceGatherUrl(publicUrl, request.incident.id),
    rounds: VOICE_ROUNDS,
  }),
} as const satisfies ChannelDefinition<'voice', VoiceCall>;
