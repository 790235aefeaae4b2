/**
 * How Vigil hears Matrix (#16): as an application service, the homeserver pushes the events of the
 * rooms the bot is in to `PUT <url>/_matrix/app/v1/transactions/<txnId>`, `<url>` being
 * `VIGIL_PUBLIC_URL/v1/webhooks/matrix` in the registration (docs/chat.md). A push every API replica
 * can take, with no long-lived `/sync` loop to keep on one of them.
 */
import express, { Router, type Request } from 'express';
import type { MatrixClient } from 'matrix-js-sdk';
import type { Logger } from 'pino';
import { z } from 'zod';
import { MATRIX_INCIDENT_FIELD } from '../../domain/chat/matrixCard';
import { meaningOf, type MatrixRoomEvent } from '../../domain/chat/matrixEvent';
import type { ChatCommand, ChatInbound } from '../../domain/chat/platform';
import type { ParsedChatCommand } from '../../domain/chat/commands';
import { HttpError, validationError } from '../http/httpErrors';
import { tooDeepField } from '../http/inputLimits';
import { sameSecret } from '../http/sameSecret';
import { lazyMatrixClient, matrixSettingsFromEnv } from '../../platform/matrixClient';
import { errorResponse, pathParam, type SenderRoute } from './operationParts';

/** Where the registration's `url` points (the homeserver appends `/_matrix/app/v1/...`). */
export const MATRIX_APPSERVICE_BASE = '/v1/webhooks/matrix';
export const MATRIX_TRANSACTIONS_PATH = `${MATRIX_APPSERVICE_BASE}/_matrix/app/v1/transactions/:txnId`;

/**
 * A transaction holds at most 100 timeline events of at most 64 KiB each (Synapse's limits), so
 * the 256 KB of other JSON routes is too little; a refused transaction would stop every later one.
 */
const TRANSACTION_BODY_LIMIT = '8mb';

export const matrixAppServiceSenderRoute: SenderRoute = {
  id: 'matrix-appservice',
  description: 'Reactions on incident cards and `!vigil` commands in Matrix rooms, pushed by the homeserver to Vigil as an application service',
  authentication: {
    credential: "the registration's hs_token, as `Authorization: Bearer <hs_token>` (MATRIX_APPSERVICE_HS_TOKEN)",
    checked: "in constant time; events count only from rooms the bot is in and senders who are joined members; each event acts once (the chat handler's claim in the SQL store)",
  },
  operations: [
    {
      method: 'put',
      path: `${MATRIX_APPSERVICE_BASE}/_matrix/app/v1/transactions/{txnId}`,
      summary: 'A transaction of room events from the Matrix homeserver (hs_token checked; each event acts once)',
      parameters: [pathParam('txnId')],
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object' },
              example: { events: [{ type: 'm.room.message', event_id: '$ev1', room_id: '!room:example.com', sender: '@alice:example.com', content: { msgtype: 'm.text', body: '!vigil ack 7KQ2MX' } }] },
            },
          },
        },
      },
      responses: {
        '200': { description: 'Taken: every event of the transaction was handled or is not for Vigil (an empty JSON object, as the spec asks)', content: { 'application/json': { schema: { type: 'object' } } } },
        '400': errorResponse('not a transaction (no `events` array)'),
        '401': errorResponse('no hs_token, or a wrong one'),
        '413': errorResponse('body too large'),
        '503': errorResponse('Matrix not configured on this API (MATRIX_APPSERVICE_HS_TOKEN or the bot settings missing), or the homeserver unreachable'),
      },
    },
  ],
};

/** Reads `!vigil` command text (the words after the prefix) into a command, or the problem to answer. */
export type ChatCommandParser = (text: string) => ParsedChatCommand;

/**
 * The shared inbound handler (api/chat/): acts as the caller's contact, and says what it did. It
 * claims the event id (`chat_requests`), so an event acts once on any replica; `replayed` says it
 * had been handled before, and then nothing is answered (the first answer stands).
 */
export type ChatInboundHandler = (inbound: ChatInbound) => Promise<{ text: string; replayed?: boolean }>;

export interface MatrixAppServiceDeps {
  /** The registration's `hs_token` (`MATRIX_APPSERVICE_HS_TOKEN`): proves a push is the homeserver's. */
  hsToken?: string;
  /** The bot (MATRIX_USER_ID) and its client, to check membership, read cards and answer. */
  bot?: { userId: string; client: () => Promise<MatrixClient> };
  handle?: ChatInboundHandler;
  parseCommand?: ChatCommandParser;
  logger: Logger;
}

/** The hs_token and the bot from the environment (`MATRIX_APPSERVICE_HS_TOKEN`, `MATRIX_*`); the handler is the chat core's. */
export function matrixAppServiceFromEnv(env: NodeJS.ProcessEnv): Pick<MatrixAppServiceDeps, 'hsToken' | 'bot'> {
  const settings = matrixSettingsFromEnv(env);
  return { hsToken: env.MATRIX_APPSERVICE_HS_TOKEN?.trim() || undefined, bot: settings && { userId: settings.userId, client: lazyMatrixClient(settings) } };
}

const transactionBody = z.object({ events: z.array(z.unknown()).max(1000) }).loose();
const roomEvent = z.object({
  type: z.string().max(255),
  event_id: z.string().min(1).max(255),
  room_id: z.string().min(1).max(255),
  sender: z.string().min(1).max(255),
  content: z.record(z.string(), z.unknown()),
}).loose();

/** The bearer token of the request; the deprecated `?access_token=` form is refused (tokens in URLs end up in logs). */
function presentedToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S{1,512})$/i.exec(req.get('authorization')?.trim() ?? '');
  return match?.[1];
}

const errcodeOf = (error: unknown) => (error as { errcode?: string } | undefined)?.errcode;

export function matrixAppServiceRoutes(deps: MatrixAppServiceDeps): Router {
  const router = Router();

  /**
   * Answers in the room, as a reply to the event: a notice (bots' messages that notify nobody). The
   * transaction id names the event, so an answer sent again is the same event. The homeserver's
   * refusal (the room's power levels forbid the bot to speak) is logged, not thrown: a transaction
   * answered 503 comes back, and one that can never pass would hold up every later one.
   */
  async function answer(client: MatrixClient, event: MatrixRoomEvent, text: string): Promise<void> {
    const content = { msgtype: 'm.notice', body: text, 'm.relates_to': { 'm.in_reply_to': { event_id: event.event_id } } };
    try {
      await client.sendEvent(event.room_id, 'm.room.message' as never, content as never, `vigil-answer-${event.event_id}`);
    } catch (error) {
      const errcode = errcodeOf(error);
      if (errcode === undefined || errcode === 'M_LIMIT_EXCEEDED') throw error;
      deps.logger.warn({ errcode, room: event.room_id, event: event.event_id }, 'the homeserver refused the answer to a Matrix command or reaction');
    }
  }

  /** The sender's membership, as the bot sees the room; undefined when the bot is not in it (the homeserver refuses). */
  async function membership(client: MatrixClient, roomId: string, userId: string): Promise<string | undefined> {
    try {
      return ((await client.getStateEvent(roomId, 'm.room.member', userId)) as { membership?: string }).membership;
    } catch (error) {
      if (errcodeOf(error) === 'M_FORBIDDEN' || errcodeOf(error) === 'M_NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** The incident of the card a reaction is on: only a card the bot itself posted names one. */
  async function incidentOfCard(client: MatrixClient, roomId: string, eventId: string, botUserId: string): Promise<string | undefined> {
    const card = await client.fetchRoomEvent(roomId, eventId).catch((error: unknown) => {
      if (errcodeOf(error) === 'M_NOT_FOUND' || errcodeOf(error) === 'M_FORBIDDEN') return undefined;
      throw error;
    });
    if (card?.sender !== botUserId) return undefined;
    const incident = (card.content as Record<string, unknown> | undefined)?.[MATRIX_INCIDENT_FIELD] as { id?: unknown } | undefined;
    return typeof incident?.id === 'string' ? incident.id : undefined;
  }

  async function handleEvent(raw: unknown, bot: NonNullable<MatrixAppServiceDeps['bot']>, handle: ChatInboundHandler, parseCommand: ChatCommandParser): Promise<void> {
    const parsed = roomEvent.safeParse(raw);
    if (!parsed.success) return;
    const event = parsed.data as MatrixRoomEvent;
    const meaning = meaningOf(event, bot.userId);
    if (!meaning) return;
    const client = await bot.client();
    // The homeserver let the sender post there, but the bot must be in the room and the sender a joined member now.
    if ((await membership(client, event.room_id, event.sender)) !== 'join') {
      deps.logger.info({ room: event.room_id, event: event.event_id }, 'Matrix event from a room the bot is not in, or a sender not joined; ignored');
      return;
    }
    let request: ChatInbound['request'];
    if (meaning.kind === 'reaction') {
      const incidentId = await incidentOfCard(client, event.room_id, meaning.onEventId, bot.userId);
      if (incidentId === undefined) return;
      request = { kind: 'action', action: meaning.action, incidentId };
    } else {
      const command = parseCommand(meaning.text);
      if (!command.ok) {
        // Nothing is done, so nothing is claimed: a re-sent event gets the same answer event.
        await answer(client, event, command.error);
        return;
      }
      request = { kind: 'command', command: command.command };
    }
    let reply: string;
    try {
      const handled = await handle({ platform: 'matrix', userId: event.sender, channelId: event.room_id, request, requestId: event.event_id });
      if (handled.replayed) {
        deps.logger.info({ event: event.event_id }, 'Matrix event handled before (a re-sent transaction); not answered again');
        return;
      }
      reply = handled.text;
    } catch (error) {
      // Not retried through the homeserver: a transaction that keeps failing holds up every later one.
      deps.logger.error({ err: error, event: event.event_id }, 'a Matrix command or reaction failed');
      reply = 'Vigil could not do that just now; please try again.';
    }
    await answer(client, event, reply);
  }

  const authenticate: express.RequestHandler = (req, _res, next) => {
    if (!deps.hsToken) throw new HttpError(503, 'Matrix is not configured on this API (MATRIX_APPSERVICE_HS_TOKEN is not set)');
    const token = presentedToken(req);
    if (token === undefined) throw new HttpError(401, 'the homeserver token is missing', [{ field: 'authorization', message: 'expected Authorization: Bearer <hs_token>' }], { errcode: 'M_UNAUTHORIZED' });
    if (!sameSecret(deps.hsToken, token)) throw new HttpError(401, 'the homeserver token is wrong', [{ field: 'authorization', message: "not this application service's hs_token" }], { errcode: 'M_FORBIDDEN' });
    next();
  };

  router.put(MATRIX_TRANSACTIONS_PATH, authenticate, express.json({ limit: TRANSACTION_BODY_LIMIT, strict: true, type: () => true }), async (req, res) => {
    const tooDeep = tooDeepField(req.body);
    if (tooDeep) throw new HttpError(400, 'invalid body', [tooDeep]);
    const body = transactionBody.safeParse(req.body);
    if (!body.success) throw validationError(body.error, 'body');
    const { bot, handle, parseCommand } = deps;
    if (!bot || !handle || !parseCommand) throw new HttpError(503, 'Matrix commands are not configured on this API (the bot settings or the chat handler are missing)');
    // In order, one at a time: a reaction after a command in the same transaction comes after it.
    // The homeserver unreachable is a 503, and it sends the transaction again; the events already
    // taken are not handled twice (the handler's claim). The handler's own failures are answered.
    try {
      for (const event of body.data.events) await handleEvent(event, bot, handle, parseCommand);
    } catch (error) {
      deps.logger.warn({ err: error, txnId: req.params.txnId }, 'a Matrix transaction could not be handled; the homeserver will send it again');
      throw new HttpError(503, 'the homeserver could not be reached; send the transaction again');
    }
    res.json({});
  });

  return router;
}
