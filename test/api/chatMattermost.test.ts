/**
 * Mattermost's inbound routes (#16): the /vigil slash command (its token, in constant time) and
 * buttons on incident cards. A button press is relayed the way the Mattermost server relays it,
 * from a card the real adapter posted to the fake server, so the signed context travels the whole
 * way; a forged context, a missing token or a wrong one reaches nothing.
 */
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMattermostPlatform } from '../../activities/chat/mattermost';
import { MATTERMOST_ACTIONS_PATH, MATTERMOST_COMMANDS_PATH, mattermostChatRoutes } from '../../api/routes/chatMattermost';
import { HANDLED_AGAIN, startChatRouteApp, type ChatRouteApp } from '../../devkit/chatRouteApp';
import { FAKE_MATTERMOST_TEAM, startFakeMattermost, type FakeMattermost } from '../../devkit/fakeMattermost';
import { signChatAction } from '../../platform/chatActionSignature';
import { waitFor } from '../../devkit/waitFor';

const COMMAND_TOKEN = 'mm-slash-command-token';
const SECRET = 'mattermost-action-secret';
const ALICE = 'aliceuserid00000000000000a';
const CHANNEL = 'incchannel0000000000000000';
let mattermost: FakeMattermost;
let api: ChatRouteApp;
let unconfigured: ChatRouteApp;
beforeAll(async () => {
  mattermost = await startFakeMattermost({ token: 'bot-token' });
  const logger = pino({ level: 'silent' });
  [api, unconfigured] = await Promise.all([
    startChatRouteApp((handle) => mattermostChatRoutes({ commandToken: COMMAND_TOKEN, actionSecret: SECRET, mattermostUrl: mattermost.url, handle, logger, answerWithinMs: 300 })),
    startChatRouteApp((handle) => mattermostChatRoutes({ handle, logger })),
  ]);
});
afterAll(async () => {
  await Promise.all([api.close(), unconfigured.close(), mattermost.close()]);
});
beforeEach(() => {
  api.heard.length = 0;
  api.slowDown(0);
});

let triggers = 0;
function command(text: string, headers: Record<string, string> = { authorization: `Token ${COMMAND_TOKEN}` }, fields: Record<string, string> = {}) {
  const body = new URLSearchParams({ channel_id: CHANNEL, channel_name: 'inc-7kq2mx', command: '/vigil', response_url: `${mattermost.url}/hooks/commands/abc`, team_domain: 'acme', team_id: FAKE_MATTERMOST_TEAM.id, text, token: COMMAND_TOKEN, trigger_id: `trig-${++triggers}`, user_id: ALICE, user_name: 'alice', ...fields });
  return fetch(`${api.url}${MATTERMOST_COMMANDS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
}
function action(context: Record<string, unknown>, userId = ALICE, triggerId = `trig-${++triggers}`) {
  return fetch(`${api.url}${MATTERMOST_ACTIONS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: userId, channel_id: CHANNEL, post_id: 'postid00000000000000000000', trigger_id: triggerId, type: '', context }) });
}

describe('Mattermost buttons', () => {
  it('acts on a button of a card the adapter posted, as the user the Mattermost server says pressed it', async () => {
    const platform = createMattermostPlatform({ url: mattermost.url, token: 'bot-token', teamId: FAKE_MATTERMOST_TEAM.id, actionUrl: `${api.url}${MATTERMOST_ACTIONS_PATH}`, actionSecret: SECRET });
    const ref = await platform.postCard({ platform: 'mattermost', kind: 'direct', id: ALICE }, {
      incidentId: 'inc-789', code: '7KQ2MX', service: 'checkout', severity: 'critical', status: 'triggered', summary: 's', paged: ['Alice'], incidentUrl: 'https://vigil.example.test/i',
    });
    const pressed = await mattermost.pressButton(ref.messageId, 'escalate', ALICE);
    expect(pressed).toEqual({ status: 200, body: { ephemeral_text: `done: escalate for ${ALICE}` } });
    expect(api.heard).toMatchObject([{ platform: 'mattermost', userId: ALICE, channelId: ref.channelId, request: { kind: 'action', action: 'escalate', incidentId: 'inc-789' } }]);
    expect(api.heard[0].requestId).toMatch(/^trigger-/);
  });

  it('opens the room from a card offering it, and takes no room signature as an acknowledge', async () => {
    const platform = createMattermostPlatform({ url: mattermost.url, token: 'bot-token', teamId: FAKE_MATTERMOST_TEAM.id, actionUrl: `${api.url}${MATTERMOST_ACTIONS_PATH}`, actionSecret: SECRET });
    const ref = await platform.postCard({ platform: 'mattermost', kind: 'direct', id: ALICE }, {
      incidentId: 'inc-room', code: '7KQ2MX', service: 'checkout', severity: 'critical', status: 'triggered', summary: 's', paged: ['Alice'], incidentUrl: 'https://vigil.example.test/i', offerRoom: true,
    });
    const pressed = await mattermost.pressButton(ref.messageId, 'room', ALICE);
    expect(pressed.status).toBe(200);
    expect(api.heard).toMatchObject([{ platform: 'mattermost', userId: ALICE, request: { kind: 'action', action: 'room', incidentId: 'inc-room' } }]);
    const roomSignature = signChatAction(SECRET, 'room', 'inc-room');
    expect((await action({ action: 'acknowledge', incident_id: 'inc-room', signature: roomSignature })).status).toBe(403);
  });

  it('refuses a context without a signature (401) or with one Vigil did not make, or made for another action or incident (403)', async () => {
    const unsigned = await action({ action: 'resolve', incident_id: 'inc-1' });
    expect(unsigned.status).toBe(401);
    const forged = await action({ action: 'resolve', incident_id: 'inc-1', signature: signChatAction('guessed-secret', 'resolve', 'inc-1') });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ details: [{ field: 'body.context.signature' }] });
    // A real acknowledge button's signature, replayed to resolve, or for another incident.
    const ackSignature = signChatAction(SECRET, 'acknowledge', 'inc-1');
    expect((await action({ action: 'resolve', incident_id: 'inc-1', signature: ackSignature })).status).toBe(403);
    expect((await action({ action: 'acknowledge', incident_id: 'inc-2', signature: ackSignature })).status).toBe(403);
    expect(api.heard).toEqual([]);
  });

  it('acts once per trigger_id, however often the same press arrives', async () => {
    const context = { action: 'acknowledge', incident_id: 'inc-3', signature: signChatAction(SECRET, 'acknowledge', 'inc-3') };
    expect(await (await action(context, ALICE, 'trig-replayed')).json()).toEqual({ ephemeral_text: `done: acknowledge for ${ALICE}` });
    expect(await (await action(context, ALICE, 'trig-replayed')).json()).toEqual({ ephemeral_text: HANDLED_AGAIN });
    expect(api.heard).toHaveLength(1);
  });

  it('answers 400 naming the field for a body that is not an action request, and 503 when not configured', async () => {
    const response = await action({ action: 'reboot', incident_id: 'inc-1', signature: 'x' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ details: [{ field: 'body.context.action' }] });
    const bare = await fetch(`${unconfigured.url}${MATTERMOST_ACTIONS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(bare.status).toBe(503);
    expect(api.heard).toEqual([]);
  });
});

describe('the Mattermost /vigil command', () => {
  it('acts with the right token (header or form) as the user Mattermost names, answering inline', async () => {
    const response = await command('resolve 7kq2mx');
    expect(await response.json()).toEqual({ response_type: 'ephemeral', text: `done: resolve for ${ALICE}` });
    const formOnly = await command('status', {});
    expect(formOnly.status).toBe(200);
    expect(api.heard.map((inbound) => [inbound.userId, inbound.channelId, inbound.request])).toEqual([
      [ALICE, CHANNEL, { kind: 'command', command: { verb: 'resolve', incident: '7KQ2MX' } }],
      [ALICE, CHANNEL, { kind: 'command', command: { verb: 'status', incident: undefined } }],
    ]);
  });

  it('refuses a missing or wrong token with 401, acting on nothing', async () => {
    const wrongHeader = await command('ack', { authorization: 'Token not-the-token' });
    expect(wrongHeader.status).toBe(401);
    expect(await wrongHeader.json()).toMatchObject({ details: [{ field: 'headers.authorization' }] });
    expect((await command('ack', {}, { token: 'not-the-token' })).status).toBe(401);
    expect((await command('ack', {}, { token: '' })).status).toBe(401);
    const bare = await fetch(`${unconfigured.url}${MATTERMOST_COMMANDS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=ack' });
    expect(bare.status).toBe(503);
    expect(api.heard).toEqual([]);
  });

  it('answers how to write a command it cannot read', async () => {
    const body = (await (await command('ack all of them')).json()) as { text: string };
    expect(body.text).toContain('"ack" takes at most an incident code');
    expect(api.heard).toEqual([]);
  });

  it('answers in time when acting takes longer, and follows up only on the Mattermost server', async () => {
    api.slowDown(800);
    const response = await command('ack 7KQ2MX');
    expect(await response.json()).toEqual({ response_type: 'ephemeral', text: 'Working on it…' });
    // The follow-up goes to <MATTERMOST_URL>/hooks/commands/…, and nowhere else.
    const answer = await waitFor('the follow-up', () => mattermost.responses.find((entry) => entry.id === 'abc'));
    expect(answer.body).toEqual({ response_type: 'ephemeral', text: `done: ack for ${ALICE}` });
  });
});
