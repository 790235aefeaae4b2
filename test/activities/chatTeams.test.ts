/**
 * The Teams adapter (#16) against a loopback Workflows webhook that checks every card against the
 * Adaptive Card schema subset Teams renders: the incident card with its signed action links as
 * `Action.OpenUrl`, timeline lines, and every call a webhook cannot serve answered as unsupported,
 * not retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_UNSUPPORTED, isPermanentChatFailure } from '../../activities/chat/chatFailures';
import { createTeamsPlatform, fromEnv } from '../../activities/chat/teams';
import type { ChatIncidentCard } from '../../domain/chat/platform';
import { startFakeTeamsWorkflow, type FakeTeamsWorkflow } from '../../devkit/fakeTeamsWorkflow';

let workflows: FakeTeamsWorkflow;
let opsUrl: string;
beforeAll(async () => {
  workflows = await startFakeTeamsWorkflow();
  opsUrl = workflows.addFlow('flowops');
});
afterAll(() => workflows.close());

const LINKS = { acknowledge: 'https://vigil.example.test/v1/ack/a.sig', resolve: 'https://vigil.example.test/v1/ack/r.sig', escalate: 'https://vigil.example.test/v1/ack/e.sig' };
const card = (overrides: Partial<ChatIncidentCard> = {}): ChatIncidentCard => ({
  incidentId: 'inc-9',
  code: '7KQ2MX',
  service: 'checkout',
  severity: 'critical',
  status: 'triggered',
  summary: 'Payments failing, see [this](https://evil.example)',
  paged: ['Alice', 'Bob'],
  commander: 'Carol',
  incidentUrl: 'https://vigil.example.test/dashboard/incidents/inc-9',
  actionLinks: LINKS,
  ...overrides,
});

const typeOf = (error: unknown) => (error as { type?: string }).type;

describe('the Teams adapter', () => {
  const platform = () => createTeamsPlatform({ webhooks: { ops: opsUrl, gone: opsUrl.replace('flowops', 'flowgone') } });

  it('is configured by TEAMS_WEBHOOK_URL_<NAME> variables, one per webhook', () => {
    expect(fromEnv({ SLACK_BOT_TOKEN: 'x' })).toBeUndefined();
    expect(fromEnv({ TEAMS_WEBHOOK_URL_PLATFORM_OPS: opsUrl })?.id).toBe('teams');
    expect(() => fromEnv({ TEAMS_WEBHOOK_URL_OPS: 'ftp://x' })).toThrow(/TEAMS_WEBHOOK_URL_OPS is not an http\(s\) URL/);
  });

  it('pages a team channel with an Adaptive Card whose buttons open the signed action links', async () => {
    const ref = await fromEnv({ TEAMS_WEBHOOK_URL_OPS: opsUrl })?.postCard({ platform: 'teams', kind: 'channel', id: 'ops' }, card());
    const posted = workflows.posts.at(-1);
    expect(ref).toEqual({ platform: 'teams', channelId: 'ops', messageId: posted?.runId });
    const content = posted?.message.attachments[0].content;
    expect(content?.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Acknowledge', url: LINKS.acknowledge },
      { type: 'Action.OpenUrl', title: 'Resolve', url: LINKS.resolve },
      { type: 'Action.OpenUrl', title: 'Escalate', url: LINKS.escalate },
      { type: 'Action.OpenUrl', title: 'Open in Vigil', url: 'https://vigil.example.test/dashboard/incidents/inc-9' },
    ]);
    expect(JSON.stringify(content?.body)).toContain('CRITICAL · checkout');
    expect(JSON.stringify(content?.body)).not.toContain('](https://evil.example)');
    expect(content?.body.find((element) => element.type === 'FactSet')).toEqual({
      type: 'FactSet',
      facts: [{ title: 'Status', value: 'Triggered' }, { title: 'Code', value: '7KQ2MX' }, { title: 'Paged', value: 'Alice, Bob' }, { title: 'Commander', value: 'Carol' }],
    });
  });

  it('shows only the links left for the status, and none it was not given', async () => {
    await platform().postCard({ platform: 'teams', kind: 'channel', id: 'ops' }, card({ status: 'acknowledged', actionLinks: { resolve: LINKS.resolve } }));
    expect(workflows.posts.at(-1)?.message.attachments[0].content.actions.map((action) => action.title)).toEqual(['Resolve', 'Open in Vigil']);
    await platform().postCard({ platform: 'teams', kind: 'channel', id: 'ops' }, card({ status: 'resolved' }));
    expect(workflows.posts.at(-1)?.message.attachments[0].content.actions.map((action) => action.title)).toEqual(['Open in Vigil']);
  });

  it('mirrors a timeline line into the channel', async () => {
    const ref = await platform().postText({ platform: 'teams', channelId: 'ops' }, 'Alice acknowledged 7KQ2MX');
    expect(ref.channelId).toBe('ops');
    expect(workflows.posts.at(-1)?.message.attachments[0].content.body).toEqual([{ type: 'TextBlock', text: 'Alice acknowledged 7KQ2MX', wrap: true }]);
  });

  it('answers what a webhook cannot do as ChatUnsupported, which Temporal does not retry', async () => {
    const room = { platform: 'teams' as const, channelId: 'ops' };
    const refusals = await Promise.all([
      platform().postCard({ platform: 'teams', kind: 'direct', id: 'alice@example.test' }, card()).catch((error: unknown) => error),
      platform().updateCard({ platform: 'teams', channelId: 'ops', messageId: 'x' }, card()).catch((error: unknown) => error),
      platform().openRoom({ name: 'inc', topic: 't', members: [] }).catch((error: unknown) => error),
      platform().setTopic(room, 't').catch((error: unknown) => error),
      platform().invite(room, ['a']).catch((error: unknown) => error),
      platform().archive(room).catch((error: unknown) => error),
    ]);
    for (const refusal of refusals) {
      expect(typeOf(refusal)).toBe(CHAT_UNSUPPORTED);
      expect((refusal as { nonRetryable?: boolean }).nonRetryable).toBe(true);
    }
  });

  it('ends retries on a refusal (unknown webhook, a dead flow), keeps them on a throttle, and never shows the URL', async () => {
    const unknown = await platform().postText({ platform: 'teams', channelId: 'nobody' }, 'x').catch((error: unknown) => error);
    expect(isPermanentChatFailure(unknown)).toBe(true);
    expect(String((unknown as Error).message)).toContain('TEAMS_WEBHOOK_URL_NOBODY');
    const gone = await platform().postText({ platform: 'teams', channelId: 'gone' }, 'x').catch((error: unknown) => error);
    expect(isPermanentChatFailure(gone)).toBe(true);
    workflows.failNext(429);
    const throttled = await platform().postText({ platform: 'teams', channelId: 'ops' }, 'x').catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(Error);
    expect(isPermanentChatFailure(throttled)).toBe(false);
    for (const error of [unknown, gone, throttled]) expect(String((error as Error).message)).not.toContain('sig=');
  });
});
