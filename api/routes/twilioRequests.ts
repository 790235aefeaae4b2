/**
 * What every Twilio webhook (SMS replies, voice keys) does first: load the SDK, and refuse a
 * request that Twilio did not sign for the URL it reached, before anything else reads it.
 */
import type { Request } from 'express';
import type { Logger } from 'pino';
import type { VigilConfig } from '../../domain/config';
import type { IncidentGateway } from '../gateways/incidentGateway';
import { HttpError } from '../http/httpErrors';
import type { InboundMessages } from '../records/inboundMessages';

/** What a Twilio webhook route (SMS replies, voice keys) is built from. */
export interface TwilioWebhookDeps {
  gateway: IncidentGateway;
  config: VigilConfig;
  publicUrl: string;
  twilioAuthToken?: string;
  logger: Logger;
  /** Requests already acted on (SQL store), by MessageSid or call round: a replay acts once. Without it the route answers 503. */
  inboundMessages?: InboundMessages;
}

/**
 * The Twilio SDK, loaded when the first webhook arrives rather than at start: it is a fifth of
 * the API's start time, and most requests never need it. `warmTwilioSdk` loads it once the API listens.
 */
let twilioSdk: Promise<typeof import('twilio')> | undefined;
export const warmTwilioSdk = () => (twilioSdk ??= import('twilio').then((module) => module.default));

export interface TwilioWebhookSettings {
  authToken: string;
  /** The address Twilio reaches this API at: the signature covers the full URL it called. */
  publicUrl: string;
  logger: Logger;
  /** Named in the refusal's log line ("twilio sms webhook", "twilio voice callback"). */
  what: string;
}

/** The SDK and the request's form parameters, once `X-Twilio-Signature` matches; else a 403. */
export async function verifiedTwilioRequest(req: Request, settings: TwilioWebhookSettings) {
  const params = (req.body ?? {}) as Record<string, string>;
  const signature = req.get('x-twilio-signature') ?? '';
  const twilio = await warmTwilioSdk();
  const url = `${settings.publicUrl}${req.originalUrl}`;
  if (!signature || !twilio.validateRequest(settings.authToken, signature, url, params)) {
    settings.logger.warn({ url }, `${settings.what} refused: bad signature`);
    throw new HttpError(403, 'invalid Twilio signature', [{ field: 'x-twilio-signature', message: `does not match a request to ${url}` }]);
  }
  return { twilio, params };
}
