/**
 * A small API for a chat platform's inbound routes (#16): the access policy in front, as in
 * `api/app.ts`, then the routes, then the error handler, with a handler that records every
 * `ChatInbound` it is given and answers (slowly when told), so tests see exactly what a verified
 * request turned into and that a refused one reached nothing.
 */
import express, { type Router } from 'express';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { accessPolicy } from '../api/access/accessPolicy';
import type { ChatInboundHandler } from '../api/chat/answerWithin';
import { errorHandler, notFoundRoute } from '../api/http/httpErrors';
import type { ChatInbound } from '../domain/chat/platform';

/** What the fake handler answers a request id it has seen (the shared handler's words). */
export const HANDLED_AGAIN = 'This request was handled already; nothing done again.';

export async function startChatRouteApp(routes: (handle: ChatInboundHandler) => Router) {
  const heard: ChatInbound[] = [];
  const seen = new Set<string>();
  let delayMs = 0;
  let failure: Error | undefined;
  // Acts once per request id and gives the id back on failure, as the shared handler does (api/chat/chatInbound.ts).
  const handle: ChatInboundHandler = async (inbound) => {
    const key = `${inbound.platform}:${inbound.requestId}`;
    if (seen.has(key)) return { text: HANDLED_AGAIN };
    seen.add(key);
    heard.push(inbound);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (failure) {
      seen.delete(key);
      throw failure;
    }
    const what = inbound.request.kind === 'action' ? inbound.request.action : inbound.request.command.verb;
    return { text: `done: ${what} for ${inbound.userId}` };
  };
  const app = express();
  app.use('/v1', accessPolicy({ apiKeys: new Map(), publicReads: false }));
  app.use(routes(handle));
  app.use(notFoundRoute);
  app.use(errorHandler(pino({ level: 'silent' })));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    heard,
    /** The handler takes this long from now on (to pass a platform's deadline). */
    slowDown(ms: number) {
      delayMs = ms;
    },
    /** The handler throws this from now on (undefined: it answers again). */
    failWith(error: Error | undefined) {
      failure = error;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type ChatRouteApp = Awaited<ReturnType<typeof startChatRouteApp>>;
