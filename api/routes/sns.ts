import express, { Router } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';
import { cloudwatchAdapter } from '../adapters/cloudwatch';
import { AdapterInputError } from '../adapters/types';
import { tooDeepField } from '../http/inputLimits';
import { HttpError, parseOr400 } from '../http/httpErrors';
import { isSigningCertUrl, isSubscribeUrl, signatureIsValid, snsEnvelopeSchema } from '../sns/snsMessage';
import type { SnsFetcher } from '../sns/snsFetcher';
import { acceptAlerts } from '../intake/receive';
import type { IntegrationDeps } from './integrations';
import { sameSecret } from '../http/sameSecret';
import { errorResponse, pathParam, type SenderRoute } from './operationParts';
import { snsTimestampProblem } from '../sns/snsFreshness';
import type { InboundMessages } from '../records/inboundMessages';
import type { AlarmAdvance, AlarmState, AlarmStates } from '../records/alarmStates';
import type { SourceAlert } from '../adapters/types';

export interface SnsDeps extends IntegrationDeps {
  fetcher: SnsFetcher;
  logger: Logger;
  /** MessageIds already taken (SQL store); without it notifications answer 503. */
  inboundMessages?: InboundMessages;
  /** Newest state change per alarm (SQL store); without it notifications answer 503. */
  alarmStates?: AlarmStates;
  /** The clock freshness is judged by (tests move it). */
  now?: () => number;
}

/** The alarm a CloudWatch alert came from and when its state changed, when the alarm says so. */
function alarmChangeOf(alert: SourceAlert): { key: string; change: AlarmState } | undefined {
  const stateChangeTime = alert.details?.stateChangeTime;
  const at = typeof stateChangeTime === 'string' ? Date.parse(stateChangeTime) : Number.NaN;
  // The adapter's dedup key is the alarm's ARN: the key ALARM and OK pair up by.
  return Number.isNaN(at) || !alert.dedupKey ? undefined : { key: alert.dedupKey, change: { state: alert.status ?? 'firing', at: new Date(at) } };
}


/** CloudWatch alarms through SNS, as the OpenAPI document shows them. */
export const snsSenderRoute: SenderRoute = {
  id: 'sns',
  description: 'Amazon SNS HTTPS subscription carrying CloudWatch alarms',
  authentication: {
    credential: 'the token of an integration of source cloudwatch, as the last path segment (SNS sets no headers); and the SNS signature of every message',
    checked: "the token in constant time first; then the message's signature against AWS's certificate (fetched only from an SNS host), its topic and its age",
  },
  operations: [
    {
      method: 'post',
      path: '/v1/webhooks/sns/{integrationId}/{token}',
      summary: 'CloudWatch alarms through an SNS HTTPS subscription: signature verified, subscription confirmed, each MessageId acts once (SNS posts JSON as text/plain)',
      parameters: [pathParam('integrationId'), pathParam('token')],
      request: {
        body: {
          required: true,
          content: {
            // SNS says text/plain; the message inside is JSON (a body sent as application/json is not read as SNS).
            'text/plain': {
              schema: { type: 'string', contentMediaType: 'application/json', contentSchema: z.toJSONSchema(snsEnvelopeSchema, { io: 'input' }) as Record<string, unknown> },
              example: JSON.stringify(cloudwatchAdapter.example),
            },
          },
        },
      },
      responses: {
        '200': { description: 'subscription confirmed or removed, or a duplicate or stale notification: nothing done' },
        '202': { description: 'every alert held' },
        '400': errorResponse('malformed JSON, not an SNS message or CloudWatch alarm, an untrusted certificate or subscription URL, or a stale message'),
        '401': errorResponse('unknown integration or wrong token'),
        '403': errorResponse('invalid signature, or a topic the integration does not accept'),
        '413': errorResponse('body too large'),
        '503': errorResponse('the signing certificate could not be fetched, the SQL store is not configured, or Temporal unavailable'),
      },
    },
  ],
};

/**
 * `POST /v1/webhooks/sns/:integrationId/:token`: CloudWatch alarms through an SNS HTTPS
 * subscription. SNS cannot set headers, so the token is in the path; it posts JSON as
 * `text/plain`. Every message's signature is verified against AWS's certificate (fetched only
 * from an SNS host and certificate path) before anything else happens, and a subscription link
 * is visited only after that, on an SNS host, without following redirects.
 */
export function snsRoutes(deps: SnsDeps): Router {
  const now = deps.now ?? Date.now;
  const router = Router();
  router.post('/v1/webhooks/sns/:integrationId/:token', express.text({ type: () => true, limit: '256kb' }), async (req, res) => {
    const { integrationId, token } = req.params;
    const integration = deps.config.integrations[integrationId];
    const expected = integration?.source === 'cloudwatch' ? deps.env[integration.tokenEnv] : undefined;
    if (!expected || !sameSecret(expected, token)) {
      deps.onRefused(integration ? integrationId : 'unknown');
      throw new HttpError(401, 'unknown integration or wrong token', [{ field: 'token', message: 'expected the token of a cloudwatch integration' }]);
    }
    let body: unknown;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      throw new HttpError(400, 'malformed JSON', [{ field: 'body', message: 'an SNS message is JSON' }]);
    }
    const tooDeep = tooDeepField(body);
    if (tooDeep) throw new HttpError(400, 'invalid body', [tooDeep]);
    const message = parseOr400(snsEnvelopeSchema, body, 'body');
    if (!isSigningCertUrl(message.SigningCertURL)) {
      throw new HttpError(400, 'untrusted signing certificate URL', [{ field: 'body.SigningCertURL', message: 'must be https on an SNS host, /SimpleNotificationService-*.pem' }]);
    }
    let certificate: string;
    try {
      certificate = await deps.fetcher.certificate(message.SigningCertURL);
    } catch (error) {
      // AWS retries on 5xx: a certificate we could not fetch now may be fetched on the next try.
      deps.logger.warn({ err: error }, 'could not fetch the SNS signing certificate');
      throw new HttpError(503, 'could not fetch the SNS signing certificate; try again');
    }
    if (!signatureIsValid(message, certificate)) {
      deps.onRefused(integrationId);
      throw new HttpError(403, 'invalid SNS signature', [{ field: 'body.Signature', message: 'does not verify against the signing certificate' }]);
    }

    // Signed by AWS is not enough: any AWS account can sign messages of its own topics.
    const pinned = integration.topicArns;
    if (!pinned?.includes(message.TopicArn)) {
      deps.onRefused(integrationId);
      deps.logger.warn({ integration: integrationId, topicArn: message.TopicArn, type: message.Type }, pinned ? 'SNS message from a topic not pinned for this integration; refused' : 'SNS message refused: pin its topic in the integration\'s topicArns to accept it');
      throw new HttpError(403, 'SNS topic not accepted by this integration', [
        { field: `integrations.${integrationId}.topicArns`, message: pinned ? `does not list ${message.TopicArn}` : `is not set: add ${message.TopicArn} to accept its messages` },
      ]);
    }
    const stale = snsTimestampProblem(message.Timestamp, now());
    if (stale) {
      deps.logger.warn({ integration: integrationId, messageId: message.MessageId, timestamp: message.Timestamp }, 'stale SNS message refused');
      throw new HttpError(400, 'stale SNS message', [{ field: 'body.Timestamp', message: stale }]);
    }

    if (message.Type === 'SubscriptionConfirmation') {
      if (!message.SubscribeURL || !isSubscribeUrl(message.SubscribeURL)) {
        throw new HttpError(400, 'untrusted subscription URL', [{ field: 'body.SubscribeURL', message: 'must be https on an SNS host with Action=ConfirmSubscription' }]);
      }
      await deps.fetcher.confirm(message.SubscribeURL);
      deps.logger.info({ topic: message.TopicArn, integration: integrationId }, 'SNS subscription confirmed');
      res.json({ status: 'subscribed', topicArn: message.TopicArn });
      return;
    }
    if (message.Type === 'UnsubscribeConfirmation') {
      deps.logger.warn({ topic: message.TopicArn, integration: integrationId }, 'SNS subscription removed');
      res.json({ status: 'unsubscribed' });
      return;
    }
    let parsed;
    try {
      parsed = cloudwatchAdapter.parse(message, { defaultService: integration.service });
    } catch (error) {
      if (error instanceof AdapterInputError) throw new HttpError(400, 'not a CloudWatch alarm', [{ field: error.field, message: error.message }]);
      throw error;
    }
    const { inboundMessages, alarmStates } = deps;
    if (!inboundMessages || !alarmStates) throw new HttpError(503, 'SNS notifications need the SQL store');
    // A redelivery (SNS retries, at-least-once) or a replay: answered 200 so SNS stops, counted once.
    if (!(await inboundMessages.claim('sns', message.MessageId))) {
      deps.logger.info({ integration: integrationId, messageId: message.MessageId }, 'repeated SNS MessageId dropped');
      res.status(200).json({ status: 'duplicate', messageId: message.MessageId });
      return;
    }
    const alarm = parsed.length === 1 ? alarmChangeOf(parsed[0]) : undefined;
    let advance: AlarmAdvance | undefined;
    try {
      advance = alarm ? await alarmStates.advance(alarm.key, alarm.change) : undefined;
      if (alarm && advance && !advance.advanced) {
        deps.logger.info({ integration: integrationId, messageId: message.MessageId, alarm: alarm.key, stateChangeTime: alarm.change.at, latest: advance.latest }, 'CloudWatch state change older than one already seen; dropped');
        res.status(200).json({ status: 'stale', messageId: message.MessageId, latestStateChangeTime: advance.latest?.at.toISOString() });
        return;
      }
      res.status(202).json({ status: 'accepted', alerts: parsed.length, ...(await acceptAlerts(deps, parsed, integrationId, { route: 'sns', body: message })) });
    } catch (error) {
      // Not held: give the id and the alarm's state back so SNS's retry is heard.
      if (alarm && advance?.advanced) await alarmStates.restore(alarm.key, alarm.change, advance.previous).catch(() => undefined);
      await inboundMessages.release('sns', message.MessageId).catch(() => undefined);
      throw error;
    }
  });
  return router;
}
