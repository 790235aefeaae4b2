/**
 * The Slack adapter (#16) through the real `@slack/web-api` client against the loopback fake:
 * the card's blocks and buttons, a direct message, the update in place, a channel's whole life,
 * and retries that stay harmless (a channel name taken by the first try, a member already in).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPermanentChatFailure } from '../../activities/chat/chatFailures';
import { createSlackPlatform, fromEnv } from '../../activities/chat/slack';
import type { ChatIncidentCard } from '../../domain/chat/platform';
import { FAKE_SLACK_BOT_USER, startFakeSlack, type FakeSlack } from '../../devkit/fakeSlack';

const TOKEN = 'xoxb-test-token';
let slack: FakeSlack;
beforeAll(async () => {
  slack = await startFakeSlack({ token: TOKEN });
});
afterAll(() => slack.close());

const card = (overrides: Partial<ChatIncidentCard> = {}): ChatIncidentCard => ({
  incidentId: 'inc-123',
  code: '7KQ2MX',
  service: 'checkout',
  severity: 'critical',
  status: 'triggered',
  summary: 'Checkout error rate above 5% <!channel> & more',
  paged: ['Alice'],
  incidentUrl: 'https://vigil.example.test/dashboard/incidents/inc-123',
  ...overrides,
});

interface ButtonBlock { type: string; elements?: Array<{ action_id: string; value?: string; url?: string; text: { text: string } }>; text?: { text: string } }
const buttonsOf = (blocks: unknown[]) => (blocks as ButtonBlock[]).find((block) => block.type === 'actions')?.elements ?? [];

describe('the Slack adapter', () => {
  const platform = () => createSlackPlatform({ token: TOKEN, apiUrl: slack.apiUrl });

  it('is configured only by SLACK_BOT_TOKEN', () => {
    expect(fromEnv({})).toBeUndefined();
    expect(fromEnv({ SLACK_BOT_TOKEN: ' ' })).toBeUndefined();
    expect(fromEnv({ SLACK_BOT_TOKEN: TOKEN })?.id).toBe('slack');
  });

  it('pages a person by direct message with Acknowledge, Resolve and Escalate carrying the incident id, escaping alert text', async () => {
    const ref = await platform().postCard({ platform: 'slack', kind: 'direct', id: 'UALICE' }, card());
    expect(slack.calls.find((call) => call.method === 'conversations.open')?.args.users).toBe('UALICE');
    const message = slack.messages.find((candidate) => candidate.ts === ref.messageId);
    expect(message?.channel).toBe(ref.channelId);
    expect(ref.channelId).toMatch(/^D/);
    expect(message?.text).toContain('&lt;!channel&gt; &amp; more');
    expect(JSON.stringify(message?.blocks)).not.toContain('<!channel>');
    const buttons = buttonsOf(message?.blocks ?? []);
    expect(buttons.map((button) => [button.text.text, button.action_id, button.value])).toEqual([
      ['Acknowledge', 'vigil_acknowledge', 'inc-123'],
      ['Resolve', 'vigil_resolve', 'inc-123'],
      ['Escalate', 'vigil_escalate', 'inc-123'],
      ['Open in Vigil', 'vigil_open', undefined],
    ]);
    expect(buttons[3].url).toBe('https://vigil.example.test/dashboard/incidents/inc-123');
  });

  it('updates the card in place as the incident changes: no Acknowledge once acknowledged, no buttons once resolved', async () => {
    const channel = slack.addChannel('oncall', { members: new Set([FAKE_SLACK_BOT_USER]) });
    const ref = await platform().postCard({ platform: 'slack', kind: 'channel', id: channel.id }, card());
    await platform().updateCard(ref, card({ status: 'acknowledged', paged: ['Alice', 'Bob'] }));
    const message = slack.messages.find((candidate) => candidate.ts === ref.messageId);
    expect(message?.edits).toBe(1);
    expect(buttonsOf(message?.blocks ?? []).map((button) => button.action_id)).toEqual(['vigil_resolve', 'vigil_escalate', 'vigil_open']);
    expect(JSON.stringify(message?.blocks)).toContain('Alice, Bob');
    await platform().updateCard(ref, card({ status: 'resolved' }));
    expect(buttonsOf(message?.blocks ?? []).map((button) => button.action_id)).toEqual(['vigil_open']);
    expect(message?.text).toContain('resolved');
  });

  it('offers "Open incident channel" on a card while asked to, never once the incident is resolved', async () => {
    const ref = await platform().postCard({ platform: 'slack', kind: 'direct', id: 'UROOMY' }, card({ offerRoom: true }));
    const message = () => slack.messages.find((candidate) => candidate.ts === ref.messageId);
    expect(buttonsOf(message()?.blocks ?? []).map((button) => [button.action_id, button.value])).toContainEqual(['vigil_room', 'inc-123']);
    await platform().updateCard(ref, card({ status: 'acknowledged' }));
    expect(buttonsOf(message()?.blocks ?? []).map((button) => button.action_id)).toEqual(['vigil_resolve', 'vigil_escalate', 'vigil_open']);
    await platform().updateCard(ref, card({ status: 'resolved', offerRoom: true }));
    expect(buttonsOf(message()?.blocks ?? []).map((button) => button.action_id)).toEqual(['vigil_open']);
  });

  it('opens a channel per incident with its topic and members, posts the timeline, and archives it', async () => {
    const room = await platform().openRoom({ name: 'Inc 7KQ2MX checkout', topic: 'CRITICAL · triggered', members: ['UALICE', 'UBOB'] });
    const channel = slack.channels.get(room.channelId);
    expect(channel?.name).toBe('inc-7kq2mx-checkout');
    expect(channel?.topic).toBe('CRITICAL · triggered');
    expect([...(channel?.members ?? [])].sort()).toEqual([FAKE_SLACK_BOT_USER, 'UALICE', 'UBOB'].sort());
    expect(room.url).toBe(`https://slack.com/app_redirect?channel=${room.channelId}`);
    const line = await platform().postText(room, 'Alice acknowledged <@UBOB> *now*');
    const message = slack.messages.find((candidate) => candidate.ts === line.messageId);
    expect(message?.text).toBe('Alice acknowledged &lt;@UBOB&gt; *now*');
    expect(slack.calls.at(-1)?.args.mrkdwn).toBe('false');
    await platform().setTopic(room, 'CRITICAL · resolved');
    expect(channel?.topic).toBe('CRITICAL · resolved');
    await platform().archive(room);
    expect(channel?.isArchived).toBe(true);
    // Archiving again (a retried activity) is no error.
    await platform().archive(room);
  });

  it('reuses the channel when a retry finds its name taken, even past the first page of the list, and invites nobody twice', async () => {
    for (let index = 0; index < 250; index += 1) slack.addChannel(`filler-${index}`);
    const first = await platform().openRoom({ name: 'inc-retry', topic: 't', members: ['UALICE'] });
    const again = await platform().openRoom({ name: 'inc-retry', topic: 't2', members: ['UALICE', 'UCAROL'] });
    expect(again.channelId).toBe(first.channelId);
    expect(slack.channels.get(first.channelId)?.topic).toBe('t2');
    expect(slack.channels.get(first.channelId)?.members.has('UCAROL')).toBe(true);
    expect(slack.calls.filter((call) => call.method === 'conversations.list').length).toBeGreaterThan(1);
  });

  it('posts once across retries: a retry finds the post of an earlier try by its metadata; one unable to read history posts again', async () => {
    const channel = slack.addChannel('inc-retried-posts', { members: new Set([FAKE_SLACK_BOT_USER]) });
    const room = { platform: 'slack' as const, channelId: channel.id };
    const once = { key: 'line-key-1', retried: false, sinceMs: Date.now() };
    const first = await platform().postText(room, 'Alice acknowledged 7KQ2MX', once);
    expect(slack.messages.find((message) => message.ts === first.messageId)?.metadata).toEqual({ event_type: 'vigil_post', event_payload: { key: 'line-key-1' } });
    // The worker died after Slack took the line: the retry returns it and posts nothing.
    expect(await platform().postText(room, 'Alice acknowledged 7KQ2MX', { ...once, retried: true })).toEqual(first);
    // Another line (its own key) is posted, even on a retry.
    const second = await platform().postText(room, 'Alice acknowledged 7KQ2MX', { key: 'line-key-2', retried: true, sinceMs: Date.now() });
    expect(second.messageId).not.toBe(first.messageId);
    expect(slack.messages.filter((message) => message.channel === channel.id)).toHaveLength(2);
    // A card in a direct message, the same way.
    const cardOnce = { key: 'card-key-1', retried: false, sinceMs: Date.now() };
    const dm = await platform().postCard({ platform: 'slack', kind: 'direct', id: 'URETRIED' }, card(), cardOnce);
    expect(await platform().postCard({ platform: 'slack', kind: 'direct', id: 'URETRIED' }, card(), { ...cardOnce, retried: true })).toEqual(dm);
    expect(slack.messages.filter((message) => message.metadata?.event_payload.key === 'card-key-1')).toHaveLength(1);
    // Without the history scope the retry cannot look: it posts (at least once rather than never).
    slack.refuseNext('conversations.history', 'missing_scope');
    const blind = await platform().postText(room, 'Alice acknowledged 7KQ2MX', { ...once, retried: true });
    expect(blind.messageId).not.toBe(first.messageId);
  });

  it('joins a public channel of that name that it is not in yet', async () => {
    const existing = slack.addChannel('inc-made-by-hand');
    const room = await platform().openRoom({ name: 'inc-made-by-hand', topic: 't', members: [] });
    expect(room.channelId).toBe(existing.id);
    expect(existing.members.has(FAKE_SLACK_BOT_USER)).toBe(true);
  });

  it('refuses, without retrying, a name taken by an archived channel it cannot reuse', async () => {
    slack.addChannel('inc-archived', { isArchived: true, members: new Set([FAKE_SLACK_BOT_USER]) });
    await expect(platform().openRoom({ name: 'inc-archived', topic: 't', members: [] })).rejects.toSatisfy(isPermanentChatFailure);
  });

  it('ends retries on a permanent refusal, and leaves a transient one to Temporal', async () => {
    await expect(platform().postCard({ platform: 'slack', kind: 'channel', id: 'CNOPE' }, card())).rejects.toSatisfy(isPermanentChatFailure);
    slack.refuseNext('chat.postMessage', 'internal_error');
    const channel = slack.addChannel('transient', { members: new Set([FAKE_SLACK_BOT_USER]) });
    const failure = await platform().postCard({ platform: 'slack', kind: 'channel', id: channel.id }, card()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(isPermanentChatFailure(failure)).toBe(false);
    const wrongToken = createSlackPlatform({ token: 'xoxb-wrong', apiUrl: slack.apiUrl });
    await expect(wrongToken.postText({ platform: 'slack', channelId: channel.id }, 'x')).rejects.toThrow(/invalid_auth/);
  });
});
