/**
 * What Vigil does with a responder's SMS reply, whichever provider carried it (Twilio posts a
 * form, Telnyx a signed JSON event): find the contact by number, read the command (`ACK`, `ACK
 * <code>`, `RES <code>`, `ESC <code>`, `ROLE <code> <role> <contact>`), act on the incident it
 * means, and word the answer. The
 * provider routes check their own signature and replay guard first, and send the answer their way.
 */
import { contactByPhone, policyContacts, type VigilConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { ROLE_TITLES, type IncidentRole } from '../../domain/incidentRoles';
import { holdsRole, mayCommand, parseSmsCommand, waitingForBareAck } from '../../domain/smsCommand';
import { IncidentConflictError, IncidentNotFoundError, type IncidentGateway } from '../gateways/incidentGateway';
import { HttpError } from '../http/httpErrors';
import { roleChangesOf, type RoleIds } from '../routes/roleAssignments';

const USAGE = 'Reply ACK, ACK <code>, RES <code>, ESC <code> or ROLE <code> <role> <contact>.';

/** What came of one reply: ignored (not a configured contact's number), or the answer to send back. */
export type SmsReplyOutcome = { handled: false } | { handled: true; contactId: string; action: string; answer: string };

export interface SmsReplies {
  /**
   * Acts on the text `from` sent. `receivedAtMs` is when the reply arrived, taken before any
   * lookup: what paged the sender later is not what they answer. Temporal being unreachable throws.
   */
  handle(from: string, text: string, receivedAtMs: number): Promise<SmsReplyOutcome>;
}

/** A time in an SMS: short, unambiguous across days and time zones. */
function smsTime(iso: string | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : 'earlier';
}

export function createSmsReplies(deps: { gateway: IncidentGateway; config: VigilConfig }): SmsReplies {
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

  return {
    async handle(from, text, receivedAtMs) {
      const contact = contactByPhone(deps.config, from);
      if (!contact) return { handled: false };
      const command = parseSmsCommand(text);
      if (command.action === 'unknown') {
        return { handled: true, contactId: contact.id, action: 'unknown', answer: `Vigil did not understand "${command.text.slice(0, 40)}". ${USAGE}` };
      }
      const found = await target(command.code, contact.id, receivedAtMs);
      let answer: string;
      if (!found.id) answer = found.reply as string;
      else if (command.action === 'role') answer = await assignRole(found.id, command.role, command.contacts, contact.name);
      else answer = await act(command.action, found.id, contact.name);
      return { handled: true, contactId: contact.id, action: command.action, answer };
    },
  };
}
