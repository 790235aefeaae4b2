import express, { Router, type Request } from 'express';
import type { Logger } from 'pino';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import { z } from 'zod';
import type { VigilConfig } from '../../domain/config';
import { lazyTelnyxClient } from '../../platform/telnyxClient';
import type { IncidentGateway } from '../gateways/incidentGateway';
import { HttpError, validationError } from '../http/httpErrors';
import type { InboundMessages } from '../records/inboundMessages';
import { createSmsReplies, type SmsReplyOutcome } from '../sms/smsReplies';
import { errorResponse, type SenderRoute } from './operationParts';

export const TELNYX_SMS_PATH = '/v1/webhooks/telnyx/sms';

/** How far a request's `telnyx-timestamp` may be from now (Telnyx's own SDKs allow five minutes). */
export const TELNYX_TIMESTAMP_TOLERANCE_SECONDS = 300;
/**
 * How long handled message ids are kept: a request older than the timestamp window is refused
 * anyway, so a day is ample (Telnyx retries for minutes, not days).
 */
export const TELNYX_MESSAGE_ID_KEEP_MS = 24 * 3600 * 1000;

/** Telnyx's inbound SMS webhook, as the OpenAPI document shows it. */
export const telnyxSmsSenderRoute: SenderRoute = {
  id: 'telnyx-sms',
  description: "Responders' SMS replies (ACK, RES, ESC), as Telnyx posts them (message.received events)",
  authentication: {
    credential: 'Telnyx\'s telnyx-signature-ed25519 header: an Ed25519 signature over "<telnyx-timestamp>|<body>" with the account\'s key pair',
    checked: 'against TELNYX_PUBLIC_KEY, the timestamp within 5 minutes; each message id acts once; only configured contacts\' numbers are heard',
  },
  operations: [
    {
      method: 'post',
      path: TELNYX_SMS_PATH,
      summary: 'Inbound SMS reply from Telnyx (Ed25519 signature checked; each message acts once)',
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object' },
              example: { data: { record_type: 'event', id: 'b301ed3f-1490-491f-995f-6e64e69674d4', event_type: 'message.received', payload: { id: '7ee4241c-f127-47e5-9c34-3aac291f8058', from: { phone_number: '+15550100' }, to: [{ phone_number: '+15550199' }], text: 'ACK 4F2' } } },
            },
          },
        },
      },
      responses: {
        '200': { description: 'Handled, or nothing done and why (another event type, a replayed message, a number that is not a contact); the answer to the responder goes out by Telnyx\'s messages API', content: { 'application/json': { schema: { type: 'object' } } } },
        '400': errorResponse('not JSON, or a message.received event without its message id, sender or text'),
        '403': errorResponse('missing or bad signature, or a timestamp outside the 5-minute window'),
        '413': errorResponse('body too large'),
        '503': errorResponse('Telnyx replies not configured (no TELNYX_PUBLIC_KEY or no SQL store), or Temporal unavailable'),
      },
    },
  ],
};

export interface TelnyxWebhookDeps {
  gateway: IncidentGateway;
  config: VigilConfig;
  logger: Logger;
  /** The account's public key from the Telnyx portal (`TELNYX_PUBLIC_KEY`, base64); without it the route answers 503. */
  telnyxPublicKey?: string;
  /** `TELNYX_API_KEY`, to send the answer to a reply; without it the command acts and nobody is answered. */
  telnyxApiKey?: string;
  /** `TELNYX_API_URL`: another base for Telnyx's v2 API (a proxy, a loopback fake). */
  telnyxApiUrl?: string;
  /** Messages already acted on (SQL store); without it the route answers 503. */
  inboundMessages?: InboundMessages;
}

/** The fields of a `message.received` event Vigil reads; other fields are Telnyx's and ignored. */
const inboundEvent = z.object({
  data: z.object({
    event_type: z.string().max(100),
    payload: z.object({
      id: z.string().min(1).max(100),
      from: z.object({ phone_number: z.string().min(1).max(40) }),
      to: z.array(z.object({ phone_number: z.string().max(40) }).loose()).max(10).optional(),
      text: z.string().max(2000).optional(),
    }).loose(),
  }).loose(),
}).loose();
const anyEvent = z.object({ data: z.object({ event_type: z.string().max(100) }).loose() }).loose();

/** The key as the portal shows it, checked once at start: a wrong key would refuse every reply. */
function verifierFor(publicKey: string): TelnyxWebhook {
  try {
    return new TelnyxWebhook(publicKey.trim());
  } catch (error) {
    throw new Error(`TELNYX_PUBLIC_KEY is not a Telnyx public key (32 bytes, base64): ${(error as Error).message.replace(publicKey, '…')}`);
  }
}

/** The body as sent, once its timestamp is fresh and its signature is Telnyx's; else a 403 naming the header. */
async function verifiedBody(req: Request, verifier: TelnyxWebhook, logger: Logger): Promise<string> {
  const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  const signature = req.get('telnyx-signature-ed25519') ?? '';
  const timestamp = req.get('telnyx-timestamp') ?? '';
  const refuse = (field: string, message: string) => {
    logger.warn({ field }, `telnyx sms webhook refused: ${message}`);
    return new HttpError(403, 'invalid Telnyx signature', [{ field, message }]);
  };
  if (!signature) throw refuse('telnyx-signature-ed25519', 'missing: Telnyx signs every webhook');
  if (!/^\d{1,12}$/.test(timestamp)) throw refuse('telnyx-timestamp', 'missing or not a Unix time in seconds');
  const skew = Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp));
  if (skew > TELNYX_TIMESTAMP_TOLERANCE_SECONDS) throw refuse('telnyx-timestamp', `${skew} s from now, outside the ${TELNYX_TIMESTAMP_TOLERANCE_SECONDS} s window: a delayed or replayed request`);
  try {
    await verifier.verify(body, { 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': timestamp });
  } catch {
    throw refuse('telnyx-signature-ed25519', 'does not match the timestamp and body under TELNYX_PUBLIC_KEY');
  }
  return body;
}

/**
 * `POST /v1/webhooks/telnyx/sms`: a responder's SMS reply, as Telnyx posts it (a JSON
 * `message.received` event). The Ed25519 signature covers the timestamp and the exact body, so
 * the body is read raw here, before any JSON parser. A signed request could be replayed within
 * the window, so each message id acts once (SQL store). The command is the same as over Twilio
 * (`api/sms/smsReplies.ts`); the answer is sent back through Telnyx's messages API after the
 * webhook is answered (Telnyx wants an answer within 2 seconds). Nothing-done cases answer 200
 * with the reason: a non-2xx makes Telnyx retry and then try the failover URL, to no purpose.
 */
export function telnyxSmsRoutes(deps: TelnyxWebhookDeps): Router {
  const router = Router();
  const replies = createSmsReplies(deps);
  const verifier = deps.telnyxPublicKey ? verifierFor(deps.telnyxPublicKey) : undefined;
  const telnyx = deps.telnyxApiKey ? lazyTelnyxClient({ apiKey: deps.telnyxApiKey, baseUrl: deps.telnyxApiUrl }) : undefined;

  async function answer(to: string, from: string | undefined, text: string, messageId: string): Promise<void> {
    if (!telnyx || !from) {
      deps.logger.info({ messageId }, 'SMS reply handled; no answer sent (TELNYX_API_KEY not set on the API)');
      return;
    }
    await (await telnyx()).messages.send({ to, from, text, type: 'SMS' });
  }

  router.post(TELNYX_SMS_PATH, express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    // When the reply arrived, before any lookup: what paged the sender later is not what they answer.
    const receivedAtMs = Date.now();
    if (!verifier) throw new HttpError(503, 'SMS replies through Telnyx are not configured (TELNYX_PUBLIC_KEY is not set)');
    const body = await verifiedBody(req, verifier, deps.logger);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new HttpError(400, 'invalid body', [{ field: 'body', message: 'not JSON' }]);
    }
    const kind = anyEvent.safeParse(json);
    if (!kind.success) throw validationError(kind.error, 'body');
    // Delivery reports (message.sent, message.finalized) reach the same URL when the messaging
    // profile's webhook is this route: nothing to do.
    if (kind.data.data.event_type !== 'message.received') {
      res.json({ handled: false, reason: `${kind.data.data.event_type} events carry no reply` });
      return;
    }
    const parsed = inboundEvent.safeParse(json);
    if (!parsed.success) throw validationError(parsed.error, 'body');
    const message = parsed.data.data.payload;
    const inbound = deps.inboundMessages;
    if (!inbound) throw new HttpError(503, 'SMS replies need the SQL store (to act on each message once)');
    if (!(await inbound.claim('telnyx-sms', message.id))) {
      // A replay of a signed request, or Telnyx retrying one it thought unanswered: it does nothing again.
      deps.logger.warn({ messageId: message.id }, 'Telnyx message id seen before; replay ignored');
      res.json({ handled: false, reason: 'this message was handled before' });
      return;
    }
    let outcome: SmsReplyOutcome;
    try {
      outcome = await replies.handle(message.from.phone_number, message.text ?? '', receivedAtMs);
    } catch (error) {
      // Not acted on (Temporal unreachable): Telnyx's retry of the same message is heard.
      await inbound.release('telnyx-sms', message.id).catch(() => undefined);
      throw error;
    }
    if (!outcome.handled) {
      deps.logger.warn({ messageId: message.id }, 'SMS from a number that is not a configured contact; ignored');
      res.json({ handled: false, reason: 'the sender is not a configured contact' });
      return;
    }
    deps.logger.info({ contact: outcome.contactId, action: outcome.action, messageId: message.id }, 'SMS reply handled');
    res.json({ handled: true, action: outcome.action });
    answer(message.from.phone_number, message.to?.[0]?.phone_number, outcome.answer, message.id).catch((error: unknown) =>
      deps.logger.error({ err: error, messageId: message.id }, 'the answer to an SMS reply could not be sent through Telnyx'),
    );
  });

  return router;
}
