import express, { Router } from 'express';
import { contactByPhone, policyContacts } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { mayCommand } from '../../domain/smsCommand';
import { VOICE_GATHER_PATH, VOICE_KEYS, VOICE_ROUNDS, voiceGatherUrl, voiceScript, type VoiceAction } from '../../domain/channels/voice';
import { voicePageTwiml, voiceSayTwiml } from '../../platform/voiceTwiml';
import { HttpError } from '../http/httpErrors';
import { IncidentConflictError, IncidentNotFoundError } from '../gateways/incidentGateway';
import { errorResponse, type SenderRoute } from './operationParts';
import { verifiedTwilioRequest, type TwilioWebhookDeps } from './twilioRequests';


/** Twilio's `<Gather>` callback of a voice page, as the OpenAPI document shows it. */
export const twilioVoiceSenderRoute: SenderRoute = {
  id: 'twilio-voice',
  description: 'The key a responder pressed during a voice page (4 acknowledge, 6 resolve, 5 escalate), as Twilio posts it',
  authentication: {
    credential: "Twilio's X-Twilio-Signature header, an HMAC of the public URL (query included) and the form with TWILIO_AUTH_TOKEN",
    checked: 'with the Twilio SDK over the configured public URL; each CallSid and round acts once; the called number must be a configured contact the incident paged or whose policy names them',
  },
  operations: [
    {
      method: 'post',
      path: VOICE_GATHER_PATH,
      summary: 'Keypad answer of a voice page from Twilio (signature checked; each call round acts once)',
      parameters: [
        { name: 'incident', in: 'query', required: true, schema: { type: 'string' }, description: 'The incident the call is about (in the signed URL Vigil gave Twilio)' },
        { name: 'round', in: 'query', required: true, schema: { type: 'integer', minimum: 1, maximum: VOICE_ROUNDS }, description: 'Which reading of the message the key was pressed in' },
      ],
      request: {
        body: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: { type: 'object' },
              example: { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15550199', To: '+15550100', Direction: 'outbound-api', Digits: '4' },
            },
          },
        },
      },
      responses: {
        '200': { description: 'TwiML: what the call says next (done, or the message again for an unknown key)', content: { 'text/xml': { schema: { type: 'string' } } } },
        '400': errorResponse('no CallSid, or no incident or round in the URL'),
        '403': errorResponse('bad signature'),
        '413': errorResponse('body too large'),
        '503': errorResponse('voice callbacks not configured (no TWILIO_AUTH_TOKEN or no SQL store), or Temporal unavailable'),
      },
    },
  ],
};

/**
 * `POST /v1/webhooks/twilio/voice?incident=<id>&round=<n>`: the key pressed during a voice page's
 * `<Gather>`. Checked exactly as the SMS webhook is: the signature over the configured public URL
 * (the query, which names the incident and round, is signed with it), each call's round acts once
 * (SQL store; a signature does not expire), and the person acting is the contact whose number
 * Twilio called (`To`), heard only about incidents that paged them or whose policy names them.
 */
export function twilioVoiceRoutes(deps: TwilioWebhookDeps): Router {
  const router = Router();
  const { gateway } = deps;

  /** What the call says after `action`, done by `by`. */
  async function act(action: VoiceAction, incidentId: string, by: string): Promise<string> {
    const actor = { by, via: 'voice' };
    try {
      if (action === 'escalate') {
        const view = await gateway.escalate(incidentId, actor);
        return `Escalated. The next level of ${view.service} is being paged. Goodbye.`;
      }
      if (action === 'resolve') {
        const view = await gateway.resolve(incidentId, actor);
        return `Resolved the ${view.service} incident. Goodbye.`;
      }
      const { incident: view, alreadyAcknowledged } = await gateway.acknowledge(incidentId, actor);
      if (alreadyAcknowledged) return `It was already acknowledged by ${view.acknowledgedBy ?? 'someone'}. Goodbye.`;
      return `Acknowledged. Escalation of the ${view.service} incident stopped. Goodbye.`;
    } catch (error) {
      if (error instanceof IncidentConflictError) return 'That incident is already resolved. Goodbye.';
      if (error instanceof IncidentNotFoundError) return 'Vigil does not know that incident. Goodbye.';
      throw error;
    }
  }

  router.post(VOICE_GATHER_PATH, express.urlencoded({ extended: false, limit: '64kb' }), async (req, res) => {
    if (!deps.twilioAuthToken) throw new HttpError(503, 'voice callbacks are not configured (TWILIO_AUTH_TOKEN is not set)');
    const { twilio, params } = await verifiedTwilioRequest(req, { authToken: deps.twilioAuthToken, publicUrl: deps.publicUrl, logger: deps.logger, what: 'twilio voice callback' });
    const inbound = deps.inboundMessages;
    if (!inbound) throw new HttpError(503, 'voice callbacks need the SQL store (to act on each key once)');
    const callSid = typeof params.CallSid === 'string' ? params.CallSid : '';
    if (!callSid) throw new HttpError(400, 'no CallSid', [{ field: 'CallSid', message: 'Twilio sends one with every call callback' }]);
    const incidentId = typeof req.query.incident === 'string' ? req.query.incident : '';
    if (!incidentId) throw new HttpError(400, 'no incident', [{ field: 'incident', message: 'the callback URL Vigil gave Twilio names the incident' }]);
    const round = Number(req.query.round);
    if (!Number.isInteger(round) || round < 1 || round > VOICE_ROUNDS) throw new HttpError(400, 'bad round', [{ field: 'round', message: `an integer from 1 to ${VOICE_ROUNDS}` }]);
    const say = (text: string) => res.type('text/xml').send(voiceSayTwiml(twilio.twiml.VoiceResponse, text));

    if (!(await inbound.claim('voice', `${callSid}:${round}`))) {
      // A replay of a signed request (or Twilio retrying one we answered): it does nothing again.
      deps.logger.warn({ callSid, round }, 'voice callback seen before; replay ignored');
      return say('This answer was already taken. Goodbye.');
    }
    // The number Twilio called: the page's callee, signed by Twilio, never a parameter of the caller's choosing.
    const called = typeof params.To === 'string' && params.Direction !== 'inbound' ? params.To : '';
    const contact = called ? contactByPhone(deps.config, called) : undefined;
    if (!contact) {
      deps.logger.warn({ callSid }, 'voice callback for a number that is not a configured contact; ignored');
      return say('This number is not a Vigil contact. Goodbye.');
    }
    let spoken: string | undefined;
    try {
      const view: IncidentView | undefined = await gateway.get(incidentId);
      const members = view?.escalation.policyId ? policyContacts(deps.config, view.escalation.policyId) : new Set<string>();
      const action = (VOICE_KEYS as Record<string, VoiceAction | undefined>)[String(params.Digits ?? '')];
      if (!view) spoken = 'Vigil does not know that incident. Goodbye.';
      else if (!mayCommand(view, contact.id, members)) spoken = 'This incident did not page you and its escalation policy does not name you. Nothing was done. Goodbye.';
      else if (action) spoken = await act(action, view.id, contact.name);
      else if (round < VOICE_ROUNDS) {
        // Any other key: the message again, a bounded number of times.
        const call = { script: voiceScript(view), gatherUrl: voiceGatherUrl(deps.publicUrl, view.id), rounds: VOICE_ROUNDS };
        deps.logger.info({ contact: contact.id, callSid, round }, 'voice callback: unknown key, message repeated');
        res.type('text/xml').send(voicePageTwiml(twilio.twiml.VoiceResponse, call, round + 1, 'That key does nothing.'));
        return;
      } else spoken = 'That key does nothing. Goodbye.';
      deps.logger.info({ contact: contact.id, action: action ?? 'none', callSid, round }, 'voice callback handled');
    } catch (error) {
      // Not acted on (Temporal unreachable): Twilio's retry of the same callback is heard.
      await inbound.release('voice', `${callSid}:${round}`).catch(() => undefined);
      throw error;
    }
    say(spoken);
  });

  return router;
}
