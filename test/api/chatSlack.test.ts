/**
 * Slack's inbound routes (#16): interactivity (a card's buttons) and the /vigil slash command,
 * signed as Slack signs them (v0 HMAC-SHA256 over `v0:timestamp:body`). A good signature hands the
 * shared handler a `ChatInbound` naming the Slack user from the signed body; a missing, wrong or
 * stale signature, or a body changed after signing, reaches nothing.
 */
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackSignature } from '../../api/chat/slack/slackSignature';
import { SLACK_COMMANDS_PATH, SLACK_INTERACTIONS_PATH, slackChatRoutes } from '../../api/routes/chatSlack';
import { HANDLED_AGAIN, startChatRouteApp, type ChatRouteApp } from '../../devkit/chatRouteApp';
import { startFakeSlack, type FakeSlack } from '../../devkit/fakeSlack';
import { waitFor } from '../../devkit/waitFor';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TEAM = 'T0VIGIL';
let slack: FakeSlack;
let api: ChatRouteApp;
let unconfigured: ChatRouteApp;
beforeAll(async () => {
  slack = await startFakeSlack({ token: 'xoxb-unused' });
  const logger = pino({ level: 'silent' });
  const responseUrlPrefix = slack.responseUrl('');
  [api, unconfigured] = await Promise.all([
    startChatRouteApp((handle) => slackChatRoutes({ signingSecret: SECRET, teamId: TEAM, handle, logger, responseUrlPrefix, answerWithinMs: 300 })),
    startChatRouteApp((handle) => slackChatRoutes({ handle, logger })),
  ]);
});
afterAll(async () => {
  await Promise.all([api.close(), unconfigured.close(), slack.close()]);
});
beforeEach(() => {
  api.heard.length = 0;
  api.slowDown(0);
});

const nowSeconds = () => String(Math.floor(Date.now() / 1000));

/** Posts `body` as Slack does: form-encoded, signed now (or as `sign` says). */
function post(path: string, body: string, sign: (body: string) => Record<string, string> = (text) => signed(text)) {
  return fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) }, body });
}
function signed(body: string, timestamp = nowSeconds(), secret = SECRET): Record<string, string> {
  return { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': slackSignature(secret, timestamp, body) };
}

let triggers = 0;
function buttonPress(actionId: string, overrides: Record<string, unknown> = {}): { body: string; triggerId: string; responseId: string } {
  const triggerId = `13345224609.738474920.${++triggers}`;
  const responseId = `r${triggers}`;
  const payload = {
    type: 'block_actions',
    team: { id: TEAM, domain: 'acme' },
    user: { id: 'UALICE', username: 'alice', team_id: TEAM },
    api_app_id: 'A0VIGIL',
    trigger_id: triggerId,
    response_url: slack.responseUrl(responseId),
    channel: { id: 'D0ALICE', name: 'directmessage' },
    container: { type: 'message', message_ts: '1700000001.000100', channel_id: 'D0ALICE' },
    actions: [{ type: 'button', block_id: 'vigil_incident', action_id: actionId, value: 'inc-123', action_ts: '1700000002.123456' }],
    ...overrides,
  };
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), triggerId, responseId };
}
function slashCommand(text: string, fields: Record<string, string> = {}): string {
  const triggerId = `13345224609.738474920.${++triggers}`;
  return new URLSearchParams({ token: 'deprecated', team_id: TEAM, team_domain: 'acme', channel_id: 'C0INC', user_id: 'UBOB', user_name: 'bob', command: '/vigil', text, api_app_id: 'A0VIGIL', response_url: slack.responseUrl(`c${triggers}`), trigger_id: triggerId, ...fields }).toString();
}

describe('Slack interactivity', () => {
  it('acts on a signed button press as the Slack user who pressed it, and answers on the response_url', async () => {
    const press = buttonPress('vigil_acknowledge');
    const response = await post(SLACK_INTERACTIONS_PATH, press.body);
    expect(response.status).toBe(200);
    expect(api.heard).toEqual([{ platform: 'slack', userId: 'UALICE', channelId: 'D0ALICE', request: { kind: 'action', action: 'acknowledge', incidentId: 'inc-123' }, requestId: press.triggerId }]);
    const answer = await waitFor('the follow-up', () => slack.responses.find((entry) => entry.id === press.responseId));
    expect(answer.body).toEqual({ response_type: 'ephemeral', replace_original: false, text: 'done: acknowledge for UALICE' });
  });

  it('refuses a request without a signature (401), with a wrong one or a body changed after signing (403), or a stale timestamp (403), acting on none', async () => {
    const press = buttonPress('vigil_resolve');
    const unsigned = await post(SLACK_INTERACTIONS_PATH, press.body, () => ({}));
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: 'invalid Slack signature', details: [{ field: 'x-slack-signature' }] });
    const forged = await post(SLACK_INTERACTIONS_PATH, press.body, (body) => signed(body, nowSeconds(), 'not-the-secret'));
    expect(forged.status).toBe(403);
    // Signed for Alice, then changed to act as Carol.
    const tampered = await post(SLACK_INTERACTIONS_PATH, press.body.replace('UALICE', 'UCAROL'), () => signed(press.body));
    expect(tampered.status).toBe(403);
    const stale = await post(SLACK_INTERACTIONS_PATH, press.body, (body) => signed(body, String(Math.floor(Date.now() / 1000) - 301)));
    expect(stale.status).toBe(403);
    expect(await stale.json()).toMatchObject({ details: [{ field: 'x-slack-request-timestamp' }] });
    const garbled = await post(SLACK_INTERACTIONS_PATH, press.body, (body) => ({ ...signed(body), 'x-slack-request-timestamp': 'yesterday' }));
    expect(garbled.status).toBe(403);
    expect(api.heard).toEqual([]);
  });

  it('answers 503 when no signing secret is configured, acting on nothing', async () => {
    const response = await fetch(`${unconfigured.url}${SLACK_INTERACTIONS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signed('payload=%7B%7D') }, body: 'payload=%7B%7D' });
    expect(response.status).toBe(503);
    expect(unconfigured.heard).toEqual([]);
  });

  it('refuses a signed request from another workspace, and drops a link button or another kind of interaction', async () => {
    const elsewhere = buttonPress('vigil_acknowledge', { team: { id: 'T0OTHER' }, user: { id: 'UALICE', team_id: 'T0OTHER' } });
    expect((await post(SLACK_INTERACTIONS_PATH, elsewhere.body)).status).toBe(403);
    expect((await post(SLACK_INTERACTIONS_PATH, buttonPress('vigil_open').body)).status).toBe(200);
    const modal = new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission', user: { id: 'UALICE' } }) }).toString();
    expect((await post(SLACK_INTERACTIONS_PATH, modal)).status).toBe(200);
    expect(api.heard).toEqual([]);
  });

  it('hands on a press of "Open incident channel" as a room request for the card\'s incident', async () => {
    const press = buttonPress('vigil_room');
    expect((await post(SLACK_INTERACTIONS_PATH, press.body)).status).toBe(200);
    expect(api.heard).toEqual([{ platform: 'slack', userId: 'UALICE', channelId: 'D0ALICE', request: { kind: 'action', action: 'room', incidentId: 'inc-123' }, requestId: press.triggerId }]);
  });

  it('answers 400 naming the field for a signed body that is not an interaction', async () => {
    const response = await post(SLACK_INTERACTIONS_PATH, 'payload=not-json');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ details: [{ field: 'body.payload' }] });
    const noValue = buttonPress('vigil_escalate', { actions: [{ action_id: 'vigil_escalate' }] });
    expect(await (await post(SLACK_INTERACTIONS_PATH, noValue.body)).json()).toMatchObject({ details: [{ field: 'body.payload.actions.0.value' }] });
  });
});

describe('the /vigil slash command', () => {
  it('parses the command, acts as the Slack user who typed it, and answers inline when quick', async () => {
    const response = await post(SLACK_COMMANDS_PATH, slashCommand('ack 7kq2mx'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ response_type: 'ephemeral', text: 'done: ack for UBOB' });
    expect(api.heard).toMatchObject([{ platform: 'slack', userId: 'UBOB', channelId: 'C0INC', request: { kind: 'command', command: { verb: 'ack', incident: '7KQ2MX' } } }]);
  });

  it('reads an escaped mention in `role` as the Slack user id', async () => {
    await post(SLACK_COMMANDS_PATH, slashCommand('role 7KQ2MX commander <@UCAROL|carol>'));
    expect(api.heard.at(-1)?.request).toEqual({ kind: 'command', command: { verb: 'role', role: 'commander', target: 'UCAROL', incident: '7KQ2MX' } });
  });

  it('answers how to write a command it cannot read, acting on nothing', async () => {
    const response = await post(SLACK_COMMANDS_PATH, slashCommand('acknowledge everything now'));
    const body = (await response.json()) as { text: string };
    expect(response.status).toBe(200);
    expect(body.text).toContain('"acknowledge" takes at most an incident code');
    expect(api.heard).toEqual([]);
  });

  it('answers Slack before its deadline when acting takes longer, then follows up on the response_url', async () => {
    api.slowDown(1_500);
    const body = slashCommand('resolve 7KQ2MX');
    const responseId = new URLSearchParams(body).get('response_url')?.split('/').at(-1);
    const started = Date.now();
    const response = await post(SLACK_COMMANDS_PATH, body);
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_500);
    const answer = await waitFor('the follow-up', () => slack.responses.find((entry) => entry.id === responseId));
    expect(answer.body.text).toBe('done: resolve for UBOB');
  });

  it('answers politely when acting fails, and acts again on the next command', async () => {
    api.failWith(new Error('Temporal unreachable'));
    try {
      expect(await (await post(SLACK_COMMANDS_PATH, slashCommand('ack 7KQ2MX'))).json()).toEqual({ response_type: 'ephemeral', text: 'Vigil could not act on that just now; please try again in a moment.' });
    } finally {
      api.failWith(undefined);
    }
    expect(await (await post(SLACK_COMMANDS_PATH, slashCommand('ack 7KQ2MX'))).json()).toEqual({ response_type: 'ephemeral', text: 'done: ack for UBOB' });
  });

  it('leaves every other path under /webhooks/slack/ to the API key, as the access policy denies by default', async () => {
    const response = await post('/v1/webhooks/slack/events', slashCommand('ack'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('acts once on a signed request replayed within its window, and again once a failed attempt gave its id back', async () => {
    const body = slashCommand('ack 7KQ2MX');
    const headers = signed(body);
    expect(await (await post(SLACK_COMMANDS_PATH, body, () => headers)).json()).toEqual({ response_type: 'ephemeral', text: 'done: ack for UBOB' });
    expect(await (await post(SLACK_COMMANDS_PATH, body, () => headers)).json()).toEqual({ response_type: 'ephemeral', text: HANDLED_AGAIN });
    expect(api.heard).toHaveLength(1);
    const failing = slashCommand('resolve 7KQ2MX');
    api.failWith(new Error('Temporal unreachable'));
    try {
      await post(SLACK_COMMANDS_PATH, failing);
    } finally {
      api.failWith(undefined);
    }
    expect(await (await post(SLACK_COMMANDS_PATH, failing)).json()).toEqual({ response_type: 'ephemeral', text: 'done: resolve for UBOB' });
  });

  it('refuses an unsigned command', async () => {
    expect((await post(SLACK_COMMANDS_PATH, slashCommand('ack'), () => ({}))).status).toBe(401);
    expect(api.heard).toEqual([]);
  });
});
