/**
 * The one handler every chat platform's inbound route calls (#16) once it has verified a request
 * its platform's way: who called (mapped to a contact, or refused politely), replay safety by the
 * platform's request id (in the SQL store, for every replica), then the button or command, held to
 * the caller's role exactly as the API and SMS paths hold people. Returns the words to show.
 */
import { uuidFromParts } from '../intake/alertIdentity';
import type { AlertIntake } from '../intake/alertIntake';
import { contactByChatId, roomRuleFor } from '../../domain/chat/chatConfig';
import { CHAT_USAGE } from '../../domain/chat/commands';
import { statusText } from '../../domain/chat/chatText';
import { CARD_BUTTONS, CHAT_PLATFORMS, type ChatCommand, type ChatInbound, type ChatPlatformId } from '../../domain/chat/platform';
import { onCallLookup, type VigilConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { ROLE_TITLES, type IncidentRole } from '../../domain/incidentRoles';
import type { ChatRecords } from '../../platform/chatRecords';
import type { IncidentChatGateway } from '../gateways/chatGateway';
import { IncidentConflictError, IncidentNotFoundError, type IncidentGateway } from '../gateways/incidentGateway';
import { HttpError } from '../http/httpErrors';
import { declaredAlert } from '../routes/declaredIncidents';
import { roleChangesOf, type RoleIds } from '../routes/roleAssignments';
import { chatCallerOf, contactNamed, refusedOn, refusedRead, refusedWrite, type ChatCaller } from './chatCaller';
import type { ChatRequestGuard } from './chatRequestGuard';
import type { MentionLookup } from './mattermost/mattermostUsers';

/** What to show: to the caller alone (refusals, help, answers), or to the channel (what was done, where the platform can). */
export interface ChatReply {
  text: string;
  audience: 'caller' | 'channel';
  /** The request id was handled before (a platform's retry): nothing was done, and a route that answers in the room may stay silent. */
  replayed?: true;
}

export interface ChatInboundHandler {
  /** Temporal or the store being unreachable throws (the route answers 503; the request id is given back). */
  handle(inbound: ChatInbound): Promise<ChatReply>;
}

export interface ChatInboundDeps {
  config: VigilConfig;
  gateway: IncidentGateway;
  intake: AlertIntake;
  /** Request ids already handled; without it (no SQL store) every request is refused. */
  requests?: ChatRequestGuard;
  /** Which incident a room is for; without it a command must name its incident. */
  rooms?: Pick<ChatRecords, 'incidentOfRoom'>;
  /** The chat workflows (open a room on request). */
  chatSide?: IncidentChatGateway;
  /**
   * Platforms whose commands carry `@username` rather than a user id (Mattermost): the user id the
   * platform knows by that name, so a mention maps to a contact by chat id as a caller does.
   */
  mentions?: Partial<Record<ChatPlatformId, MentionLookup>>;
  now?: () => Date;
}

const toCaller = (text: string): ChatReply => ({ text, audience: 'caller' });
const toChannel = (text: string): ChatReply => ({ text, audience: 'channel' });

/** A request no verified route would send (its route's bug, or a forgery past it): refused, never acted on. */
function malformed(inbound: ChatInbound): string | undefined {
  if (!inbound || !(CHAT_PLATFORMS as readonly string[]).includes(inbound.platform)) return 'platform';
  if (typeof inbound.userId !== 'string' || inbound.userId === '' || inbound.userId.length > 255) return 'userId';
  if (typeof inbound.requestId !== 'string' || inbound.requestId === '' || inbound.requestId.length > 512) return 'requestId';
  if (inbound.channelId !== undefined && (typeof inbound.channelId !== 'string' || inbound.channelId.length > 255)) return 'channelId';
  const request = inbound.request;
  if (request?.kind === 'action') return (CARD_BUTTONS as readonly string[]).includes(request.action) && typeof request.incidentId === 'string' && request.incidentId.length <= 512 ? undefined : 'request';
  return request?.kind === 'command' && typeof request.command?.verb === 'string' ? undefined : 'request';
}

export function createChatInboundHandler(deps: ChatInboundDeps): ChatInboundHandler {
  const { config, gateway } = deps;
  const now = deps.now ?? (() => new Date());
  const onCall = onCallLookup(config);

  /** The open incident a command means: its code, else the room it was typed in. */
  async function incidentFor(inbound: ChatInbound, code: string | undefined): Promise<IncidentView | string> {
    if (code) {
      const views = await Promise.all((await gateway.findOpenByCode(code)).slice(0, 5).map((id) => gateway.get(id)));
      return views.find((view) => view !== undefined && view.status !== 'resolved') ?? `No open incident ${code}.`;
    }
    const roomIncident = inbound.channelId && deps.rooms ? await deps.rooms.incidentOfRoom(inbound.platform, inbound.channelId) : undefined;
    if (!roomIncident) return 'Name the incident (/vigil ack 7KQ2MX), or type the command in its room.';
    return (await gateway.get(roomIncident)) ?? 'No such incident.';
  }

  /** Runs a change of the incident, worded; the incident's own refusals become words too. */
  async function change(view: IncidentView, run: () => Promise<string>): Promise<ChatReply> {
    try {
      return toChannel(await run());
    } catch (error) {
      if (error instanceof IncidentConflictError) return toCaller(`${view.code}: ${error.message}.`);
      if (error instanceof IncidentNotFoundError) return toCaller('No such incident.');
      throw error;
    }
  }

  async function act(caller: ChatCaller, view: IncidentView, action: 'acknowledge' | 'resolve' | 'escalate'): Promise<ChatReply> {
    const denied = refusedOn(config, caller, view);
    if (denied) return toCaller(`Sorry, ${denied}: nothing done.`);
    const actor = { by: caller.name, via: caller.platform };
    return change(view, async () => {
      if (action === 'escalate') {
        await gateway.escalate(view.id, actor);
        return `${caller.name} escalated ${view.code} (${view.service}): the next level is being paged.`;
      }
      if (action === 'resolve') {
        await gateway.resolve(view.id, actor);
        return `${caller.name} resolved ${view.code} (${view.service}).`;
      }
      const { incident, alreadyAcknowledged } = await gateway.acknowledge(view.id, actor);
      if (alreadyAcknowledged) return `${incident.code} was already acknowledged by ${incident.acknowledgedBy ?? 'someone'}.`;
      return `${caller.name} acknowledged ${incident.code} (${incident.service}): escalation stopped.`;
    });
  }

  /** `/vigil room`, or a card's "Open incident channel" button: the room opens where a rule allows one. */
  async function requestRoom(caller: ChatCaller, view: IncidentView): Promise<ChatReply> {
    const denied = refusedOn(config, caller, view);
    if (denied) return toCaller(`Sorry, ${denied}: no room opened.`);
    if (!roomRuleFor(config.incidentRooms, view.service, view.severity)) return toCaller(`No incident-room rule covers ${view.service} at ${view.severity} (incidentRooms in config).`);
    if (!deps.chatSide || !(await deps.chatSide.requestRoom(view.id))) return toCaller(`${view.code} has no chat side running: no room can be opened for it now.`);
    return toChannel(`${caller.name} asked for a room for ${view.code}: it opens in a moment.`);
  }

  /** The contact a role command names: by the platform's own user for a mention it can look up, else as written. */
  async function contactOfTarget(platform: ChatPlatformId, target: string): Promise<string | null | undefined> {
    const lookup = deps.mentions?.[platform];
    const userId = lookup && target.startsWith('@') ? await lookup(target) : undefined;
    if (userId !== undefined) return contactByChatId(config.contacts, platform, userId)?.contactId;
    return contactNamed(config, platform, target);
  }

  async function assignRole(caller: ChatCaller, view: IncidentView, role: IncidentRole, target: string): Promise<ChatReply> {
    const denied = refusedOn(config, caller, view);
    if (denied) return toCaller(`Sorry, ${denied}: nothing done.`);
    const contactId = await contactOfTarget(caller.platform, target);
    if (contactId === undefined) return toCaller(`Vigil knows nobody called ${target.slice(0, 60)}: give a mention of someone with a chat id in config, or a contact id.`);
    if (role === 'responders' && contactId === null) return toCaller('Responders need at least one person.');
    const ids: RoleIds = role === 'responders' ? { responders: [contactId as string] } : { [role]: contactId };
    let roles;
    try {
      roles = roleChangesOf(config, ids, 'command');
    } catch (error) {
      if (error instanceof HttpError) return toCaller(`${error.message}: nothing done.`);
      throw error;
    }
    return change(view, async () => {
      const after = await gateway.assignRoles(view.id, { by: caller.name, via: caller.platform, roles });
      const held = role === 'responders' ? (after.roles?.responders ?? []).map((holder) => holder.name).join(', ') : after.roles?.[role]?.name;
      return `${after.code} (${after.service}): ${ROLE_TITLES[role]} ${held || 'nobody'}, set by ${caller.name}.`;
    });
  }

  async function declare(inbound: ChatInbound, caller: ChatCaller, command: Extract<ChatCommand, { verb: 'declare' }>): Promise<ChatReply> {
    const denied = refusedWrite(caller);
    if (denied) return toCaller(`Sorry, ${denied}: nothing declared.`);
    if (!Object.hasOwn(config.services, command.service)) return toCaller(`No service ${command.service} in Vigil's config.`);
    // From the platform's request id: a retried request declares the same incident, not a second one.
    const id = uuidFromParts('declared-chat', inbound.platform, inbound.requestId);
    const alert = declaredAlert({ id, by: caller.name, via: inbound.platform, service: command.service, severity: command.severity, summary: command.summary, page: true });
    const [held] = await deps.intake.accept([{ action: 'trigger', alert }]);
    if (held.held === 'spool' || !held.incidentId) return toChannel(`${caller.name} declared a ${command.severity} incident on ${command.service}; it opens as soon as Temporal is back.`);
    return toChannel(`${caller.name} declared a ${command.severity} incident on ${command.service}: ${command.summary}`);
  }

  function onCallText(schedule: string | undefined): ChatReply {
    const ids = schedule ? [schedule] : Object.keys(config.schedules);
    if (schedule && !Object.hasOwn(config.schedules, schedule)) return toCaller(`No schedule ${schedule}.`);
    if (ids.length === 0) return toCaller('No on-call schedule is configured.');
    const at = now();
    const lines = ids.slice(0, 20).map((id) => {
      const contactId = onCall(id, at);
      return `${id}: ${contactId ? (config.contacts[contactId]?.name ?? contactId) : 'nobody'}`;
    });
    return toCaller(lines.join('\n'));
  }

  async function command(inbound: ChatInbound, caller: ChatCaller, parsed: ChatCommand): Promise<ChatReply> {
    if (parsed.verb === 'help') return toCaller(CHAT_USAGE);
    const readDenied = refusedRead(caller);
    if (readDenied) return toCaller(`Sorry, ${readDenied}.`);
    if (parsed.verb === 'oncall') return onCallText(parsed.schedule);
    if (parsed.verb === 'declare') return declare(inbound, caller, parsed);
    const view = await incidentFor(inbound, parsed.incident);
    if (typeof view === 'string') return toCaller(view);
    switch (parsed.verb) {
      case 'status':
        return toCaller(statusText(view));
      case 'ack':
        return act(caller, view, 'acknowledge');
      case 'resolve':
        return act(caller, view, 'resolve');
      case 'escalate':
        return act(caller, view, 'escalate');
      case 'role':
        return assignRole(caller, view, parsed.role as IncidentRole, parsed.target);
      case 'update': {
        const denied = refusedOn(config, caller, view);
        if (denied) return toCaller(`Sorry, ${denied}: nothing posted.`);
        return change(view, async () => {
          await gateway.postUpdate(view.id, { by: caller.name, via: caller.platform, text: parsed.text });
          return `Status update on ${view.code} by ${caller.name}: ${parsed.text}`;
        });
      }
      case 'room':
        return requestRoom(caller, view);
    }
  }

  return {
    async handle(inbound) {
      const field = malformed(inbound);
      if (field) return toCaller(`Vigil could not read this request (${field}).`);
      const caller = chatCallerOf(config, inbound.platform, inbound.userId);
      if (!caller) {
        return toCaller(`Sorry, Vigil does not know you: no contact has ${inbound.platform} id ${inbound.userId.slice(0, 64)}. Ask whoever runs Vigil to add it to your contact (chat.${inbound.platform}).`);
      }
      if (!deps.requests) return toCaller('Chat commands need Vigil\'s SQL store, which this API process has not got.');
      if (!(await deps.requests.firstTime(inbound.platform, inbound.requestId, now()))) return { ...toCaller('This request was handled already; nothing done again.'), replayed: true };
      try {
        const request = inbound.request;
        if (request.kind === 'command') return await command(inbound, caller, request.command);
        const view = await gateway.get(request.incidentId);
        if (!view) return toCaller('No such incident.');
        return request.action === 'room' ? await requestRoom(caller, view) : await act(caller, view, request.action);
      } catch (error) {
        // Not the request's fault (Temporal or the store unreachable): a retry of it may act.
        await deps.requests.release(inbound.platform, inbound.requestId).catch(() => undefined);
        throw error;
      }
    },
  };
}
