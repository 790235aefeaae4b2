/**
 * Incidents in Matrix (#16) against a real Synapse on loopback (one for the file): Vigil's bot is
 * the application service's sender and posts with the official matrix-js-sdk; Alice and Bob are
 * ordinary users who read back what really landed in the rooms.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMatrixPlatform, fromEnv } from '../../activities/chat/matrix';
import type { ChatPlatform } from '../../activities/chat/chatPlatform';
import type { ChatIncidentCard } from '../../domain/chat/platform';
import { lazyMatrixClient } from '../../platform/matrixClient';
import { startSynapse, type RegisteredUser, type SynapseServer } from '../../devkit/synapse';
import { startTestApp } from '../../devkit/testApp';

const AS_TOKEN = randomBytes(16).toString('hex');
const HS_TOKEN = randomBytes(16).toString('hex');
const BOT = '@vigil:localhost';

const card = (overrides: Partial<ChatIncidentCard> = {}): ChatIncidentCard => ({
  incidentId: 'checkout/db-down',
  code: '7KQ2MX',
  service: 'checkout',
  severity: 'critical',
  status: 'triggered',
  summary: 'Database <b>down</b> & "unreachable"',
  paged: ['Alice'],
  incidentUrl: 'https://vigil.example.test/dashboard/incident.html?id=checkout%2Fdb-down',
  actionLinks: { acknowledge: 'https://vigil.example.test/v1/ack/abc.def' },
  ...overrides,
});

let synapse: SynapseServer;
let app: Awaited<ReturnType<typeof startTestApp>>;
let alice: RegisteredUser & { client: MatrixClient };
let bob: RegisteredUser & { client: MatrixClient };
let platform: ChatPlatform;

const userClient = (user: RegisteredUser) => createClient({ baseUrl: synapse.baseUrl, accessToken: user.accessToken, userId: user.userId, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild() { return this; } } });

/** What the homeserver holds for an event, as `reader` sees it. */
const eventAs = (reader: MatrixClient, roomId: string, eventId: string) => reader.fetchRoomEvent(roomId, eventId);

beforeAll(async () => {
  app = await startTestApp();
  synapse = await startSynapse({
    appServices: [
      {
        id: 'vigil',
        url: `${app.url}/v1/webhooks/matrix`,
        as_token: AS_TOKEN,
        hs_token: HS_TOKEN,
        sender_localpart: 'vigil',
        namespaces: { users: [], rooms: [], aliases: [{ exclusive: true, regex: '#vigil-.*' }] },
        rate_limited: false,
      },
    ],
  });
  for (const name of ['alice', 'bob'] as const) {
    const user = await synapse.registerUser(name);
    const client = userClient(user);
    if (name === 'alice') alice = { ...user, client };
    else bob = { ...user, client };
  }
  platform = createMatrixPlatform(lazyMatrixClient({ baseUrl: synapse.baseUrl, accessToken: AS_TOKEN, userId: BOT }), BOT);
});

afterAll(async () => {
  await synapse?.stop();
  await app?.close();
});

describe('the Matrix platform against Synapse', () => {
  it('is built from the environment only when it is configured, and refuses half a configuration', () => {
    expect(fromEnv({})).toBeUndefined();
    expect(fromEnv({ MATRIX_HOMESERVER_URL: synapse.baseUrl, MATRIX_ACCESS_TOKEN: AS_TOKEN, MATRIX_USER_ID: BOT })?.id).toBe('matrix');
    expect(() => fromEnv({ MATRIX_HOMESERVER_URL: synapse.baseUrl })).toThrow(/MATRIX_ACCESS_TOKEN and MATRIX_USER_ID/);
  });

  it('opens one room per incident however often it is asked, with its topic and its people invited', async () => {
    const input = { name: 'inc-7kq2mx-checkout', topic: 'CRITICAL · triggered · Database down', members: [alice.userId, bob.userId] };
    const first = await platform.openRoom(input);
    const again = await platform.openRoom(input);
    expect(again.channelId).toBe(first.channelId);
    expect(first.url).toBe('https://matrix.to/#/%23vigil-inc-7kq2mx-checkout%3Alocalhost');
    const bot = await lazyMatrixClient({ baseUrl: synapse.baseUrl, accessToken: AS_TOKEN, userId: BOT })();
    for (const user of [alice, bob]) expect(await bot.getStateEvent(first.channelId, 'm.room.member', user.userId)).toMatchObject({ membership: 'invite' });
    expect((await bot.getJoinedRooms()).joined_rooms.filter((roomId) => roomId === first.channelId)).toHaveLength(1);
    await alice.client.joinRoom(first.channelId);
    await bob.client.joinRoom(first.channelId);
    expect(await alice.client.getStateEvent(first.channelId, 'm.room.topic', '')).toMatchObject({ topic: input.topic });
    // Inviting people already in the room is no error.
    await platform.invite(first, [alice.userId, bob.userId]);
    await platform.setTopic(first, 'CRITICAL · acknowledged by Alice');
    expect(await bob.client.getStateEvent(first.channelId, 'm.room.topic', '')).toMatchObject({ topic: 'CRITICAL · acknowledged by Alice' });
  });

  it('posts the card once (a retried post is the same event), escaped, and edits it in place', async () => {
    const room = await platform.openRoom({ name: 'inc-card', topic: 'card', members: [alice.userId] });
    await alice.client.joinRoom(room.channelId);
    const destination = { platform: 'matrix' as const, kind: 'channel' as const, id: room.channelId };
    const ref = await platform.postCard(destination, card());
    const retried = await platform.postCard(destination, card());
    expect(retried.messageId).toBe(ref.messageId);

    const seen = await eventAs(alice.client, room.channelId, ref.messageId);
    expect(seen.sender).toBe(BOT);
    expect(seen.content).toMatchObject({ msgtype: 'm.text', 'vigil.incident': { id: 'checkout/db-down', code: '7KQ2MX' } });
    const content = seen.content as { body: string; formatted_body: string };
    expect(content.body).toContain('[CRITICAL] checkout: Database <b>down</b> & "unreachable"');
    expect(content.body).toContain('Paged: Alice');
    expect(content.formatted_body).toContain('Database &lt;b&gt;down&lt;/b&gt; &amp; &quot;unreachable&quot;');
    expect(content.formatted_body).toContain('<a href="https://vigil.example.test/v1/ack/abc.def">Acknowledge</a>');
    expect(content.formatted_body).toContain('!vigil ack 7KQ2MX');

    await platform.updateCard(ref, card({ status: 'acknowledged', paged: ['Alice', 'Bob'] }));
    await platform.updateCard(ref, card({ status: 'acknowledged', paged: ['Alice', 'Bob'] }));
    const relations = await fetch(`${synapse.baseUrl}/_matrix/client/v1/rooms/${encodeURIComponent(room.channelId)}/relations/${encodeURIComponent(ref.messageId)}/m.replace`, {
      headers: { authorization: `Bearer ${alice.accessToken}` },
    }).then((response) => response.json() as Promise<{ chunk: Array<{ sender: string; content: { 'm.new_content': { body: string } } }> }>);
    // The retried edit is the same event: one replacement, by the bot, showing the new state.
    expect(relations.chunk).toHaveLength(1);
    expect(relations.chunk[0].sender).toBe(BOT);
    expect(relations.chunk[0].content['m.new_content'].body).toContain('Status: acknowledged');
    expect(relations.chunk[0].content['m.new_content'].body).toContain('Paged: Alice, Bob');
  });

  it("pages a person in their direct room with the bot, the same room every time", async () => {
    const destination = { platform: 'matrix' as const, kind: 'direct' as const, id: bob.userId };
    const first = await platform.postCard(destination, card({ incidentId: 'checkout/dm-1', code: 'AAAAA1' }));
    const second = await platform.postCard(destination, card({ incidentId: 'checkout/dm-2', code: 'AAAAA2' }));
    expect(second.channelId).toBe(first.channelId);
    expect(second.messageId).not.toBe(first.messageId);
    await bob.client.joinRoom(first.channelId);
    const seen = await eventAs(bob.client, first.channelId, second.messageId);
    expect(seen.content).toMatchObject({ 'vigil.incident': { code: 'AAAAA2' } });
  });

  it('posts timeline lines once per key, and archives by a notice, the topic and leaving', async () => {
    const room = await platform.openRoom({ name: 'inc-archive', topic: 'resolved', members: [alice.userId] });
    await alice.client.joinRoom(room.channelId);
    const line = await platform.postText(room, 'Alice acknowledged <it>', 'wf-1:ack');
    expect((await platform.postText(room, 'Alice acknowledged <it>', 'wf-1:ack')).messageId).toBe(line.messageId);
    expect((await eventAs(alice.client, room.channelId, line.messageId)).content).toEqual({ msgtype: 'm.notice', body: 'Alice acknowledged <it>' });

    await platform.archive(room);
    await platform.archive(room);
    expect(await alice.client.getStateEvent(room.channelId, 'm.room.topic', '')).toMatchObject({ topic: '[archived] resolved' });
    expect(await alice.client.getStateEvent(room.channelId, 'm.room.member', BOT)).toMatchObject({ membership: 'leave' });
    const { chunk } = await alice.client.createMessagesRequest(room.channelId, null, 20, 'b' as never);
    const notices = chunk.filter((event) => (event.content as { body?: string }).body?.includes('archived'));
    expect(notices).toHaveLength(1);
  });
});
