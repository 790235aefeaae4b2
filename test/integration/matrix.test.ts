/**
 * Incidents in Matrix (#16) against a real Synapse on loopback (one for the file): Vigil's bot is
 * the application service's sender and posts with the official matrix-js-sdk; Alice and Bob are
 * ordinary users who read back what really landed in the rooms, and whose reactions and `!vigil`
 * commands Synapse pushes to Vigil's API as application-service transactions.
 */
import { parseChatCommand } from '../../domain/chat/commands';
import { randomBytes } from 'node:crypto';
import { MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMatrixPlatform, fromEnv } from '../../activities/chat/matrix';
import type { ChatPlatform } from '../../activities/chat/chatPlatform';
import type { ChatCommand, ChatInbound, ChatIncidentCard } from '../../domain/chat/platform';
import { lazyMatrixClient } from '../../platform/matrixClient';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { createChatRequestGuard, type ChatRequestGuard } from '../../api/chat/chatRequestGuard';
import type { ChatCommandParser } from '../../api/routes/matrixAppService';
import { startSynapse, type RegisteredUser, type SynapseServer } from '../../devkit/synapse';
import { startTestApp } from '../../devkit/testApp';
import { waitFor } from '../../devkit/waitFor';

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
let store: SqlStore;
let botClient: () => Promise<MatrixClient>;
/** What the chat handler acted on, in order. */
const heard: ChatInbound[] = [];

/** A stand-in for the chat handler that claims each request id as the real one does (chat_requests), then records it. */
function standIn(requests: Promise<ChatRequestGuard>) {
  return async (inbound: ChatInbound) => {
    if (!(await (await requests).firstTime('matrix', inbound.requestId, new Date()))) return { text: 'handled already', replayed: true };
    heard.push(inbound);
    return { text: `Done: ${inbound.request.kind === 'action' ? inbound.request.action : inbound.request.command.verb}` };
  };
}

/** The shared `/vigil` text parser, as the API wires it. */
const parseCommand: ChatCommandParser = parseChatCommand;

/** A person's client, bare like the bot's (no send queue, which logs to the console). */
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => silent };
const userClient = (user: RegisteredUser) => new MatrixClient({ baseUrl: synapse.baseUrl, accessToken: user.accessToken, userId: user.userId, logger: silent });

/** What the homeserver holds for an event, as `reader` sees it. */
const eventAs = (reader: MatrixClient, roomId: string, eventId: string) => reader.fetchRoomEvent(roomId, eventId);

beforeAll(async () => {
  // The store (PGlite) and Synapse each take seconds to start: side by side, not one after the other.
  const storeReady = openSqlStore({});
  const requests = storeReady.then((opened) => createChatRequestGuard(opened));
  app = await startTestApp({
    matrix: {
      hsToken: HS_TOKEN,
      // Synapse starts after the app (its registration names the app's URL), so the bot's client is made then.
      bot: { userId: BOT, client: () => botClient() },
      parseCommand,
      handle: standIn(requests),
    },
  });
  const synapseReady = startSynapse({
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
  [store, synapse] = await Promise.all([storeReady, synapseReady]);
  const [aliceUser, bobUser] = await Promise.all([synapse.registerUser('alice'), synapse.registerUser('bob')]);
  alice = { ...aliceUser, client: userClient(aliceUser) };
  bob = { ...bobUser, client: userClient(bobUser) };
  botClient = lazyMatrixClient({ baseUrl: synapse.baseUrl, accessToken: AS_TOKEN, userId: BOT });
  platform = createMatrixPlatform(botClient, BOT);
});

afterAll(async () => {
  await synapse?.stop();
  await app?.close();
  await store?.close();
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

  it('invites everyone it can when one member cannot be invited, and says who was not', async () => {
    const input = { name: 'inc-unknown-member', topic: 't', members: ['nobody-without-a-server', alice.userId] };
    await expect(platform.openRoom(input)).rejects.toThrow(/could not invite to !.*nobody-without-a-server/);
    const room = await platform.openRoom({ ...input, members: [alice.userId] });
    await alice.client.joinRoom(room.channelId);
    expect(await alice.client.getStateEvent(room.channelId, 'm.room.topic', '')).toMatchObject({ topic: 't' });
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
    const once = { key: 'wf-1:ack', retried: false, sinceMs: Date.now() };
    const line = await platform.postText(room, 'Alice acknowledged <it>', once);
    expect((await platform.postText(room, 'Alice acknowledged <it>', { ...once, retried: true })).messageId).toBe(line.messageId);
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

/** The bot's answers in a room (notices replying to an event), as `reader` sees them. */
async function answersTo(reader: MatrixClient, roomId: string, eventId: string): Promise<string[]> {
  const { chunk } = await reader.createMessagesRequest(roomId, null, 50, 'b' as never);
  return chunk
    .filter((event) => event.sender === BOT && (event.content as { 'm.relates_to'?: { 'm.in_reply_to'?: { event_id?: string } } })['m.relates_to']?.['m.in_reply_to']?.event_id === eventId)
    .map((event) => (event.content as { body: string }).body);
}

/** Pushes a transaction to Vigil as a homeserver would. */
const push = (txnId: string, events: unknown[], token = HS_TOKEN) =>
  fetch(`${app.url}/v1/webhooks/matrix/_matrix/app/v1/transactions/${txnId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ events }),
  });

describe('reactions and !vigil commands, pushed by Synapse to the application service route', () => {
  let roomId: string;
  let cardId: string;

  beforeAll(async () => {
    const room = await platform.openRoom({ name: 'inc-inbound', topic: 'inbound', members: [alice.userId, bob.userId] });
    roomId = room.channelId;
    await alice.client.joinRoom(roomId);
    await bob.client.joinRoom(roomId);
    cardId = (await platform.postCard({ platform: 'matrix', kind: 'channel', id: roomId }, card({ incidentId: 'checkout/inbound' }))).messageId;
  });

  it("hears a member's ✅ on a card as an acknowledgement of its incident, by that member, and answers in the room", async () => {
    const reaction = await alice.client.sendEvent(roomId, 'm.reaction' as never, { 'm.relates_to': { rel_type: 'm.annotation', event_id: cardId, key: '✅' } } as never);
    const inbound = await waitFor('the reaction to reach the handler', () => heard.find((entry) => entry.requestId === reaction.event_id), 30_000);
    expect(inbound).toEqual({ platform: 'matrix', userId: alice.userId, channelId: roomId, request: { kind: 'action', action: 'acknowledge', incidentId: 'checkout/inbound' }, requestId: reaction.event_id });
    expect(await waitFor('the answer', async () => (await answersTo(alice.client, roomId, reaction.event_id))[0], 30_000)).toBe('Done: acknowledge');
  });

  it('hears `!vigil ack <code>` typed by a member as a command, and answers a command it cannot read', async () => {
    const typed = await bob.client.sendMessage(roomId, { msgtype: 'm.text' as never, body: '!vigil ack 7KQ2MX' });
    const inbound = await waitFor('the command to reach the handler', () => heard.find((entry) => entry.requestId === typed.event_id), 30_000);
    expect(inbound).toEqual({ platform: 'matrix', userId: bob.userId, channelId: roomId, request: { kind: 'command', command: { verb: 'ack', incident: '7KQ2MX' } }, requestId: typed.event_id });

    const wrong = await bob.client.sendMessage(roomId, { msgtype: 'm.text' as never, body: '!vigil dance' });
    expect(await waitFor('the refusal', async () => (await answersTo(bob.client, roomId, wrong.event_id))[0], 30_000)).toMatch(/^Vigil does not know "dance"/);
    expect(heard.some((entry) => entry.requestId === wrong.event_id)).toBe(false);
  });

  it('ignores reactions on messages the bot did not post, and chat that is not a command', async () => {
    const chat = await alice.client.sendMessage(roomId, { msgtype: 'm.text' as never, body: 'looking into it, vigil ack soon' });
    const onChat = await bob.client.sendEvent(roomId, 'm.reaction' as never, { 'm.relates_to': { rel_type: 'm.annotation', event_id: chat.event_id, key: '✅' } } as never);
    // A command after them: once it is heard, Synapse has pushed the two events before it.
    const marker = await alice.client.sendMessage(roomId, { msgtype: 'm.text' as never, body: '!vigil resolve' });
    await waitFor('the marker command', () => heard.find((entry) => entry.requestId === marker.event_id), 30_000);
    expect(heard.filter((entry) => entry.requestId === chat.event_id || entry.requestId === onChat.event_id)).toEqual([]);
  });

  it('refuses a transaction without the right hs_token, and acts on a replayed one once', async () => {
    const reaction = await bob.client.sendEvent(roomId, 'm.reaction' as never, { 'm.relates_to': { rel_type: 'm.annotation', event_id: cardId, key: '🔒' } } as never);
    await waitFor('the resolve reaction', () => heard.find((entry) => entry.requestId === reaction.event_id), 30_000);
    const event = { ...(await bob.client.fetchRoomEvent(roomId, reaction.event_id)), room_id: roomId };
    const before = heard.length;

    const forged = await push('forged-1', [event], 'not-the-hs-token');
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ errcode: 'M_FORBIDDEN', details: [{ field: 'authorization' }] });
    const bare = await fetch(`${app.url}/v1/webhooks/matrix/_matrix/app/v1/transactions/forged-2?access_token=${HS_TOKEN}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [event] }) });
    expect(bare.status).toBe(401);

    // The same event again, in a transaction Synapse already delivered and in a new one: acted on once, answered once.
    for (const txnId of ['replay-1', 'replay-1', 'replay-2']) expect((await push(txnId, [event])).status).toBe(200);
    expect(heard.length).toBe(before);
    expect(await answersTo(bob.client, roomId, reaction.event_id)).toEqual(['Done: resolve']);
  });

  it('does not act for someone who is not a joined member, nor in a room the bot is not in, even with the right token', async () => {
    const carol = await synapse.registerUser('carol');
    const asCarol = { type: 'm.reaction', event_id: '$forged-carol', room_id: roomId, sender: carol.userId, content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: cardId, key: '✅' } } };
    const elsewhere = await alice.client.createRoom({ name: 'not vigil' });
    const outside = { type: 'm.room.message', event_id: '$forged-outside', room_id: elsewhere.room_id, sender: alice.userId, content: { msgtype: 'm.text', body: '!vigil ack 7KQ2MX' } };
    const before = heard.length;
    expect((await push('outsiders', [asCarol, outside])).status).toBe(200);
    expect(heard.length).toBe(before);
  });

  it('answers 503 while the homeserver cannot be reached, so the homeserver sends the transaction again', async () => {
    const cutOff = await startTestApp({
      matrix: { hsToken: HS_TOKEN, bot: { userId: BOT, client: lazyMatrixClient({ baseUrl: 'http://127.0.0.1:9', accessToken: AS_TOKEN, userId: BOT }) }, parseCommand, handle: async () => ({ text: 'never' }) },
    });
    try {
      const event = { type: 'm.room.message', event_id: '$while-cut-off', room_id: roomId, sender: alice.userId, content: { msgtype: 'm.text', body: '!vigil ack' } };
      const response = await fetch(`${cutOff.url}/v1/webhooks/matrix/_matrix/app/v1/transactions/1`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${HS_TOKEN}` }, body: JSON.stringify({ events: [event] }) });
      expect(response.status).toBe(503);
      // Nothing was taken: the same event, sent again where the homeserver answers, is handled.
      expect((await push('after-cut-off', [event])).status).toBe(200);
      expect(heard.filter((entry) => entry.requestId === '$while-cut-off')).toHaveLength(1);
    } finally {
      await cutOff.close();
    }
  });

  it("takes a transaction whose answer the room refuses (the bot may not speak there), so it does not come back and hold up later ones", async () => {
    const muted = await alice.client.createRoom({ name: 'bot muted', invite: [BOT] } as never);
    const bot = await botClient();
    await bot.joinRoom(muted.room_id);
    // Alice created the room, so she keeps her power (room version 12 gives it to creators) while the bot loses its voice.
    await alice.client.sendStateEvent(muted.room_id, 'm.room.power_levels' as never, { users: {}, events_default: 50, state_default: 50 } as never, '');
    const event = { type: 'm.room.message', event_id: `$muted-${randomBytes(4).toString('hex')}`, room_id: muted.room_id, sender: alice.userId, content: { msgtype: 'm.text', body: '!vigil ack 7KQ2MX' } };
    expect((await push('muted-1', [event])).status).toBe(200);
    expect(heard.filter((entry) => entry.requestId === event.event_id)).toHaveLength(1);
  });

  it('answers 400 to a body that is not a transaction, naming the field', async () => {
    const response = await fetch(`${app.url}/v1/webhooks/matrix/_matrix/app/v1/transactions/bad`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${HS_TOKEN}` }, body: JSON.stringify({ events: 'x' }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ details: [{ field: 'body.events' }] });
  });
});
