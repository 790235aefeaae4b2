/**
 * The dashboard: static HTML, CSS and ES modules from `api/dashboard/`, under a Content-Security-
 * Policy that allows no inline style, no other origin and no inline script but the first page's
 * own one, named by its hash, plus two read-only JSON
 * endpoints it needs beyond the public API: the Temporal UI's address and the incidents'
 * dashboard rows. Every write the page makes goes through the ordinary API with the user's key.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import type { VigilConfig } from '../../domain/config';
import { digestFromFacts, digestIncident, type IncidentDigest } from '../../domain/incidentDigest';
import type { IncidentView } from '../../domain/incident';
import { sendJson } from '../http/compressedJson';
import { serverTimer } from '../http/serverTiming';
import { parseOr400 } from '../http/httpErrors';
import { digestQuerySchema, rowsQuerySchema } from './dashboardSchemas';
import { errorAnswers, queryParameters, unavailable, type ResourceRoutes } from './operationParts';
import { IncidentNotFoundError, type IncidentGateway } from '../gateways/incidentGateway';
import type { ChatRecords } from '../../platform/chatRecords';
import type { IncidentRoom } from '../../domain/chat/platform';

export const DASHBOARD_DIR = fileURLToPath(new URL('../dashboard/', import.meta.url));

/** Default: the UI of the Temporal dev server that `npm start` runs. */
export const DEFAULT_TEMPORAL_UI_URL = 'http://localhost:8233';

const READ_CONCURRENCY = 8;

export interface DashboardDeps {
  gateway: IncidentGateway;
  config: VigilConfig;
  /** Read for `VIGIL_TEMPORAL_UI_URL` and `TEMPORAL_NAMESPACE`. */
  env: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Incident rooms in chat (#16), so each row links to its room; absent: no links. */
  chatRooms?: Pick<ChatRecords, 'roomOf' | 'roomsOf'>;
}

/** A dashboard row: the digest, and the incident's chat room when it has one. */
type DashboardRow = IncidentDigest & { chatRoom?: IncidentRoom & { archived: boolean } };

/**
 * The hashes (CSP hash sources) of a page's inline scripts: the dashboard's first page starts its
 * first listings in one before the modules load (decision 85), and its CSP lets that script run,
 * byte for byte, and no other inline script.
 */
export function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(([, code]) => `'sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}'`);
}

const INDEX_SCRIPT_HASHES = inlineScriptHashes(readFileSync(`${DASHBOARD_DIR}index.html`, 'utf8'));

const cspWithScripts = (scriptSrc: string[]) => helmet.contentSecurityPolicy({
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc,
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
});

const dashboardCsp = cspWithScripts(["'self'"]);
const indexCsp = cspWithScripts(["'self'", ...INDEX_SCRIPT_HASHES]);

export function dashboardRoutes(deps: DashboardDeps): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const temporalUi = {
    url: (deps.env.VIGIL_TEMPORAL_UI_URL ?? DEFAULT_TEMPORAL_UI_URL).replace(/\/+$/, ''),
    namespace: deps.env.TEMPORAL_NAMESPACE ?? 'default',
  };
  const sendPage = (file: string) => (_req: express.Request, res: express.Response) => {
    res.set('cache-control', 'no-cache').sendFile(file, { root: DASHBOARD_DIR });
  };

  router.get('/', (_req, res) => res.redirect(302, '/dashboard'));
  router.get('/dashboard', indexCsp, sendPage('index.html'));
  router.get('/dashboard/incidents/:id', dashboardCsp, sendPage('incident.html'));
  router.get('/dashboard/policies', dashboardCsp, sendPage('policies.html'));
  // Revalidated on every load (ETag, 304): a new release is never hidden behind a stale module.
  router.use('/dashboard/assets', dashboardCsp, express.static(DASHBOARD_DIR, { index: false, fallthrough: true, cacheControl: true, maxAge: 0, extensions: false }));

  router.get('/v1/dashboard/context', (_req, res) => {
    res.json({
      temporalUi,
      services: Object.fromEntries(Object.entries(deps.config.services).map(([id, service]) => [id, service.name ?? id])),
      statusPages: deps.config.statusPages.map((page) => ({ id: page.id, title: page.title })),
      // Names only, for the declare and roles forms' choices (incidents show these names anyway).
      contacts: Object.fromEntries(Object.entries(deps.config.contacts).map(([id, contact]) => [id, contact.name])),
    });
  });

  router.get('/v1/dashboard/incidents', async (req, res) => {
    const { ids } = parseOr400(digestQuerySchema, req.query, 'query');
    const incidents: DashboardRow[] = [];
    const missing: string[] = [];
    let next = 0;
    const at = now();
    await Promise.all(
      Array.from({ length: Math.min(READ_CONCURRENCY, ids.length) }, async () => {
        while (next < ids.length) {
          const id = ids[next++];
          const view = await deps.gateway.get(id).catch((error: unknown) => {
            if (error instanceof IncidentNotFoundError) return undefined;
            throw error;
          });
          const chatRoom = view && deps.chatRooms ? await deps.chatRooms.roomOf(view.id) : undefined;
          if (view) incidents.push({ ...digestIncident(view, deps.config, at), ...(chatRoom ? { chatRoom } : {}) });
          else missing.push(id);
        }
      }),
    );
    res.json({ incidents, missing });
  });

  // Every open incident's row, a page at a time, from one listing: the row facts come from each
  // workflow's memo (decision 73); only runs older than that are read by query.
  router.get('/v1/dashboard/rows', async (req, res) => {
    const timer = serverTimer();
    const { limit, after } = parseOr400(rowsQuerySchema, req.query, 'query');
    timer.lap('parse');
    const page = await deps.gateway.listOpenRows({ limit, ...(after ? { after } : {}) });
    timer.lap('list');
    const at = now();
    const older = page.rows.filter((row) => !row.facts).map((row) => row.summary.id);
    const views = new Map<string, IncidentView>();
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(READ_CONCURRENCY, older.length) }, async () => {
        while (next < older.length) {
          const id = older[next++];
          const view = await deps.gateway.get(id).catch((error: unknown) => {
            if (error instanceof IncidentNotFoundError) return undefined;
            throw error;
          });
          if (view) views.set(id, view);
        }
      }),
    );
    timer.lap('byquery');
    const rooms = deps.chatRooms ? await deps.chatRooms.roomsOf(page.rows.map((row) => row.summary.id)) : new Map<string, DashboardRow['chatRoom']>();
    timer.lap('rooms');
    const incidents: DashboardRow[] = [];
    for (const { summary, workflowId, facts } of page.rows) {
      const view = views.get(summary.id);
      const digest = facts ? digestFromFacts({ ...summary, workflowId }, facts, deps.config, at) : view ? digestIncident(view, deps.config, at) : undefined;
      const chatRoom = rooms.get(summary.id);
      if (digest && digest.status !== 'resolved') incidents.push({ ...digest, ...(chatRoom ? { chatRoom } : {}) });
    }
    timer.lap('digest');
    timer.write(res);
    await sendJson(req, res, { incidents, ...(page.next ? { next: page.next } : {}) });
  });
  return router;
}

/** The dashboard's JSON routes as `/openapi.json` shows them (its pages and files are for people, not in the document). */
export const dashboardOperations: ResourceRoutes = {
  id: 'dashboard',
  operations: [
    {
      method: 'get',
      path: '/v1/dashboard/context',
      summary: "What the dashboard needs beyond the API: the Temporal UI's address, service names, status pages",
      responses: { '200': { description: 'dashboard context' } },
    },
    {
      method: 'get',
      path: '/v1/dashboard/incidents',
      summary: 'Dashboard rows of the incidents named: who holds each, ETA, action under way, whom to call to escalate, its chat room',
      parameters: queryParameters(digestQuerySchema),
      responses: { '200': { description: 'the rows found, and the ids not found' }, ...errorAnswers({ '400': 'no ids, or too many' }), ...unavailable },
    },
    {
      method: 'get',
      path: '/v1/dashboard/rows',
      summary: 'Dashboard rows of the open incidents, most severe and newest first, a page at a time (`next` is the cursor of the page after)',
      parameters: queryParameters(rowsQuerySchema),
      responses: { '200': { description: 'a page of rows, and the cursor of the next page when there is one' }, ...errorAnswers({ '400': 'a limit out of range, or a cursor this server did not give' }), ...unavailable },
    },
  ],
};
