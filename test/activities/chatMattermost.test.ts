/**
 * The Mattermost adapter (#16) through the real `@mattermost/client` (`Client4`) against the
 * loopback fake of its REST API v4: the card as an attachment with signed buttons, a direct
 * message, the update in place, a channel's whole life, and retries that stay harmless.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPermanentChatFailure } from '../../activities/chat/chatFailures';
import { createMattermostPlatform, fromEnv } from '../../activities/chat/mattermost';
import type { ChatIncidentCard } from '../../domain/chat/platform';
import { chatActionSignatureIsValid } from '../../platform/chatActionSignature';
import { FAKE_MATTERMOST_TEAM, startFakeMattermost, type FakeMattermost } from '../../devkit/fakeMattermost';

const TOKEN = 'mm-bot-token';
const SECRET = 'mattermost-action-secret';
const ALICE = 'aliceuserid00000000000000a';
const BOB = 'bobuserid0000000000000000a';
let mattermost: FakeMattermost;
beforeAll(async () => {
  mattermost = await startFakeMattermost({ token: TOKEN });
});
afterAll(() => mattermost.close());

const platform = () => createMattermostPlatform({ url: mattermost.url, token: TOKEN, teamId: FAKE_MATTERMOST_TEAM.id, actionUrl: 'https://vigil.example.test/v1/webhooks/mattermost/actions', actionSecret: SECRET });
const card = (overrides: Partial<ChatIncidentCard> = {}): ChatIncidentCard => ({
  incidentId: 'inc-456',
  code: '7KQ2MX',
  service: 'checkout',
  severity: 'error',
  status: 'triggered',
  summary: 'Payments failing for @channel **now**',
  paged: ['Alice'],
  incidentUrl: 'https://vigil.example.test/dashboard/incidents/inc-456',
  ...overrides,
});

interface Attachment { text: string; fields: Array<{ title: string; value: string }>; actions: Array<{ id: string; name: string; integration: { url: string; context: { action: 'acknowledge'; incident_id: string; signature: string } } }> }
const attachmentOf = (postId: string) => (mattermost.posts.get(postId)?.props.attachments as Attachment[])[0];

describe('the Mattermost adapter', () => {
  it('is configured by its five variables, and half a configuration is an error that names what is missing', () => {
    expect(fromEnv({})).toBeUndefined();
    expect(() => fromEnv({ MATTERMOST_URL: mattermost.url, MATTERMOST_BOT_TOKEN: TOKEN })).toThrow(/MATTERMOST_TEAM_ID, MATTERMOST_ACTION_SECRET, VIGIL_PUBLIC_URL/);
    const env = { MATTERMOST_URL: mattermost.url, MATTERMOST_BOT_TOKEN: TOKEN, MATTERMOST_TEAM_ID: FAKE_MATTERMOST_TEAM.id, MATTERMOST_ACTION_SECRET: SECRET, VIGIL_PUBLIC_URL: 'https://vigil.example.test/' };
    expect(fromEnv(env)?.id).toBe('mattermost');
  });

  it('pages a person in a direct message with buttons whose context is signed for their action and incident', async () => {
    const ref = await platform().postCard({ platform: 'mattermost', kind: 'direct', id: ALICE }, card());
    const channel = mattermost.channels.get(ref.channelId);
    expect(channel?.type).toBe('D');
    expect([...(channel?.members ?? [])].sort()).toEqual([ALICE, mattermost.botUserId].sort());
    const attachment = attachmentOf(ref.messageId);
    expect(attachment.actions.map((action) => [action.id, action.name, action.integration.context.action, action.integration.context.incident_id])).toEqual([
      ['acknowledge', 'Acknowledge', 'acknowledge', 'inc-456'],
      ['resolve', 'Resolve', 'resolve', 'inc-456'],
      ['escalate', 'Escalate', 'escalate', 'inc-456'],
    ]);
    for (const action of attachment.actions) {
      expect(action.integration.url).toBe('https://vigil.example.test/v1/webhooks/mattermost/actions');
      const { context } = action.integration;
      expect(chatActionSignatureIsValid(SECRET, context.action, context.incident_id, context.signature)).toBe(true);
      expect(chatActionSignatureIsValid('another-secret', context.action, context.incident_id, context.signature)).toBe(false);
    }
    // The alert's text cannot mention the whole channel, nor format itself.
    expect(attachment.text).not.toContain('@channel');
    expect(attachment.text).toContain('\\*\\*now\\*\\*');
    // A second page to the same person goes to the same direct channel.
    const again = await platform().postCard({ platform: 'mattermost', kind: 'direct', id: ALICE }, card());
    expect(again.channelId).toBe(ref.channelId);
  });

  it('updates the card in place: fewer buttons as the incident moves on, none once resolved', async () => {
    const ref = await platform().postCard({ platform: 'mattermost', kind: 'direct', id: BOB }, card());
    await platform().updateCard(ref, card({ status: 'acknowledged', paged: ['Alice', 'Bob'] }));
    expect(attachmentOf(ref.messageId).actions.map((action) => action.id)).toEqual(['resolve', 'escalate']);
    expect(attachmentOf(ref.messageId).fields.find((field) => field.title === 'Paged')?.value).toBe('Alice, Bob');
    await platform().updateCard(ref, card({ status: 'resolved' }));
    expect(attachmentOf(ref.messageId).actions).toEqual([]);
    expect(mattermost.posts.get(ref.messageId)?.edits).toBe(2);
  });

  it('opens a channel per incident with its header and members, posts the timeline, archives it, and reuses it on a retry', async () => {
    const room = await platform().openRoom({ name: 'inc-7KQ2MX-checkout', topic: 'ERROR · triggered', members: [ALICE, BOB] });
    const channel = mattermost.channels.get(room.channelId);
    expect(channel).toMatchObject({ name: 'inc-7kq2mx-checkout', type: 'O', header: 'ERROR · triggered' });
    expect(channel?.members.has(ALICE) && channel.members.has(BOB)).toBe(true);
    expect(room.url).toBe(`${mattermost.url}/${FAKE_MATTERMOST_TEAM.name}/channels/inc-7kq2mx-checkout`);
    const again = await platform().openRoom({ name: 'inc-7KQ2MX-checkout', topic: 'ERROR · acknowledged', members: [ALICE] });
    expect(again.channelId).toBe(room.channelId);
    expect(channel?.header).toBe('ERROR · acknowledged');
    const line = await platform().postText(room, 'Alice acknowledged; @all see #42');
    expect(mattermost.posts.get(line.messageId)?.message).toBe('Alice acknowledged; @\u2060all see \\#42');
    await platform().archive(room);
    expect(channel?.delete_at).toBeGreaterThan(0);
    await platform().archive(room);
    await expect(platform().openRoom({ name: 'inc-7KQ2MX-checkout', topic: 't', members: [] })).rejects.toSatisfy(isPermanentChatFailure);
  });

  it('posts once across retries: a retry finds the post of an earlier try by its props', async () => {
    const room = await platform().openRoom({ name: 'inc-retried-posts', topic: 'ERROR · triggered', members: [] });
    const once = { key: 'line-key-1', retried: false, sinceMs: Date.now() };
    const first = await platform().postText(room, 'Alice acknowledged 7KQ2MX', once);
    expect(mattermost.posts.get(first.messageId)?.props).toMatchObject({ vigil_post_key: 'line-key-1' });
    // The worker died after Mattermost took the line: the retry returns it and posts nothing.
    expect(await platform().postText(room, 'Alice acknowledged 7KQ2MX', { ...once, retried: true })).toEqual(first);
    const second = await platform().postText(room, 'Alice acknowledged 7KQ2MX', { key: 'line-key-2', retried: true, sinceMs: Date.now() });
    expect(second.messageId).not.toBe(first.messageId);
    expect([...mattermost.posts.values()].filter((post) => post.channel_id === room.channelId)).toHaveLength(2);
    // A card in a direct message keeps its buttons and carries the key beside them.
    const cardOnce = { key: 'card-key-1', retried: false, sinceMs: Date.now() };
    const dm = await platform().postCard({ platform: 'mattermost', kind: 'direct', id: BOB }, card(), cardOnce);
    expect(attachmentOf(dm.messageId).actions.length).toBeGreaterThan(0);
    expect(await platform().postCard({ platform: 'mattermost', kind: 'direct', id: BOB }, card(), { ...cardOnce, retried: true })).toEqual(dm);
    expect([...mattermost.posts.values()].filter((post) => post.props.vigil_post_key === 'card-key-1')).toHaveLength(1);
  });

  it('ends retries on a refusal (a 4xx), and leaves a 5xx or a throttle to Temporal', async () => {
    await expect(platform().postText({ platform: 'mattermost', channelId: 'nosuchchannel0000000000000' }, 'x')).rejects.toSatisfy(isPermanentChatFailure);
    const room = await platform().openRoom({ name: 'inc-transient', topic: 't', members: [] });
    mattermost.failNext(503);
    const failure = await platform().postText(room, 'x').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(isPermanentChatFailure(failure)).toBe(false);
    const wrongToken = createMattermostPlatform({ url: mattermost.url, token: 'wrong', teamId: FAKE_MATTERMOST_TEAM.id, actionUrl: 'https://x.test/a', actionSecret: SECRET });
    await expect(wrongToken.postText(room, 'x')).rejects.toThrow(/401/);
  });
});
