/**
 * An incident's chat room with the store of `npm start` (#16): the worker and the API each keep
 * their own embedded store, so the room the worker opens is known to the API only through Temporal
 * visibility (decision 79). On the real stack (dev server, worker, API on a port) with the real
 * Slack SDK against the loopback Slack: the room opens, the dashboard's row links to it, and
 * `/vigil ack` typed in the room with no code acknowledges that incident, as its caller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatPlatformsFromEnv } from '../../activities/chat/index';
import { slackSignature } from '../../api/chat/slack/slackSignature';
import { SLACK_COMMANDS_PATH } from '../../api/routes/chatSlack';
import { parseConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { startFakeSlack, type FakeSlack } from '../../devkit/fakeSlack';
import { postStackAlert, stackIncident } from '../../devkit/stackRequests';
import { startStack, STACK_AUTH, type Stack } from '../../devkit/stack';
import { waitFor } from '../../devkit/waitFor';

const SECRET = 'b7c1d3f0a9e84b2c8d5e6f7a1b2c3d4e';
const TEAM = 'T0VIGIL';
let slack: FakeSlack;
let stack: Stack;

beforeAll(async () => {
  slack = await startFakeSlack({ token: 'xoxb-rooms-apart' });
  const config = parseConfig(
    {
      services: { checkout: { escalationPolicy: 'p' } },
      defaultEscalationPolicy: 'p',
      contacts: { alice: { name: 'Alice', email: 'alice@example.test', chat: { slack: 'UALICE' } } },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '30m' }] } },
      incidentRooms: [{ platform: 'slack', services: ['checkout'] }],
    },
    'rooms apart test',
  );
  stack = await startStack({
    config,
    email: { name: 'memory', send: async () => undefined },
    sms: { name: 'memory', send: async () => ({ id: 'SM0' }) },
    chatPlatforms: chatPlatformsFromEnv({ SLACK_BOT_TOKEN: 'xoxb-rooms-apart', SLACK_API_URL: slack.apiUrl }),
    slack: { signingSecret: SECRET, teamId: TEAM, responseUrlPrefix: slack.responseUrl('') },
  });
});

afterAll(async () => {
  await stack?.stop();
  await slack?.close();
});

const postAlert = (body: Record<string, unknown>) => postStackAlert(stack, body);

const incident = (id: string) => stackIncident(stack, id);

interface RowsAnswer {
  incidents: Array<{ id: string; chatRoom?: { platform: string; channelId: string; archived: boolean } }>;
}

let commands = 0;
/** `/vigil <text>` as Slack posts it: form-encoded, signed with the app's secret, from `channelId`. */
async function slashCommand(text: string, channelId: string, userId = 'UALICE'): Promise<string> {
  commands += 1;
  const body = new URLSearchParams({
    team_id: TEAM,
    team_domain: 'acme',
    channel_id: channelId,
    user_id: userId,
    user_name: 'alice',
    command: '/vigil',
    text,
    api_app_id: 'A0VIGIL',
    response_url: slack.responseUrl(`apart${commands}`),
    trigger_id: `13345224609.738474920.apart${commands}`,
  }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await fetch(`${stack.apiUrl}${SLACK_COMMANDS_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': slackSignature(SECRET, timestamp, body) },
    body,
  });
  expect(response.status).toBe(200);
  const answered = (await response.json().catch(() => ({}))) as { text?: string };
  if (answered.text) return answered.text;
  const late = await waitFor('the answer on the response_url', () => slack.responses.find((entry) => entry.id === `apart${commands}`));
  return String(late.body.text);
}

describe('a chat room the API learns of through visibility alone', () => {
  it('links the dashboard row to the room, and acts on a command typed in the room without a code', async () => {
    const id = await postAlert({ service: 'checkout', summary: 'checkout is down', severity: 'critical', dedupKey: 'rooms-apart' });
    const view = await incident(id);
    const room = await waitFor('the incident room in Slack', () => [...slack.channels.values()].find((channel) => channel.name.startsWith(`inc-${view.code.toLowerCase()}`)), 30_000);

    // The dashboard's rows and its per-incident digest both carry the room the worker opened.
    const row = await waitFor(
      'the room on the dashboard row',
      async () => {
        const rows = (await (await fetch(`${stack.apiUrl}/v1/dashboard/rows`, { headers: STACK_AUTH })).json()) as RowsAnswer;
        return rows.incidents.find((candidate) => candidate.id === id && candidate.chatRoom);
      },
      30_000,
    );
    expect(row.chatRoom).toMatchObject({ platform: 'slack', channelId: room.id, archived: false });
    const digest = (await (await fetch(`${stack.apiUrl}/v1/dashboard/incidents?ids=${encodeURIComponent(id)}`, { headers: STACK_AUTH })).json()) as RowsAnswer;
    expect(digest.incidents[0].chatRoom).toMatchObject({ platform: 'slack', channelId: room.id });

    // Typed in another channel with no code: Vigil cannot tell which incident, and does nothing.
    expect(await slashCommand('ack', 'C0ELSEWHERE')).toMatch(/Name the incident/);
    expect((await incident(id)).status).toBe('triggered');

    // Typed in the room: that incident, acknowledged as Alice.
    expect(await slashCommand('ack', room.id)).toMatch(new RegExp(`Alice acknowledged ${view.code}`));
    const acknowledged = await waitFor('the acknowledgement', async () => {
      const now = await incident(id);
      return now.status === 'acknowledged' ? now : undefined;
    });
    expect(acknowledged.acknowledgedBy).toBe('Alice (slack)');
  });
});
