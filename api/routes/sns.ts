import express, { Router } from 'express';
import type { Logger } from 'pino';
import { cloudwatchAdapter } from '../adapters/cloudwatch';
import { AdapterInputError } from '../adapters/types';
import { tooDeepField } from '../inputLimits';
import { HttpError, parseOr400 } from '../httpErrors';
import { isSigningCertUrl, isSubscribeUrl, signatureIsValid, snsEnvelopeSchema } from '../sns/snsMessage';
import type { SnsFetcher } from '../sns/snsFetcher';
import { deliverAlerts, type IntegrationDeps } from './integrations';
import { sameSecret } from '../sameSecret';


/**
 * `POST /v1/webhooks/sns/:integrationId/:token`: CloudWatch alarms through an SNS HTTPS
 * subscription. SNS cannot set headers, so the token is in the path; it posts JSON as
 * `text/plain`. Every message's signature is verified against AWS's certificate (fetched only
 * from an SNS host and certificate path) before anything else happens, and a subscription link
 * is visited only after that, on an SNS host, without following redirects.
 */
export function snsRoutes(deps: IntegrationDeps & { fetcher: SnsFetcher; logger: Logger }): Router {
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
    res.status(202).json({ status: 'accepted', alerts: parsed.length, ...(await deliverAlerts(deps, parsed, integrationId)) });
  });
  return router;
}
