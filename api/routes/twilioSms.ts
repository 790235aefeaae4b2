import express, { Router } from 'express';
import type { Logger } from 'pino';
import twilio from 'twilio';
import type { VigilConfig } from '../../domain/config';
import { contactByPhone } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { parseSmsCommand } from '../../domain/smsCommand';
import { HttpError } from '../httpErrors';
import type { IncidentGateway } from '../incidentGateway';
import { IncidentConflictError, IncidentNotFoundError } from '../incidentGateway';

export interface TwilioSmsDeps {
  gateway: IncidentGateway;
  config: VigilConfig;
  publicUrl: string;
  twilioAuthToken?: string;
  logger: Logger;
}

const USAGE = 'Reply ACK, ACK <code>, RES <code> or ESC <code>.';

/**
 * `POST /v1/webhooks/twilio/sms`: a responder's SMS reply, as Twilio posts it. The signature is
 * checked over the public URL Twilio called (a proxy in front changes scheme, host and port, so
 * it is configured, never read from the request), and only configured contacts are heard.
 */
export function twilioSmsRoutes(deps: TwilioSmsDeps): Router {
  const router = Router();
  const { gateway } = deps;

  async function act(action: 'acknowledge' | 'resolve' | 'escalate', incidentId: string, by: string): Promise<string> {
    try {
      const actor = { by, via: 'sms' };
      if (action === 'escalate') {
        const view: IncidentView = await gateway.escalate(incidentId, actor);
        return `Escalated ${view.code} (${view.service}): the next level is being paged.`;
      }
      const view: IncidentView = action === 'acknowledge' ? await gateway.acknowledge(incidentId, actor) : await gateway.resolve(incidentId, actor);
      return action === 'acknowledge'
        ? `Acknowledged ${view.code} (${view.service}): escalation stopped. Reply RES ${view.code} when fixed, ESC ${view.code} for help.`
        : `Resolved ${view.code} (${view.service}).`;
    } catch (error) {
      if (error instanceof IncidentConflictError) return `${error.incident?.code ?? 'That incident'} is already resolved.`;
      if (error instanceof IncidentNotFoundError) return 'No such incident.';
      throw error;
    }
  }

  /** The incident a reply means: by its code, or for a bare ACK the one open incident that paged the sender. */
  async function target(code: string | undefined, contactId: string): Promise<{ id?: string; reply?: string }> {
    if (code) {
      const [id] = await gateway.findOpenByCode(code);
      return id ? { id } : { reply: `No open incident ${code}.` };
    }
    const open = await gateway.findOpenPagedTo(contactId);
    if (open.length === 1) return { id: open[0] };
    if (open.length === 0) return { reply: 'You have no open incident to acknowledge.' };
    const codes = await Promise.all(open.slice(0, 5).map(async (id) => (await gateway.get(id))?.code ?? '?'));
    return { reply: `You were paged for ${open.length} open incidents (${codes.join(', ')}). Reply ACK <code>.` };
  }

  router.post('/v1/webhooks/twilio/sms', express.urlencoded({ extended: false, limit: '64kb' }), async (req, res) => {
    if (!deps.twilioAuthToken) throw new HttpError(503, 'SMS replies are not configured (TWILIO_AUTH_TOKEN is not set)');
    const params = (req.body ?? {}) as Record<string, string>;
    const signature = req.get('x-twilio-signature') ?? '';
    const url = `${deps.publicUrl}${req.originalUrl}`;
    if (!signature || !twilio.validateRequest(deps.twilioAuthToken, signature, url, params)) {
      deps.logger.warn({ url }, 'twilio webhook refused: bad signature');
      throw new HttpError(403, 'invalid Twilio signature', [{ field: 'x-twilio-signature', message: `does not match a request to ${url}` }]);
    }
    const twiml = new twilio.twiml.MessagingResponse();
    const contact = typeof params.From === 'string' ? contactByPhone(deps.config, params.From) : undefined;
    if (!contact) {
      deps.logger.warn({ messageSid: params.MessageSid }, 'SMS from a number that is not a configured contact; ignored');
      res.type('text/xml').send(twiml.toString());
      return;
    }
    const command = parseSmsCommand(String(params.Body ?? ''));
    let reply: string;
    if (command.action === 'unknown') {
      reply = `Vigil did not understand "${command.text.slice(0, 40)}". ${USAGE}`;
    } else {
      const found = await target(command.code, contact.id);
      reply = found.id ? await act(command.action, found.id, contact.name) : (found.reply as string);
    }
    deps.logger.info({ contact: contact.id, action: command.action }, 'SMS reply handled');
    twiml.message(reply);
    res.type('text/xml').send(twiml.toString());
  });

  return router;
}
