/**
 * The inbound routes of the chat platforms (#16): each verifies its platform's requests its own way
 * (signature, token, JWT, room membership), turns them into a `ChatInbound`, and hands it to the one
 * `chatInbound` handler (`api/chat/chatInbound.ts`), answering with the reply in its platform's form.
 * To add one: export a `ChatRouteFactory` from `api/routes/chat<Platform>.ts` and add it here (and
 * its path to `api/access/accessPolicy.ts`'s own-credential list and its operations to the OpenAPI document).
 */
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { VigilConfig } from '../../domain/config';
import type { ChatInboundHandler } from './chatInbound';

export interface ChatRouteDeps {
  chatInbound: ChatInboundHandler;
  config: VigilConfig;
  /** Where each platform's secrets are read. */
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

export type ChatRouteFactory = (deps: ChatRouteDeps) => Router;

/** One line per platform: `slackRoutes,` and so on. */
export const CHAT_ROUTES: readonly ChatRouteFactory[] = [];
