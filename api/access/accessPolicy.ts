/**
 * Deny by default: every `/v1` route needs a credential before any route runs. Reads need a key
 * that may read (any role but `sender`), unless the operator opened reads to the public in config;
 * `POST /v1/alerts` needs a key that may send alerts (any role but `viewer`); every other write
 * needs a valid key, and its route then checks the role that owns it. Routes that carry their own
 * credential are the only exceptions: integrations (their token), webhooks (Twilio and SNS
 * signatures), acknowledge links (signed, single-use) and heartbeat pings (the heartbeat's token;
 * the heartbeat list is a read like any other).
 */
import type { RequestHandler } from 'express';
import { requireAccess, requireApiKey, type ApiKeys } from './auth';

/**
 * Paths under /v1 that authenticate by their own credential, not an API key. Webhooks are listed
 * one by one (Twilio's SMS reply and voice key callbacks by signature, Telnyx's SMS replies by their
 * Ed25519 signature, SNS by token and signature, a Matrix homeserver's transactions by hs_token,
 * Slack's interactivity and slash commands by its signing secret's signature, Mattermost's slash
 * command by its token and buttons by their signed context), so a webhook added later needs a key
 * until it is listed here.
 */
const OWN_CREDENTIAL = [/^\/integrations\//, /^\/webhooks\/twilio\/(sms|voice)\/?$/, /^\/webhooks\/telnyx\/sms\/?$/, /^\/webhooks\/sns\//, /^\/webhooks\/slack\/(interactions|commands)\/?$/, /^\/webhooks\/mattermost\/(commands|actions)\/?$/, /^\/ack\//, /^\/heartbeats\/[^/]+\/ping(\/[^/]+)?\/?$/, /^\/webhooks\/matrix\/_matrix\/app\/v1\/transactions\/[^/]+$/];

/**
 * Routes outside /v1 (mounted at `/v2`) that authenticate by their own credential: PagerDuty's
 * Events API (the routing key in the body) and Opsgenie's Alert API (`Authorization: GenieKey`).
 * Any other `/v2` path needs an API key, so a route added there later is not open by accident.
 */
const OWN_CREDENTIAL_V2 = [/^\/enqueue$/, /^\/change\/enqueue$/, /^\/alerts(\/|$)/];

/** Mounted at `/v2`: only the sender-compatible routes above pass without an API key. */
export function v2AccessPolicy(apiKeys: ApiKeys): RequestHandler {
  return (req, res, next) => {
    if (OWN_CREDENTIAL_V2.some((pattern) => pattern.test(req.path))) return next();
    res.locals.apiKeyHolder = requireApiKey(req, apiKeys);
    next();
  };
}

export interface AccessPolicy {
  apiKeys: ApiKeys;
  /** Reads without a key (config `access.publicReads`); writes always need one. */
  publicReads: boolean;
}

/** Mounted at `/v1`, so `req.path` is relative to it. */
export function accessPolicy(policy: AccessPolicy): RequestHandler {
  return (req, res, next) => {
    if (OWN_CREDENTIAL.some((pattern) => pattern.test(req.path))) return next();
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!policy.publicReads) res.locals.apiKeyHolder = requireAccess(req, policy.apiKeys, 'read');
      return next();
    }
    res.locals.apiKeyHolder = req.path === '/alerts' ? requireAccess(req, policy.apiKeys, 'send-alerts') : requireApiKey(req, policy.apiKeys);
    next();
  };
}
