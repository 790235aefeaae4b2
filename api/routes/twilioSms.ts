import express, { Router } from 'express';
import { HttpError } from '../http/httpErrors';
import { createSmsReplies, type SmsReplyOutcome } from '../sms/smsReplies';
import { errorResponse, type SenderRoute } from './operationParts';
import { verifiedTwilioRequest, type TwilioWebhookDeps } from './twilioRequests';


/** Twilio's inbound SMS webhook, as the OpenAPI document shows it. */
export const twilioSmsSenderRoute: SenderRoute = {
  id: 'twilio-sms',
  description: "Responders' SMS replies (ACK, RES, ESC), as Twilio posts them",
  authentication: {
    credential: "Twilio's X-Twilio-Signature header, an HMAC of the public URL and the form with TWILIO_AUTH_TOKEN",
    checked: "with the Twilio SDK over the configured public URL; each MessageSid acts once; only configured contacts' numbers are heard",
  },
  operations: [
    {
      method: 'post',
      path: '/v1/webhooks/twilio/sms',
      summary: 'Inbound SMS reply from Twilio (signature checked; each MessageSid acts once)',
      request: {
        body: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: { type: 'object' },
              example: { MessageSid: 'SM0123456789abcdef0123456789abcdef', From: '+15550100', To: '+15550199', Body: 'ACK 4F2' },
            },
          },
        },
      },
      responses: {
        '200': { description: 'TwiML reply; empty for a replayed MessageSid or a number that is not a contact', content: { 'text/xml': { schema: { type: 'string' } } } },
        '400': errorResponse('no MessageSid'),
        '403': errorResponse('bad signature'),
        '413': errorResponse('body too large'),
        '415': errorResponse('a charset other than UTF-8'),
        '503': errorResponse('SMS replies not configured (no TWILIO_AUTH_TOKEN or no SQL store), or Temporal unavailable'),
      },
    },
  ],
};

/**
 * `POST /v1/webhooks/twilio/sms`: a responder's SMS reply, as Twilio posts it. The signature is
 * checked over the public URL Twilio called (a proxy in front changes scheme, host and port, so
 * it is configured, never read from the request). A signature does not expire, so each
 * `MessageSid` acts once (recorded in the SQL store); only configured contacts are heard, and only
 * about incidents that paged them or whose escalation policy names them.
 */
export function twilioSmsRoutes(deps: TwilioWebhookDeps): Router {
  const router = Router();
  const replies = createSmsReplies(deps);

  router.post('/v1/webhooks/twilio/sms', express.urlencoded({ extended: false, limit: '64kb' }), async (req, res) => {
    // When the reply arrived, before any lookup: what paged the sender later is not what they answer.
    const receivedAtMs = Date.now();
    if (!deps.twilioAuthToken) throw new HttpError(503, 'SMS replies are not configured (TWILIO_AUTH_TOKEN is not set)');
    const { twilio, params } = await verifiedTwilioRequest(req, { authToken: deps.twilioAuthToken, publicUrl: deps.publicUrl, logger: deps.logger, what: 'twilio sms webhook' });
    const inbound = deps.inboundMessages;
    if (!inbound) throw new HttpError(503, 'SMS replies need the SQL store (to act on each message once)');
    const messageSid = typeof params.MessageSid === 'string' ? params.MessageSid : '';
    if (!messageSid) throw new HttpError(400, 'no MessageSid', [{ field: 'MessageSid', message: 'Twilio sends one with every message' }]);
    const twiml = new twilio.twiml.MessagingResponse();
    if (!(await inbound.claim('sms', messageSid))) {
      // A replay of a signed request (or Twilio retrying one we answered): it does nothing again.
      deps.logger.warn({ messageSid }, 'SMS MessageSid seen before; replay ignored');
      res.type('text/xml').send(twiml.toString());
      return;
    }
    let outcome: SmsReplyOutcome;
    try {
      outcome = await replies.handle(String(params.From ?? ''), String(params.Body ?? ''), receivedAtMs);
    } catch (error) {
      // Not acted on (Temporal unreachable): the same message may be tried again.
      await inbound.release('sms', messageSid).catch(() => undefined);
      throw error;
    }
    if (!outcome.handled) {
      deps.logger.warn({ messageSid }, 'SMS from a number that is not a configured contact; ignored');
      res.type('text/xml').send(twiml.toString());
      return;
    }
    deps.logger.info({ contact: outcome.contactId, action: outcome.action, messageSid }, 'SMS reply handled');
    twiml.message(outcome.answer);
    res.type('text/xml').send(twiml.toString());
  });

  return router;
}
