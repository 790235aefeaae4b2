/**
 * The shared chat handler (#16) every platform's inbound route calls: callers mapped to contacts by
 * the id their platform vouched for, held to their role and to their incidents as SMS replies are,
 * each request id acting once across replicas, commands finding their incident by code or by room.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createChatInboundHandler, type ChatInboundHandler } from '../../api/chat/chatInbound';
import { createChatRequestGuard } from '../../api/chat/chatRequestGuard';
import type { IncidentChatGateway } from '../../api/gateways/chatGateway';
import { createAlertIntake } from '../../api/intake/alertIntake';
import { parseChatCommand } from '../../domain/chat/commands';
import type { ChatInbound } from '../../domain/chat/platform';
import { parseConfig, responderOf } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { makeAlert } from '../../devkit/alerts';
import { createFakeGateway } from '../../devkit/fakeGateway';
import { createChatRecords } from '../../platform/chatRecords';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';

const config = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: {
      alice: { name: 'Alice', email: 'alice@example.test', chat: { slack: 'U0ALICE' } },
      bob: { name: 'Bob', email: 'bob@example.test', chat: { slack: 'U0BOB', role: 'viewer' } },
      carol: { name: 'Carol', email: 'carol@example.test', chat: { slack: 'U0CAROL', matrix: '@carol:example.org' } },
      olga: { name: 'Olga', email: 'olga@example.test', chat: { slack: 'U0OLGA', role: 'operations-manager' } },
    },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
    schedules: { primary: { timeZone: 'UTC', layers: [{ type: 'daily', users: ['alice'], handoff: '09:00', start: '2026-01-01T09:00:00Z' }] } },
    incidentRooms: [{ platform: 'slack', open: 'request' }],
  },
  'chat handler test',
);

let store: SqlStore;
beforeAll(async () => {
  store = await openSqlStore({});
});
afterAll(() => store.close());
beforeEach(() => store.query('TRUNCATE chat_requests, chat_rooms'));

let fakes: ReturnType<typeof createFakeGateway>;
let handler: ChatInboundHandler;
let roomRequests: string[];
let incident: IncidentView;
let sequence = 0;

function build(requests = createChatRequestGuard(store)): ChatInboundHandler {
  const chatSide: IncidentChatGateway = {
    requestRoom: async (incidentId) => (roomRequests.push(incidentId), true),
    reviewCompleted: async () => true,
  };
  return createChatInboundHandler({ config, gateway: fakes.gateway, intake: createAlertIntake({ gateway: fakes.gateway }), requests, rooms: createChatRecords(store), chatSide });
}

beforeEach(() => {
  fakes = createFakeGateway();
  roomRequests = [];
  handler = build();
  // An incident that paged Alice (so it is hers to command, as by SMS).
  const opened = fakes.open(makeAlert({ service: 'checkout' }));
  const live = fakes.incidents.get(opened.id);
  live?.recordEscalation({ cycle: 0, levelIndex: 0 }, 'p', new Date(), undefined);
  live?.recordPage(responderOf(config, 'alice'), 'email', { cycle: 0, levelIndex: 0 }, new Date(), 'sent');
  incident = live?.view() as IncidentView;
});

const request = (userId: string, text: string, extra: Partial<ChatInbound> = {}): ChatInbound => {
  const parsed = parseChatCommand(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return { platform: 'slack', userId, requestId: `req-${++sequence}`, request: { kind: 'command', command: parsed.command }, ...extra };
};
const button = (userId: string, action: 'acknowledge' | 'resolve' | 'escalate' | 'room', extra: Partial<ChatInbound> = {}): ChatInbound => ({
  platform: 'slack',
  userId,
  requestId: `req-${++sequence}`,
  request: { kind: 'action', action, incidentId: incident.id },
  ...extra,
});
const statusNow = () => fakes.incidents.get(incident.id)?.view().status;

describe('the chat inbound handler', () => {
  it('refuses an unknown chat user politely and does nothing', async () => {
    const reply = await handler.handle(button('U0STRANGER', 'resolve'));
    expect(reply).toEqual({ audience: 'caller', text: expect.stringMatching(/^Sorry, Vigil does not know you: no contact has slack id U0STRANGER/) });
    // An id is a platform's: Carol's Matrix id is nobody on Slack, her Slack id nobody on Mattermost.
    expect((await handler.handle(button('@carol:example.org', 'resolve'))).text).toMatch(/does not know you/);
    expect((await handler.handle(button('U0CAROL', 'resolve', { platform: 'mattermost' }))).text).toMatch(/does not know you/);
    expect(statusNow()).toBe('triggered');
  });

  it('acknowledges by button for the paged responder, and acts once however often the request is replayed', async () => {
    const press = button('U0ALICE', 'escalate');
    expect(await handler.handle(press)).toEqual({ audience: 'channel', text: expect.stringMatching(/^Alice escalated .* the next level is being paged/) });
    expect(fakes.escalations).toEqual([{ id: incident.id, by: 'Alice' }]);
    // The same request again, here and on another replica sharing the store.
    expect((await handler.handle(press)).text).toMatch(/handled already/);
    expect((await build(createChatRequestGuard(store)).handle(press)).text).toMatch(/handled already/);
    expect(fakes.escalations).toHaveLength(1);
    const ack = await handler.handle(button('U0ALICE', 'acknowledge'));
    expect(ack.text).toMatch(/^Alice acknowledged .*escalation stopped/);
    expect(fakes.incidents.get(incident.id)?.view().acknowledgedBy).toBe('Alice (slack)');
  });

  it("holds each caller to their role and to their incidents, as SMS replies are held", async () => {
    // A viewer reads but never changes.
    expect((await handler.handle(button('U0BOB', 'resolve'))).text).toMatch(/your role \(viewer\) may not change incidents/);
    expect((await handler.handle(request('U0BOB', `status ${incident.code}`))).text).toMatch(new RegExp(`^${incident.code} \\[TRIGGERED\\] critical on checkout`));
    expect((await handler.handle(request('U0BOB', 'declare checkout critical all down'))).text).toMatch(/nothing declared/);
    // A responder the incident did not page, whose policy does not name them, may not act on it.
    expect((await handler.handle(button('U0CAROL', 'resolve'))).text).toMatch(/did not page you, its escalation policy does not name you/);
    expect((await handler.handle(request('U0CAROL', `update ${incident.code} all good`))).text).toMatch(/nothing posted/);
    expect(statusNow()).toBe('triggered');
    // Given a role on it, they may.
    expect((await handler.handle(request('U0ALICE', `role ${incident.code} scribe <@U0CAROL|carol>`))).text).toMatch(/scribe Carol, set by Alice/);
    expect((await handler.handle(button('U0CAROL', 'acknowledge'))).text).toMatch(/^Carol acknowledged/);
    // An operations manager stands in for anyone.
    expect((await handler.handle(button('U0OLGA', 'resolve'))).text).toMatch(/^Olga resolved/);
    expect(statusNow()).toBe('resolved');
    // A resolved incident refuses politely.
    expect(await handler.handle(button('U0OLGA', 'resolve'))).toEqual({ audience: 'caller', text: expect.stringMatching(/is already resolved\.$/) });
  });

  it("takes a command's incident from the room it was typed in, or from its code", async () => {
    const inRoom = { channelId: 'C0ROOM' };
    expect((await handler.handle(request('U0ALICE', 'update rolling back the deploy', inRoom))).text).toMatch(/Name the incident/);
    await createChatRecords(store).recordRoom(incident.id, { platform: 'slack', channelId: 'C0ROOM' }, new Date());
    expect(await handler.handle(request('U0ALICE', 'update rolling back the deploy', inRoom))).toEqual({ audience: 'channel', text: `Status update on ${incident.code} by Alice: rolling back the deploy` });
    expect(fakes.incidents.get(incident.id)?.view().updates?.map((update) => [update.by, update.text])).toEqual([['Alice (slack)', 'rolling back the deploy']]);
    // The same channel id on another platform is another room.
    expect((await handler.handle(request('U0CAROL', 'status', { platform: 'matrix', userId: '@carol:example.org', channelId: 'C0ROOM' }))).text).toMatch(/Name the incident/);
    expect((await handler.handle(request('U0ALICE', 'role commander @carol', inRoom))).text).toMatch(/commander Carol/);
    expect((await handler.handle(request('U0ALICE', 'role commander @mallory', inRoom))).text).toMatch(/knows nobody called @mallory/);
    expect((await handler.handle(request('U0ALICE', 'room', inRoom))).audience).toBe('channel');
    expect(roomRequests).toEqual([incident.id]);
    expect((await handler.handle(request('U0ALICE', 'ack ZZZZZZ'))).text).toBe('No open incident ZZZZZZ.');
  });

  it("opens the room on a card's button, for those who may act on the incident only", async () => {
    expect(await handler.handle(button('U0BOB', 'room'))).toMatchObject({ audience: 'caller', text: expect.stringMatching(/^Sorry, .*no room opened/) });
    expect(roomRequests).toEqual([]);
    expect(await handler.handle(button('U0ALICE', 'room'))).toEqual({ audience: 'channel', text: `Alice asked for a room for ${incident.code}: it opens in a moment.` });
    expect(roomRequests).toEqual([incident.id]);
  });

  it('declares an incident once per request, answers on call and help', async () => {
    const declare = request('U0ALICE', 'declare checkout critical payments failing');
    expect((await handler.handle(declare)).text).toBe('Alice declared a critical incident on checkout: payments failing');
    expect(fakes.submitted.map((alert) => [alert.service, alert.severity, alert.summary, alert.declared?.by, alert.declared?.via])).toEqual([['checkout', 'critical', 'payments failing', 'Alice', 'slack']]);
    expect((await handler.handle(declare)).text).toMatch(/handled already/);
    expect(fakes.submitted).toHaveLength(1);
    expect((await handler.handle(request('U0ALICE', 'declare nowhere critical x'))).text).toBe('No service nowhere in Vigil\'s config.');
    expect((await handler.handle(request('U0BOB', 'oncall'))).text).toBe('primary: Alice');
    expect((await handler.handle(request('U0BOB', 'oncall nightly'))).text).toBe('No schedule nightly.');
    expect((await handler.handle(request('U0STRANGER', 'help'))).text).toMatch(/does not know you/);
    expect((await handler.handle(request('U0BOB', 'help'))).text).toMatch(/\/vigil declare <service> <severity> <summary>/);
  });

  it('gives a request id back when Temporal is down, so the retry acts', async () => {
    const press = button('U0ALICE', 'acknowledge');
    fakes.state.available = false;
    await expect(handler.handle(press)).rejects.toThrow(/connection refused/);
    fakes.state.available = true;
    expect((await handler.handle(press)).text).toMatch(/^Alice acknowledged/);
  });

  it('refuses what no verified route would send, and everything without the SQL store', async () => {
    expect((await handler.handle({ ...button('U0ALICE', 'resolve'), platform: 'irc' as 'slack' })).text).toMatch(/could not read this request \(platform\)/);
    expect((await handler.handle({ ...button('U0ALICE', 'resolve'), requestId: '' })).text).toMatch(/\(requestId\)/);
    expect((await handler.handle({ ...button('U0ALICE', 'resolve'), request: { kind: 'action', action: 'delete' as 'resolve', incidentId: incident.id } })).text).toMatch(/\(request\)/);
    const storeless = createChatInboundHandler({ config, gateway: fakes.gateway, intake: createAlertIntake({ gateway: fakes.gateway }) });
    expect((await storeless.handle(button('U0ALICE', 'resolve'))).text).toMatch(/need Vigil's SQL store/);
    expect(statusNow()).toBe('triggered');
  });
});
