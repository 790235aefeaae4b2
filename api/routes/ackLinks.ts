/**
 * One-click actions from a page: `GET /v1/ack/:token` shows a confirm page and changes nothing
 * (mail scanners and link previews fetch links); `POST` acts as the person the link was made for:
 * acknowledges, or resolves for a resolve link (ntfy's Resolve button posts here with an empty
 * body), or escalates for an escalate link (a Teams card's Escalate button). Links are signed, expire, and work once; each action's link is its own.
 */
import express, { Router, type Response } from 'express';
import { linkAction, verifyAckLink, type AckLinkClaims, type LinkAction } from '../../platform/ackLink';
import type { IncidentGateway } from '../gateways/incidentGateway';
import { IncidentConflictError, IncidentNotFoundError, BackendUnavailableError } from '../gateways/incidentGateway';
import type { UsedAckLinks } from '../records/usedAckLinks';
import { escapeHtml } from '../../domain/escapeHtml';
import { errorAnswers, htmlPage, pathParam, type ResourceRoutes } from './operationParts';

export interface AckLinkDeps {
  gateway: IncidentGateway;
  /** `VIGIL_LINK_SECRET`; without it (or without a store for used links) links answer 503. */
  linkSecret?: string;
  usedLinks?: UsedAckLinks;
}

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .set('cache-control', 'no-store')
    .send(`<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body style="font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em"><h1>${escapeHtml(title)}</h1>${body}</body></html>`);
}

const REFUSED: Record<'malformed' | 'bad signature' | 'expired', [number, string]> = {
  malformed: [404, 'This link is not a Vigil acknowledge link.'],
  'bad signature': [404, 'This link is not a Vigil acknowledge link.'],
  expired: [410, 'This acknowledge link has expired. Reply to the SMS page or use the API instead.'],
};

/** What the confirm page asks, per action. */
const CONFIRM: Record<LinkAction, { title: string; consequence: string; button: string }> = {
  acknowledge: { title: 'Acknowledge this incident?', consequence: 'acknowledging stops the escalation: nobody else is paged.', button: 'Acknowledge' },
  resolve: { title: 'Resolve this incident?', consequence: 'resolving closes the incident and stops the escalation.', button: 'Resolve' },
  escalate: { title: 'Escalate this incident?', consequence: 'escalating pages the next level at once (an acknowledged incident is triggered again).', button: 'Escalate' },
};

/** Channels whose links a person taps as a button in an app; others' are links (a webhook's receiver follows one). */
const BUTTON_CHANNELS: ReadonlySet<string> = new Set(['ntfy']);

/** `email link`, `ntfy button`, `webhook link`: how the timeline says the action came. */
function viaOf(claims: AckLinkClaims): string {
  const channel = claims.channel ?? 'email';
  return `${channel} ${BUTTON_CHANNELS.has(channel) ? 'button' : 'link'}`;
}

export function ackLinkRoutes(deps: AckLinkDeps): Router {
  const router = Router();

  function check(res: Response, token: string): AckLinkClaims | undefined {
    if (!deps.linkSecret || !deps.usedLinks) {
      page(res, 503, 'Acknowledge links are not configured', '<p>Set VIGIL_LINK_SECRET for the API and the workers.</p>');
      return undefined;
    }
    const result = verifyAckLink(token, deps.linkSecret, new Date());
    if (result.ok) return result.claims;
    const [status, message] = REFUSED[result.reason];
    page(res, status, 'Cannot acknowledge', `<p>${escapeHtml(message)}</p>`);
    return undefined;
  }

  router.get('/v1/ack/:token', (req, res) => {
    const claims = check(res, req.params.token);
    if (!claims) return;
    const confirm = CONFIRM[linkAction(claims)];
    page(
      res,
      200,
      confirm.title,
      `<p>${escapeHtml(claims.responderName)}, ${confirm.consequence}</p>` +
        `<form method="post"><button type="submit" style="font-size:1.2em;padding:.6em 1.4em">${confirm.button}</button></form>`,
    );
  });

  router.post('/v1/ack/:token', express.urlencoded({ extended: false, limit: '1kb' }), async (req, res) => {
    const claims = check(res, req.params.token);
    if (!claims) return;
    if (!(await (deps.usedLinks as UsedAckLinks).use(claims.id))) {
      page(res, 409, 'Already used', '<p>This link was used already.</p>');
      return;
    }
    try {
      if (linkAction(claims) === 'escalate') {
        const view = await deps.gateway.escalate(claims.incidentId, { by: claims.responderName, via: viaOf(claims) });
        page(res, 200, `Escalated ${view.code}`, `<p>${escapeHtml(view.service)}: ${escapeHtml(view.summary)}</p><p>The next level is being paged.</p>`);
        return;
      }
      if (linkAction(claims) === 'resolve') {
        const view = await deps.gateway.resolve(claims.incidentId, { by: claims.responderName, via: viaOf(claims) });
        page(res, 200, `Resolved ${view.code}`, `<p>${escapeHtml(view.service)}: ${escapeHtml(view.summary)}</p><p>Resolved by ${escapeHtml(view.resolvedBy ?? claims.responderName)}.</p>`);
        return;
      }
      const { incident: view, alreadyAcknowledged } = await deps.gateway.acknowledge(claims.incidentId, { by: claims.responderName, via: viaOf(claims) });
      const who = `${escapeHtml(view.acknowledgedBy ?? claims.responderName)}${alreadyAcknowledged && view.acknowledgedAt ? ` at ${escapeHtml(view.acknowledgedAt)}` : ''}`;
      page(
        res,
        200,
        `${alreadyAcknowledged ? 'Already acknowledged' : 'Acknowledged'} ${view.code}`,
        `<p>${escapeHtml(view.service)}: ${escapeHtml(view.summary)}</p><p>Escalation stopped. ${alreadyAcknowledged ? 'Already acknowledged' : 'Acknowledged'} by ${who}.</p>`,
      );
    } catch (error) {
      if (error instanceof IncidentConflictError) return page(res, 409, 'Already resolved', `<p>${escapeHtml(error.message)}.</p>`);
      if (error instanceof IncidentNotFoundError) return page(res, 404, 'No such incident', '<p>The incident of this link no longer exists.</p>');
      // Not the link's fault: give it back so it can be used again once Temporal answers.
      await (deps.usedLinks as UsedAckLinks).release(claims.id).catch(() => undefined);
      if (error instanceof BackendUnavailableError) return page(res, 503, 'Try again in a moment', '<p>Vigil cannot reach its workflow engine right now.</p>');
      throw error;
    }
  });
  return router;
}

const tokenParam = pathParam('token');
const pages = (statuses: string[]) => Object.fromEntries(statuses.map((status) => [status, htmlPage]));

/** The acknowledge-link routes as `/openapi.json` shows them: every answer but a too-large body is a page. */
export const ackLinkOperations: ResourceRoutes = {
  id: 'ack-links',
  operations: [
    {
      method: 'get',
      path: '/v1/ack/{token}',
      summary: 'The confirm page of a one-click action link from a page (email, ntfy button, webhook page; changes nothing)',
      parameters: [tokenParam],
      responses: pages(['200', '404', '410', '503']),
    },
    {
      method: 'post',
      path: '/v1/ack/{token}',
      summary: 'Acknowledge, or resolve or escalate for such a link, as the person the link was made for (a link works once, until it expires)',
      parameters: [tokenParam],
      responses: { ...pages(['200', '404', '409', '410', '503']), ...errorAnswers({ '413': 'body too large' }) },
    },
  ],
};
