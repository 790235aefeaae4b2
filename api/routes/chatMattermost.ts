import express, { Router } from 'express';
import type { Logger } from 'pino';
import { answerOnResponseUrl, answerWithin, type ChatInboundHandler } from '../chat/answerWithin';
import { checkCommandToken, mattermostAction, mattermostSlashCommand } from '../chat/mattermost/mattermostInbound';
import { HttpError } from '../http/httpErrors';
import { errorResponse, type SenderRoute } from './operationParts';

export const MATTERMOST_COMMANDS_PATH = '/v1/webhooks/mattermost/commands';
export const MATTERMOST_ACTIONS_PATH = '/v1/webhooks/mattermost/actions';

/** Mattermost waits 30 s for an integration by default; the handler gets a third of it. */
export const MATTERMOST_ANSWER_WITHIN_MS = 10_000;

/** Mattermost's slash command and button requests, as the OpenAPI document shows them (once mounted). */
export const mattermostSenderRoute: SenderRoute = {
  id: 'mattermost',
  description: 'Mattermost: the /vigil slash command and buttons on incident cards',
  authentication: {
    credential: "the slash command's token (Authorization: Token, or the form's token) for commands; for buttons, an HMAC-SHA256 of action and incident in the button's context, under MATTERMOST_ACTION_SECRET",
    checked: 'in constant time; Mattermost keeps a button\'s context on its server, so only the server can present it; the caller is the user id Mattermost sends; each trigger_id acts once',
  },
  operations: [
    {
      method: 'post',
      path: MATTERMOST_COMMANDS_PATH,
      summary: 'The /vigil slash command; the answer is an ephemeral message (or follows on response_url when acting takes longer)',
      request: { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } } } },
      responses: {
        '200': { description: 'the answer, shown to the caller only', content: { 'application/json': { schema: { type: 'object' } } } },
        '400': errorResponse('not a Mattermost slash command'),
        '401': errorResponse('missing or wrong command token'),
        '413': errorResponse('body too large'),
        '503': errorResponse('Mattermost commands are not configured (no MATTERMOST_COMMAND_TOKEN)'),
      },
    },
    {
      method: 'post',
      path: MATTERMOST_ACTIONS_PATH,
      summary: 'A button pressed on an incident card, relayed by the Mattermost server; the answer is an ephemeral message',
      request: { body: { required: true, content: { 'application/json': { schema: { type: 'object' } } } } },
      responses: {
        '200': { description: '{ ephemeral_text }', content: { 'application/json': { schema: { type: 'object' } } } },
        '400': errorResponse('not a Mattermost action request from a Vigil button'),
        '401': errorResponse('no signature in the button context'),
        '403': errorResponse('a signature Vigil did not make'),
        '413': errorResponse('body too large'),
        '503': errorResponse('Mattermost buttons are not configured (no MATTERMOST_ACTION_SECRET)'),
      },
    },
  ],
};

export interface MattermostChatDeps {
  /** `MATTERMOST_COMMAND_TOKEN`, the token Mattermost shows for the slash command; without it commands answer 503. */
  commandToken?: string;
  /** `MATTERMOST_ACTION_SECRET`, the same as the workers'; without it buttons answer 503. */
  actionSecret?: string;
  /** `MATTERMOST_URL`: a command's `response_url` is followed only under `<url>/hooks/commands/`. */
  mattermostUrl?: string;
  /** The shared chat handler: maps the caller to a contact, holds them to its role, acts once per request id. */
  handle: ChatInboundHandler;
  logger: Logger;
  answerWithinMs?: number;
}

/**
 * `POST /v1/webhooks/mattermost/commands` (form, token-checked) and
 * `POST /v1/webhooks/mattermost/actions` (JSON, signed context). Nothing is acted on before the
 * credential is checked. An answer not ready in time goes to the command's `response_url`; a
 * button's late answer is the card itself, which the incident's chat side updates.
 */
export function mattermostChatRoutes(deps: MattermostChatDeps): Router {
  const router = Router();
  const { handle } = deps;
  const withinMs = deps.answerWithinMs ?? MATTERMOST_ANSWER_WITHIN_MS;
  const responsePrefix = deps.mattermostUrl ? `${deps.mattermostUrl.replace(/\/+$/, '')}/hooks/commands/` : undefined;

  router.post(MATTERMOST_COMMANDS_PATH, express.urlencoded({ extended: false, limit: '64kb' }), async (req, res) => {
    if (!deps.commandToken) throw new HttpError(503, 'Mattermost commands are not configured (MATTERMOST_COMMAND_TOKEN is not set)');
    const form = new URLSearchParams((req.body ?? {}) as Record<string, string>);
    try {
      checkCommandToken(req.get('authorization'), form, deps.commandToken);
    } catch (error) {
      deps.logger.warn({ path: req.path }, 'mattermost command refused: missing or wrong token');
      throw error;
    }
    const command = mattermostSlashCommand(form);
    if (command.kind === 'usage') {
      res.json({ response_type: 'ephemeral', text: command.text });
      return;
    }
    const { inbound, responseUrl } = command;
    const answer = await answerWithin(handle, inbound, withinMs, deps.logger);
    if (answer.early) {
      res.json({ response_type: 'ephemeral', text: answer.early.text });
      return;
    }
    res.json({ response_type: 'ephemeral', text: 'Working on it…' });
    const { text } = await answer.settled;
    await answerOnResponseUrl(responseUrl, responsePrefix ?? '\0', { response_type: 'ephemeral', text }).catch((error: unknown) =>
      deps.logger.warn({ err: error, requestId: inbound.requestId }, 'could not answer on the Mattermost response_url'),
    );
  });

  router.post(MATTERMOST_ACTIONS_PATH, express.json({ limit: '64kb' }), async (req, res) => {
    if (!deps.actionSecret) throw new HttpError(503, 'Mattermost buttons are not configured (MATTERMOST_ACTION_SECRET is not set)');
    let inbound;
    try {
      inbound = mattermostAction(req.body, deps.actionSecret);
    } catch (error) {
      if (error instanceof HttpError && error.status !== 400) deps.logger.warn({ path: req.path }, `mattermost action refused: ${error.message}`);
      throw error;
    }
    const answer = await answerWithin(handle, inbound, withinMs, deps.logger);
    res.json({ ephemeral_text: answer.early?.text ?? 'Vigil is working on it; the card changes when it is done.' });
  });
  return router;
}
