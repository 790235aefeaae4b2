/**
 * The TwiML of a voice page, built with the twilio SDK's `VoiceResponse` (the caller passes the
 * class, so the SDK stays loaded lazily): the incident read out inside a one-key `<Gather>` whose
 * action is Vigil's callback, once per round; no key at all falls through to the next round, and
 * after the last one the call says goodbye and hangs up. Used by the worker that places the call
 * and by the callback that answers a key it does not know.
 */
import type VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import type { VoiceCall } from '../domain/channels/voice';

type VoiceResponseClass = new () => VoiceResponse;

/** Seconds a round waits for a key after the message ends. */
const KEY_WAIT_SECONDS = 6;

/** The callback URL of round `round` (signed by Twilio as a whole, so the round cannot be forged). */
export function gatherRoundUrl(gatherUrl: string, round: number): string {
  return `${gatherUrl}${gatherUrl.includes('?') ? '&' : '?'}round=${round}`;
}

/** Rounds `firstRound` to `call.rounds`, each reading `call.script`; `preface` is said first (e.g. "That key does nothing."). */
export function voicePageTwiml(Response: VoiceResponseClass, call: VoiceCall, firstRound = 1, preface?: string): string {
  const response = new Response();
  if (preface) response.say(preface);
  for (let round = firstRound; round <= call.rounds; round++) {
    const gather = response.gather({ numDigits: 1, action: gatherRoundUrl(call.gatherUrl, round), method: 'POST', timeout: KEY_WAIT_SECONDS, actionOnEmptyResult: false });
    gather.say(call.script);
  }
  response.say('No key was pressed. Goodbye.');
  response.hangup();
  return response.toString();
}

/** A short spoken answer, then the call ends. */
export function voiceSayTwiml(Response: VoiceResponseClass, text: string): string {
  const response = new Response();
  response.say(text);
  response.hangup();
  return response.toString();
}
