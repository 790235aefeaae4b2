/**
 * A card or timeline line is posted once even when the worker dies after the platform took it and
 * before Vigil recorded it (#16): the activity's retry (attempt 2, the same activity) asks the
 * platform for the post its first try made, through the real Slack and Mattermost clients against
 * their loopback fakes, and records that one instead of posting again.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatPlatformsOf } from '../../activities/chat';
import { createIncidentChatActivities } from '../../activities/chat/incidentChat';
import { createMattermostPlatform } from '../../activities/chat/mattermost';
import { createSlackPlatform } from '../../activities/chat/slack';
import type { CardFacts } from '../../domain/chat/chatEvents';
import { parseConfig } from '../../domain/config';
import { FAKE_MATTERMOST_TEAM, startFakeMattermost, type FakeMattermost } from '../../devkit/fakeMattermost';
import { FAKE_SLACK_BOT_USER, startFakeSlack, type FakeSlack } from '../../devkit/fakeSlack';
import { createChatRecords, type ChatRecords } from '../../platform/chatRecords';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';

const config = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m', chat: ['ops-slack', 'ops-mattermost'] }] } },
    chatChannels: { 'ops-slack': { platform: 'slack', channel: 'C0PLACEHOLDER' }, 'ops-mattermost': { platform: 'mattermost', channel: 'placeholder' } },
  },
  'post once test config',
);

let slack: FakeSlack;
let mattermost: FakeMattermost;
let store: SqlStore;
beforeAll(async () => {
  [slack, mattermost, store] = await Promise.all([startFakeSlack({ token: 'xoxb-once' }), startFakeMattermost({ token: 'mm-once' }), openSqlStore({})]);
});
afterAll(async () => {
  await Promise.all([slack.close(), mattermost.close(), store.close()]);
});

/** Records as the store does, except that the first `recordCard` dies as a worker would: after the post, before the record. */
function crashingOnFirstRecord(records: ChatRecords): ChatRecords & { crashed: number } {
  const wrapped = {
    ...records,
    crashed: 0,
    async recordCard(...args: Parameters<ChatRecords['recordCard']>) {
      if (wrapped.crashed === 0) {
        wrapped.crashed += 1;
        throw new Error('worker died before recording the card');
      }
      return records.recordCard(...args);
    },
  };
  return wrapped;
}

function facts(incidentId: string): CardFacts {
  return { incidentId, code: 'ONCE01', service: 'checkout', severity: 'critical', status: 'triggered', summary: 'checkout is down', paged: ['Alice'] };
}

describe('a chat post retried after a crash', () => {
  it('finds the card the first try posted (Slack, Mattermost), records it, and updates that one card', async () => {
    const slackChannel = slack.addChannel('ops', { members: new Set([FAKE_SLACK_BOT_USER]) });
    const opsMattermost = await createMattermostPlatform({ url: mattermost.url, token: 'mm-once', teamId: FAKE_MATTERMOST_TEAM.id, actionUrl: 'https://vigil.example.test/a', actionSecret: 's' }).openRoom({ name: 'ops', topic: '', members: [] });
    const channels = { 'ops-slack': { platform: 'slack' as const, channel: slackChannel.id }, 'ops-mattermost': { platform: 'mattermost' as const, channel: opsMattermost.channelId } };
    const platforms = chatPlatformsOf([
      createSlackPlatform({ token: 'xoxb-once', apiUrl: slack.apiUrl }),
      createMattermostPlatform({ url: mattermost.url, token: 'mm-once', teamId: FAKE_MATTERMOST_TEAM.id, actionUrl: 'https://vigil.example.test/a', actionSecret: 's' }),
    ]);
    const records = crashingOnFirstRecord(createChatRecords(store));
    const activities = createIncidentChatActivities({ config: { ...config, chatChannels: channels }, platforms, records, publicUrl: 'https://vigil.example.test' });
    const input = { card: facts('checkout/once-1'), targets: [{ channel: 'ops-slack' }, { channel: 'ops-mattermost' }] };
    const scheduledTimestampMs = Date.now();

    // The first try: Slack takes the card, then the worker dies before recording it (Mattermost's goes on and is recorded).
    await expect(new MockActivityEnvironment({ attempt: 1, scheduledTimestampMs }).run(activities.postIncidentCards, input)).rejects.toThrow('worker died');
    // Temporal retries the activity.
    expect(await new MockActivityEnvironment({ attempt: 2, scheduledTimestampMs }).run(activities.postIncidentCards, input)).toBe(1);
    const slackCards = slack.messages.filter((message) => message.channel === slackChannel.id);
    const mattermostCards = [...mattermost.posts.values()].filter((post) => post.channel_id === opsMattermost.channelId);
    expect(slackCards).toHaveLength(1);
    expect(mattermostCards).toHaveLength(1);
    expect((await records.cardsOf('checkout/once-1')).map((ref) => ref.messageId).sort()).toEqual([slackCards[0].ts, mattermostCards[0].id].sort());

    // The card recorded is the card posted: the update reaches it.
    await new MockActivityEnvironment().run(activities.updateIncidentCards, { card: { ...facts('checkout/once-1'), status: 'acknowledged' as const } });
    expect(slackCards[0].edits).toBe(1);
    expect(mattermostCards[0].edits).toBe(1);
  });

  it('posts a timeline line once across tries of the same activity, and each other line once', async () => {
    const channel = slack.addChannel('inc-once01-checkout', { members: new Set([FAKE_SLACK_BOT_USER]) });
    const room = { platform: 'slack' as const, channelId: channel.id };
    const platforms = chatPlatformsOf([createSlackPlatform({ token: 'xoxb-once', apiUrl: slack.apiUrl })]);
    const activities = createIncidentChatActivities({ config, platforms, records: createChatRecords(store), publicUrl: 'https://vigil.example.test' });
    const tryOf = (activityId: string, attempt: number) =>
      new MockActivityEnvironment({ activityId, attempt, workflowExecution: { workflowId: 'chat/run-1', runId: 'run-1' } }).run(activities.mirrorToRoom, { room, text: `line of ${activityId}` });
    await tryOf('7', 1);
    await tryOf('7', 2);
    await tryOf('7', 3);
    await tryOf('8', 2);
    expect(slack.messages.filter((message) => message.channel === channel.id).map((message) => message.text)).toEqual(['line of 7', 'line of 8']);
  });
});
