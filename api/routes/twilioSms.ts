import express, { Router } from 'express';
import { contactByPhone, policyContacts } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { ROLE_TITLES, type IncidentRole } from '../../domain/incidentRoles';
import { holdsRole, mayCommand, parseSmsCommand, waitingForBareAck } from '../../domain/smsCommand';
import { roleChangesOf, type RoleIds } from './roleAssignments';
import { HttpError } from '../http/httpErrors';
import { IncidentConflictError, IncidentNotFoundError } from '../gateways/incidentGateway';
import { errorResponse, type SenderRoute } from './operationParts';
import { verifiedTwilioRequest, type TwilioWebhookDeps } from './twilioRequests';


/** Twilio's inbound SMS webhook, as the OpenAPI document shows it. */
export const twilioSmsSenderRoute: SenderRoute = {
  id: 'twilio-sms',
  description: "Responders' SMS replies (ACK, RES, ESC, ROLE), as Twilio posts them",
  authentication: {
    credential: "Twilio's X-Twilio-Signature header, an HMAC of the public URL and the form with TWILIO_AUTH_TOKEN",
    checked: "with the Twilio SDK over the configured public URL; each MessageSid acts once; only configured contacts' numbers are heard",
  },
  operations: [
    {
      method: 'post',
      path: '/v1/webhooks/twilio/sms',
      summary: 'Inbound SMS reply from Twilio (signature checked; each MessageSid acts once)',
      request: {
        body: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: { type: 'object' },
              example: { MessageSid: 'SM0123456789abcdef0123456789abcdef', From: '+15550100', To: '+15550199', Body: 'ACK 4F2' },
            },
          },
        },
      },
      responses: {
        '200': { description: 'TwiML reply; empty for a replayed MessageSid or a number that is not a contact', content: { 'text/xml': { schema: { type: 'string' } } } },
        '400': errorResponse('no MessageSid'),
        '403': errorResponse('bad signature'),
        '413': errorResponse('body too large'),
        '415': errorResponse('a charset other than UTF-8'),
        '503': errorResponse('SMS replies not configured (no TWILIO_AUTH_TOKEN or no SQL store), or Temporal unavailable'),
      },
    },
  ],
};

const USAGE = 'Reply ACK, ACK <code>, RES <code>, ESC <code> or ROLE <code> <role> <contact>.';

/** A time in an SMS: short, unambiguous across days and time zones. */
function smsTime(iso: string | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : 'earlier';
}

/**
 * `POST /v1/webhooks/twilio/sms`: a responder's SMS reply, as Twilio posts it. The signature is
 * checked over the public URL Twilio called (a proxy in front changes scheme, host and port, so
 * it is configured, never read from the request). A signature does not expire, so each
 * `MessageSid` acts once (recorded in the SQL store); only configured contacts are heard, and only
 * about incidents that paged them or whose escalation policy names them.
 */
export function twilioSmsRoutes(deps: TwilioWebhookDeps): Router {
  const router = Router();
  const { gateway } = deps;

  async function act(action: 'acknowledge' | 'resolve' | 'escalate', incidentId: string, by: string): Promise<string> {
    try {
      const actor = { by, via: 'sms' };
      if (action === 'escalate') {
        const view: IncidentView = await gateway.escalate(incidentId, actor);
        return `Escalated ${view.code} (${view.service}): the next level is being paged.`;
      }
      if (action === 'resolve') {
        const view = await gateway.resolve(incidentId, actor);
        return `Resolved ${view.code} (${view.service}).`;
      }
      const { incident: view, alreadyAcknowledged } = await gateway.acknowledge(incidentId, actor);
      if (alreadyAcknowledged) {
        return `${view.code} (${view.service}) was already acknowledged by ${view.acknowledgedBy ?? 'someone'} at ${smsTime(view.acknowledgedAt)}. Reply ESC ${view.code} if you need more help.`;
      }
      return `Acknowledged ${view.code} (${view.service}): escalation stopped. Reply RES ${view.code} when fixed, ESC ${view.code} for help.`;
    } catch (error) {
      if (error instanceof IncidentConflictError) return `${error.incident?.code ?? 'That incident'} is already resolved.`;
      if (error instanceof IncidentNotFoundError) return 'No such incident.';
      throw error;
    }
  }

  /** `ROLE <code> <role> <contact>...`: the role set, or why not, in words for the reply. */
  async function assignRole(incidentId: string, role: IncidentRole, contacts: string[], by: string): Promise<string> {
    const ids: RoleIds = role === 'responders' ? { responders: contacts } : { [role]: contacts[0] ?? null };
    let roles;
    try {
      roles = roleChangesOf(deps.config, ids, 'sms');
    } catch (error) {
      if (error instanceof HttpError) return `${error.message}: nothing done.`;
      throw error;
    }
    try {
      const view = await gateway.assignRoles(incidentId, { by, via: 'sms', roles });
      const held = role === 'responders' ? (view.roles?.responders ?? []).map((holder) => holder.name).join(', ') : view.roles?.[role]?.name;
      return `${view.code} (${view.service}): ${ROLE_TITLES[role]} ${held || 'nobody'}.`;
    } catch (error) {
      if (error instanceof IncidentConflictError) return `${error.incident?.code ?? 'That incident'} is already resolved.`;
      if (error instanceof IncidentNotFoundError) return 'No such incident.';
      throw error;
    }
  }

  /** Open incidents with these ids, as they stand now (one may have closed since it was listed). */
  async function viewsOf(ids: string[]): Promise<IncidentView[]> {
    const views = await Promise.all(ids.slice(0, 20).map((id) => gateway.get(id)));
    return views.filter((view): view is IncidentView => view !== undefined && view.status !== 'resolved');
  }

  /**
   * The incident a reply means: by its code, or for a bare ACK the one incident still waiting
   * that paged the sender before the reply arrived (a page sent later cannot be what they answer).
   */
  async function target(code: string | undefined, contactId: string, receivedAtMs: number): Promise<{ id?: string; reply?: string }> {
    if (code) {
      const [view] = await viewsOf(await gateway.findOpenByCode(code));
      if (!view) return { reply: `No open incident ${code}.` };
      const members = view.escalation.policyId ? policyContacts(deps.config, view.escalation.policyId) : new Set<string>();
      // A role holder may act too: an incident declared without paging paged nobody.
      if (!mayCommand(view, contactId, members) && !holdsRole(view.roles, contactId)) {
        return { reply: `${code} did not page you, its escalation policy does not name you and you hold no role on it: nothing done.` };
      }
      return { id: view.id };
    }
    const open = await viewsOf(await gateway.findOpenPagedTo(contactId));
    const waiting = waitingForBareAck(open, contactId, receivedAtMs);
    if (waiting.length === 1) return { id: waiting[0].id };
    if (waiting.length > 1) {
      const codes = waiting.slice(0, 5).map((view) => view.code);
      return { reply: `You were paged for ${waiting.length} incidents waiting for an acknowledgement (${codes.join(', ')}). Reply ACK <code>.` };
    }
    const taken = open.find((view) => view.status === 'acknowledged');
    if (taken) return { reply: `Nothing waits for you: ${taken.code} was already acknowledged by ${taken.acknowledgedBy ?? 'someone'} at ${smsTime(taken.acknowledgedAt)}.` };
    return { reply: 'You have no open incident to acknowledge.' };
  }

  router.post('/v1/webhooks/twilio/sms', express.urlencoded({ extended: false, limit: '64kb' }), async (req, res) => {
    // When the reply arrived, before any lookup: what paged the sender later is not what they answer.
    const receivedAtMs = Date.now();
    if (!deps.twilioAuthToken) throw new HttpError(503, 'SMS replies are not configured (TWILIO_AUTH_TOKEN is not set)');
    const { twilio, params } = await verifiedTwilioRequest(req, { authToken: deps.twilioAuthToken, publicUrl: deps.publicUrl, logger: deps.logger, what: 'twilio sms webhook' });
    const inbound = deps.inboundMessages;
    if (!inbound) throw new HttpError(503, 'SMS replies need the SQL store (to act on each message once)');
    const messageSid = typeof params.MessageSid === 'string' ? params.MessageSid : '';
    if (!messageSid) throw new HttpError(400, 'no MessageSid', [{ field: 'MessageSid', message: 'Twilio sends one with every message' }]);
    const twiml = new twilio.twiml.MessagingResponse();
    if (!(await inbound.claim('sms', messageSid))) {
      // A replay of a signed request (or Twilio retrying one we answered): it does nothing again.
      deps.logger.warn({ messageSid }, 'SMS MessageSid seen before; replay ignored');
      res.type('text/xml').send(twiml.toString());
      return;
    }
    const contact = typeof params.From === 'string' ? contactByPhone(deps.config, params.From) : undefined;
    if (!contact) {
      deps.logger.warn({ messageSid }, 'SMS from a number that is not a configured contact; ignored');
      res.type('text/xml').send(twiml.toString());
      return;
    }
    const command = parseSmsCommand(String(params.Body ?? ''));
    let reply: string;
    try {
      if (command.action === 'unknown') {
        reply = `Vigil did not understand "${command.text.slice(0, 40)}". ${USAGE}`;
      } else {
        const found = await target(command.code, contact.id, receivedAtMs);
        if (!found.id) reply = found.reply as string;
        else if (command.action === 'role') reply = await assignRole(found.id, command.role, command.contacts, contact.name);
        else reply = await act(command.action, found.id, contact.name);
      }
    } catch (error) {
      // Not acted on (Temporal unreachable): the same message may be tried again.
      await inbound.release('sms', messageSid).catch(() => undefined);
      throw error;
    }
    deps.logger.info({ contact: contact.id, action: command.action, messageSid }, 'SMS reply handled');
    twiml.message(reply);
    res.type('text/xml').send(twiml.toString());
  });

  return router;
}
