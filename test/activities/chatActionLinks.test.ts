/**
 * Cards on a platform whose buttons can only open links (Teams through a Workflows webhook) carry
 * signed single-use links, acting as the channel the card went to, or as the contact for a direct
 * message; the API's /v1/ack acts on them with that attribution (decision 77).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatPlatformsOf } from '../../activities/chat';
import { createIncidentChatActivities } from '../../activities/chat/incidentChat';
import { createUsedAckLinks } from '../../api/records/usedAckLinks';
import type { CardFacts } from '../../domain/chat/chatEvents';
import { parseConfig } from '../../domain/config';
import { makeAlert } from '../../devkit/alerts';
import { recordingChatPlatform } from '../../devkit/recordingChatPlatform';
import { startTestApp } from '../../devkit/testApp';
import { verifyAckLink } from '../../platform/ackLink';
import { createChatRecords } from '../../platform/chatRecords';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';

const SECRET = 'chat-link-secret-for-tests';
const config = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test', chat: { slack: 'U0ALICE', direct: true } } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m', chat: ['ops-teams', 'ops-slack'] }] } },
    chatChannels: { 'ops-teams': { platform: 'teams', channel: 'ops' }, 'ops-slack': { platform: 'slack', channel: 'C0OPS' } },
  },
  'chat links test config',
);

let store: SqlStore;
let app: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  store = await openSqlStore({});
  app = await startTestApp({ linkSecret: SECRET, usedAckLinks: createUsedAckLinks(store) });
});
afterAll(async () => {
  await app.close();
  await store.close();
});

function chatSide(store: SqlStore, linkSecret: string | undefined) {
  const teams = Object.assign(recordingChatPlatform('teams'), { actsByLink: true });
  const slack = recordingChatPlatform('slack');
  const all = createIncidentChatActivities({ config, platforms: chatPlatformsOf([teams, slack]), records: createChatRecords(store), publicUrl: 'https://vigil.example.test/', ...(linkSecret ? { linkSecret } : {}) });
  // Activities read their attempt from the activity context, as on a worker.
  const activities = { postIncidentCards: (input: Parameters<typeof all.postIncidentCards>[0]) => new MockActivityEnvironment().run(all.postIncidentCards, input) };
  return { activities, teams, slack };
}

function factsOf(incidentId: string): CardFacts {
  return { incidentId, code: 'ABC123', service: 'checkout', severity: 'critical', status: 'triggered', summary: 'checkout is down', paged: ['Alice'] };
}

const tokenOf = (url: string | undefined) => /\/v1\/ack\/([^/]+)$/.exec(url ?? '')?.[1] ?? '';
const click = (token: string) => fetch(`${app.url}/v1/ack/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });

describe('action links on chat cards', () => {
  it('signs Acknowledge, Resolve and Escalate links into a Teams card, acting as its channel; Slack cards call back instead', async () => {
    const view = app.fake.open(makeAlert({ service: 'checkout', dedupKey: `links-${Math.random()}` }));
    const { activities, teams, slack } = chatSide(store, SECRET);
    expect(await activities.postIncidentCards({ card: factsOf(view.id), targets: [{ channel: 'ops-teams' }, { channel: 'ops-slack' }] })).toBe(2);

    const teamsCard = teams.calls.find((call) => call.call === 'postCard');
    const slackCard = slack.calls.find((call) => call.call === 'postCard');
    expect(slackCard?.call === 'postCard' && slackCard.card.actionLinks).toBeUndefined();
    const links = teamsCard?.call === 'postCard' ? teamsCard.card.actionLinks : undefined;
    expect(Object.keys(links ?? {}).sort()).toEqual(['acknowledge', 'escalate', 'resolve']);
    for (const [action, url] of Object.entries(links ?? {})) {
      expect(url.startsWith('https://vigil.example.test/v1/ack/')).toBe(true);
      const check = verifyAckLink(tokenOf(url), SECRET, new Date());
      expect(check.ok && check.claims).toMatchObject({ incidentId: view.id, responderId: 'chat:teams:ops-teams', responderName: 'teams channel ops-teams', channel: 'teams' });
      expect(check.ok && (check.claims.action ?? 'acknowledge')).toBe(action);
    }

    // The link acknowledges as the channel, says how, and works once.
    const acknowledge = tokenOf(links?.acknowledge);
    expect((await click(acknowledge)).status).toBe(200);
    expect(app.fake.incidents.get(view.id)?.view().acknowledgedBy).toBe('teams channel ops-teams (teams link)');
    expect((await click(acknowledge)).status).toBe(409);
  });

  it('gives a retried post the same link ids, so each link still works once; no secret, no links', async () => {
    const view = app.fake.open(makeAlert({ service: 'checkout', dedupKey: `links-${Math.random()}` }));
    const idsOf = async () => {
      const { activities, teams } = chatSide(store, SECRET);
      await activities.postIncidentCards({ card: factsOf(view.id), targets: [{ channel: 'ops-teams' }] });
      const call = teams.calls.find((recorded) => recorded.call === 'postCard');
      const links = call?.call === 'postCard' ? call.card.actionLinks : undefined;
      return Object.values(links ?? {}).map((url) => {
        const check = verifyAckLink(tokenOf(url), SECRET, new Date());
        return check.ok ? check.claims.id : 'invalid';
      });
    };
    const first = await idsOf();
    // A worker that died before recording the post posts again: the same links.
    await store.query('DELETE FROM chat_cards');
    expect(await idsOf()).toEqual(first);
    expect(new Set(first).size).toBe(3);

    const { activities, teams } = chatSide(store, undefined);
    await store.query('DELETE FROM chat_cards');
    await activities.postIncidentCards({ card: factsOf(view.id), targets: [{ channel: 'ops-teams' }] });
    const bare = teams.calls.find((recorded) => recorded.call === 'postCard');
    expect(bare?.call === 'postCard' && bare.card.actionLinks).toBeUndefined();
  });
});
