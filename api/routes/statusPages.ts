/**
 * Public status pages for stakeholders: `GET /status/:id`, server-rendered HTML, no login, no
 * script. Built only from `domain/statusPage.ts`'s public model, so no alert text, label, name
 * or timeline entry can reach the page. Answers are cached briefly: the page is public, and a
 * crowd refreshing it during an outage must not turn into a crowd of Temporal queries.
 */
import { Router, type Response } from 'express';
import helmet from 'helmet';
import type { VigilConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { CONDITION_TEXT, publicStatus, type PublicIncident, type PublicStatus } from '../../domain/statusPage';
import type { StatusPageConfig } from '../../domain/statusPageConfig';
import { escapeHtml } from '../../domain/escapeHtml';
import { errorAnswers, htmlPage, idParam, type ResourceRoutes } from './operationParts';
import type { IncidentGateway } from '../gateways/incidentGateway';
import { BackendUnavailableError } from '../gateways/incidentGateway';

export interface StatusPageDeps {
  gateway: IncidentGateway;
  config: VigilConfig;
  /** How long a rendered page is reused (10 s by default; tests pass 0). */
  cacheMs?: number;
  now?: () => Date;
}

/** Open incidents read per page at most; a page is about services, not a list of every alert. */
const MAX_INCIDENTS_READ = 100;
const READ_CONCURRENCY = 8;
const STYLESHEET = '/dashboard/assets/status.css';

/** No script, no form, no frame: the page is text and one stylesheet. */
const statusPageCsp = helmet.contentSecurityPolicy({
  useDefaults: false,
  directives: { defaultSrc: ["'none'"], styleSrc: ["'self'"], imgSrc: ["'self'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
});

/** A UTC time people read (`2026-05-01 14:03 UTC`) in a `<time>` element machines read. */
function timeElement(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return escapeHtml(iso);
  const text = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<time datetime="${escapeHtml(date.toISOString())}">${escapeHtml(text)}</time>`;
}

function document(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta http-equiv="refresh" content="60"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="${STYLESHEET}"></head>` +
    `<body><main>${body}</main></body></html>`
  );
}

function renderIncident(incident: PublicIncident): string {
  const update = incident.latestUpdate
    ? `<p class="update"><span class="label">Latest update, ${timeElement(incident.latestUpdate.at)}:</span> ${escapeHtml(incident.latestUpdate.text)}</p>`
    : `<p class="update">We are aware of the problem and are investigating. No update has been published yet.</p>`;
  return (
    `<article class="incident impact-${incident.impact}"><h3>Incident since ${timeElement(incident.since)}</h3><dl>` +
    `<div><dt>Impact</dt><dd>${escapeHtml(CONDITION_TEXT[incident.impact])}</dd></div>` +
    `<div><dt>Severity</dt><dd>${escapeHtml(incident.severity)}</dd></div>` +
    `<div><dt>Status</dt><dd>${incident.phase === 'responding' ? 'Responders are working on it' : 'Investigating'}</dd></div>` +
    `<div><dt>Expected resolution</dt><dd>${incident.eta ? timeElement(incident.eta) : 'not yet known'}</dd></div>` +
    (incident.commander ? `<div><dt>Incident commander</dt><dd>${escapeHtml(incident.commander)}</dd></div>` : '') +
    `</dl>${update}</article>`
  );
}

/** The page for one status: every dynamic string goes through `escapeHtml`. */
export function renderStatusPage(status: PublicStatus): string {
  const summary = status.condition === 'operational' ? 'All services are operating normally.' : 'Some services are affected.';
  const services = status.services
    .map(
      (service) =>
        `<li class="service condition-${service.condition}"><h2>${escapeHtml(service.name)}</h2>` +
        `<p class="condition">${escapeHtml(CONDITION_TEXT[service.condition])}</p>${service.incidents.map(renderIncident).join('')}</li>`,
    )
    .join('');
  return document(
    status.title,
    `<h1>${escapeHtml(status.title)}</h1><p class="overall condition-${status.condition}">${summary}</p>` +
      `<ul class="services">${services}</ul><footer><p>Updated ${timeElement(status.generatedAt)}. This page refreshes every minute.</p></footer>`,
  );
}

async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  });
  await Promise.all(lanes);
  return results;
}

export function statusPageRoutes(deps: StatusPageDeps): Router {
  const router = Router();
  const cacheMs = deps.cacheMs ?? 10_000;
  const now = deps.now ?? (() => new Date());
  const pages = new Map<string, StatusPageConfig>(deps.config.statusPages.map((page) => [page.id, page]));
  const serviceNames = Object.fromEntries(Object.entries(deps.config.services).map(([id, service]) => [id, service.name]));
  const cache = new Map<string, { at: number; html: Promise<string> }>();

  async function openIncidents(services: Set<string>): Promise<IncidentView[]> {
    const [triggered, acknowledged] = await Promise.all([
      deps.gateway.list({ status: 'triggered', limit: 500 }),
      deps.gateway.list({ status: 'acknowledged', limit: 500 }),
    ]);
    // An incident changing status between the two listings may be in both: read it once.
    const byId = new Map([...triggered, ...acknowledged].filter((summary) => services.has(summary.service)).map((summary) => [summary.id, summary]));
    const wanted = [...byId.values()].slice(0, MAX_INCIDENTS_READ);
    const views = await mapBounded(wanted, READ_CONCURRENCY, (summary) => deps.gateway.get(summary.id));
    return views.filter((view): view is IncidentView => view !== undefined);
  }

  function rendered(page: StatusPageConfig): Promise<string> {
    const cached = cache.get(page.id);
    if (cached && Date.now() - cached.at < cacheMs) return cached.html;
    const html = openIncidents(new Set(page.services)).then((open) => renderStatusPage(publicStatus(page, open, serviceNames, now())));
    cache.set(page.id, { at: Date.now(), html });
    html.catch(() => cache.delete(page.id));
    return html;
  }

  function send(res: Response, status: number, html: string): void {
    res.status(status).type('html').set('cache-control', status === 200 ? `public, max-age=${Math.round(cacheMs / 1000)}` : 'no-store').send(html);
  }

  router.get('/status', statusPageCsp, (_req, res) => {
    const items = [...pages.values()].map((page) => `<li><a href="/status/${encodeURIComponent(page.id)}">${escapeHtml(page.title)}</a></li>`).join('');
    send(res, 200, document('Status pages', `<h1>Status pages</h1>${items ? `<ul>${items}</ul>` : '<p>No status page is configured.</p>'}`));
  });

  router.get('/status/:id', statusPageCsp, async (req, res) => {
    const page = pages.get(req.params.id);
    if (!page) return send(res, 404, document('No such status page', '<h1>No such status page</h1>'));
    try {
      send(res, 200, await rendered(page));
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      res.setHeader('Retry-After', '30');
      send(res, 503, document(page.title, `<h1>${escapeHtml(page.title)}</h1><p>The status cannot be read right now. Please try again in a minute.</p>`));
    }
  });
  return router;
}

/** The public status pages as `/openapi.json` shows them. */
export const statusPageOperations: ResourceRoutes = {
  id: 'status-pages',
  operations: [
    { method: 'get', path: '/status', summary: 'The configured status pages', responses: { '200': htmlPage } },
    {
      method: 'get',
      path: '/status/{id}',
      summary: 'A public status page: condition of its services, impact, ETA and latest published update of open incidents (no login, no internal detail)',
      parameters: [idParam],
      responses: { '200': htmlPage, '404': htmlPage, '503': htmlPage, ...errorAnswers({ '400': 'id not decodable (bad percent-encoding)' }) },
    },
  ],
};
