import express, { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { answerOnResponseUrl, answerWithin, DEFAULT_ANSWER_WITHIN_MS, type ChatInboundHandler } from '../chat/answerWithin';
import { slackInteraction, slackSlashCommand, type SlackRequest } from '../chat/slack/slackInbound';
import { checkSlackSignature } from '../chat/slack/slackSignature';
import { HttpError } from '../http/httpErrors';
import { errorResponse, type SenderRoute } from './operationParts';

export const SLACK_INTERACTIONS_PATH = '/v1/webhooks/slack/interactions';
export const SLACK_COMMANDS_PATH = '/v1/webhooks/slack/commands';

/** Where Slack's `response_url`s point; a signed request naming any other host is not followed. */
export const SLACK_RESPONSE_URL_PREFIX = 'https://hooks.slack.com/';

const signedForm = { 'application/x-www-form-urlencoded': { schema: { type: 'object' as const } } };
const refusals = {
  '400': errorResponse('a body that is not a Slack interaction or slash command'),
  '401': errorResponse('no X-Slack-Signature'),
  '403': errorResponse('bad signature, a timestamp outside the 5-minute window, or another workspace'),
  '413': errorResponse('body too large'),
  '503': errorResponse('Slack is not configured (no SLACK_SIGNING_SECRET)'),
};

/** Slack's interactivity and slash command requests, as the OpenAPI document shows them (once mounted). */
export const slackSenderRoute: SenderRoute = {
  id: 'slack',
  description: 'Slack: buttons on incident cards (interactivity) and the /vigil slash command',
  authentication: {
    credential: "Slack's X-Slack-Signature header: v0 HMAC-SHA256 over v0:<X-Slack-Request-Timestamp>:<raw body> with SLACK_SIGNING_SECRET",
    checked: 'in constant time, the timestamp within 5 minutes, the workspace against SLACK_TEAM_ID when set; the caller is the Slack user id in the signed body; each trigger_id acts once',
  },
  operations: [
    {
      method: 'post',
      path: SLACK_INTERACTIONS_PATH,
      summary: 'A button pressed on an incident card (block_actions); answered at once, the outcome sent to response_url',
      request: { body: { required: true, content: signedForm } },
      responses: { '200': { description: 'received; the outcome follows on the response_url' }, ...refusals },
    },
    {
      method: 'post',
      path: SLACK_COMMANDS_PATH,
      summary: 'The /vigil slash command; the answer is an ephemeral message (or follows on response_url when acting takes longer)',
      request: { body: { required: true, content: signedForm } },
      responses: { '200': { description: 'the answer, shown to the caller only', content: { 'application/json': { schema: { type: 'object' } } } }, ...refusals },
    },
  ],
};

export interface SlackChatDeps {
  /** `SLACK_SIGNING_SECRET` (the app's Basic Information page); without it both routes answer 503. */
  signingSecret?: string;
  /** `SLACK_TEAM_ID`: when set, requests from any other workspace are refused. */
  teamId?: string;
  /** The shared chat handler: maps the caller to a contact, holds them to its role, acts once per request id. */
  handle: ChatInboundHandler;
  logger: Logger;
  /** How long to wait for the handler before answering Slack and following up (default 2 s). */
  answerWithinMs?: number;
  /** Where a `response_url` may point (default Slack's own hooks host; tests use a loopback fake). */
  responseUrlPrefix?: string;
  /** The clock the timestamp window is judged by (tests move it). */
  now?: () => number;
}

/**
 * `POST /v1/webhooks/slack/interactions` and `POST /v1/webhooks/slack/commands`. The signature
 * covers the exact body, so it is read raw here and parsed only once verified; nothing is acted on
 * before. Slack wants an answer within 3 seconds: the handler gets two, and an answer that takes
 * longer (or any answer to a button, whose HTTP answer Slack does not show) goes to the request's
 * `response_url` as a message only the caller sees.
 */
export function slackChatRoutes(deps: SlackChatDeps): Router {
  const router = Router();
  const { handle } = deps;
  const now = deps.now ?? Date.now;
  const withinMs = deps.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS;
  const responsePrefix = deps.responseUrlPrefix ?? SLACK_RESPONSE_URL_PREFIX;

  function verifiedForm(req: Request): URLSearchParams {
    if (!deps.signingSecret) throw new HttpError(503, 'Slack is not configured (SLACK_SIGNING_SECRET is not set)');
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const check = checkSlackSignature({ signature: req.get('x-slack-signature'), timestamp: req.get('x-slack-request-timestamp'), rawBody }, deps.signingSecret, now());
    if (!check.ok) {
      deps.logger.warn({ field: check.detail.field, path: req.path }, `slack request refused: ${check.detail.message}`);
      throw new HttpError(check.problem === 'missing' ? 401 : 403, 'invalid Slack signature', [check.detail]);
    }
    return new URLSearchParams(rawBody.toString('utf8'));
  }

  /** Acts, answering in the HTTP response when `inline` and the answer is ready in time, else on the response_url. */
  async function act(res: Response, request: SlackRequest, inline: boolean): Promise<void> {
    if (request.kind === 'ignored') {
      res.status(200).end();
      return;
    }
    if (request.kind === 'usage') {
      res.json({ response_type: 'ephemeral', text: request.text });
      return;
    }
    const { inbound, responseUrl } = request;
    deps.logger.info({ user: inbound.userId, kind: inbound.request.kind, requestId: inbound.requestId }, 'slack request');
    const answer = await answerWithin(handle, inbound, withinMs, deps.logger);
    if (inline && answer.early) {
      res.json({ response_type: 'ephemeral', text: answer.early.text });
      return;
    }
    res.status(200).end();
    const { text } = await answer.settled;
    await answerOnResponseUrl(responseUrl, responsePrefix, { response_type: 'ephemeral', replace_original: false, text }).catch((error: unknown) => deps.logger.warn({ err: error, requestId: inbound.requestId }, 'could not answer on the Slack response_url'));
  }

  const rawForm = express.raw({ type: () => true, limit: '256kb' });
  router.post(SLACK_INTERACTIONS_PATH, rawForm, async (req, res) => {
    await act(res, slackInteraction(verifiedForm(req), deps.teamId), false);
  });
  router.post(SLACK_COMMANDS_PATH, rawForm, async (req, res) => {
    await act(res, slackSlashCommand(verifiedForm(req), deps.teamId), true);
  });
  return router;
}
