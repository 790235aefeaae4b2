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
import { requireAccess, requireApiKey, type ApiKeys } from '../auth';

/** Paths under /v1 that authenticate by their own credential, not an API key. */
const OWN_CREDENTIAL = [/^\/integrations\//, /^\/webhooks\//, /^\/ack\//, /^\/heartbeats\/[^/]+\/ping(\/[^/]+)?\/?$/];

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
