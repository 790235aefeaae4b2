/**
 * An incident in Matrix end to end (#16): an alert posted to Vigil's API runs the real incident
 * workflow and its chat workflow on a real worker (the time-skipping Temporal server, so an
 * escalation timeout passes in no time), which page through the real Matrix adapter into a real
 * Synapse on loopback; real Matrix users type commands and react there, Synapse pushes those to
 * Vigil's application-service route, and the shared chat handler acts on the incident. One Synapse
 * for the file (devkit/synapse.ts), as test/integration/matrix.test.ts starts it.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, type Worker } from '@temporalio/worker';
import { MatrixClient } from 'matrix-js-sdk';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatPlatformsFromEnv } from '../../activities/chat';
import { createApp } from '../../api/app';
import { createChatRequestGuard } from '../../api/chat/chatRequestGuard';
import { createTemporalChatGateway } from '../../api/gateways/chatGateway';
import { createTemporalGateway } from '../../api/gateways/temporalGateway';
import { createInboundMessages } from '../../api/records/inboundMessages';
import { createIncidentReviews } from '../../api/records/incidentReviews';
import { MATRIX_APPSERVICE_BASE, matrixAppServiceFromEnv } from '../../api/routes/matrixAppService';
import { parseConfig } from '../../domain/config';
import type { EmailMessage } from '../../domain/transports';
import type { IncidentView } from '../../domain/incident';
import { planIncident } from '../../domain/incidentPlan';
import { freePort } from '../../devkit/freePort';
import { startSynapse, type RegisteredUser, type SynapseServer } from '../../devkit/synapse';
import { createTimeSkippingEnv, workflowBundle } from '../../devkit/timeSkippingServer';
import { waitFor } from '../../devkit/waitFor';
import { createChatRecords } from '../../platform/chatRecords';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { RUNBOOKS } from '../../runbooks/index';
import { createVigilWorker } from '../../worker/createWorker';

const AS_TOKEN = randomBytes(16).toString('hex');
const HS_TOKEN = randomBytes(16).toString('hex');
const BOT = '@vigil:localhost';
const API_KEY = 'matrix-e2e-key';
const AUTH = { authorization: `Bearer ${API_KEY}` };
const PUBLIC_URL = 'https://vigil.example.test';

/** A person's client, bare like the bot's (the SDK's send queue logs to the console). */
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => silent };
type Person = RegisteredUser & { client: MatrixClient };

let env: TestWorkflowEnvironment;
let synapse: SynapseServer;
let store: SqlStore;
let worker: Worker;
let workerRun: Promise<void>;
let server: Server;
let apiUrl: string;
let alice: Person;
let bob: Person;
let carol: Person;
let mallory: Person;
let bot: MatrixClient;
/** The level channels: level 1's (Alice) and level 2's (Bob). */
let opsFirst: string;
let opsSecond: string;
const emails: EmailMessage[] = [];

beforeAll(async () => {
  // Core's and the worker's own logs would drown the test's output; errors still show.
  const quiet = () => undefined;
  Runtime.install({ logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: (message: string) => console.error(message) } });
  // Synapse's registration names Vigil's URL, so the API's port is chosen first; Synapse, Temporal,
  // the store and the workflow bundle start side by side (each takes seconds on a loaded machine).
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  let storeOpened: SqlStore | undefined;
  [synapse, env, storeOpened] = await Promise.all([
    startSynapse({
      appServices: [
        {
          id: 'vigil',
          url: `${apiUrl}${MATRIX_APPSERVICE_BASE}`,
          as_token: AS_TOKEN,
          hs_token: HS_TOKEN,
          sender_localpart: 'vigil',
          namespaces: { users: [], rooms: [], aliases: [{ exclusive: true, regex: '#vigil-.*' }] },
          rate_limited: false,
        },
      ],
    }),
    createTimeSkippingEnv(),
    openSqlStore({}),
    workflowBundle(),
  ]);
  store = storeOpened;
  const people = await Promise.all(['alice', 'bob', 'carol', 'mallory'].map((name) => synapse.registerUser(name)));
  [alice, bob, carol, mallory] = people.map((user) => ({ ...user, client: new MatrixClient({ baseUrl: synapse.baseUrl, accessToken: user.accessToken, userId: user.userId, logger: silent }) }));
  bot = new MatrixClient({ baseUrl: synapse.baseUrl, accessToken: AS_TOKEN, userId: BOT, logger: silent });
  // The team channels, made by people (here the bot, which must be in them to post anyway).
  const makeChannel = async (name: string, member: Person) => {
    const { room_id: roomId } = await bot.createRoom({ name, invite: [member.userId] } as never);
    await member.client.joinRoom(roomId);
    return roomId;
  };
  [opsFirst, opsSecond] = await Promise.all([makeChannel('ops first line', alice), makeChannel('ops second line', bob)]);

  const config = parseConfig(
    {
      services: { checkout: { escalationPolicy: 'web', communicationPlan: 'shop' } },
      defaultEscalationPolicy: 'web',
      contacts: {
        alice: { name: 'Alice', email: 'alice@example.test', chat: { matrix: alice.userId } },
        // Bob also wants his pages in his direct messages with the bot.
        bob: { name: 'Bob', email: 'bob@example.test', chat: { matrix: bob.userId, direct: true } },
        carol: { name: 'Carol', email: 'carol@example.test', chat: { matrix: carol.userId } },
        sam: { name: 'Sam', email: 'sam@example.test' },
      },
      communicationPlans: { shop: { stakeholders: ['sam'] } },
      chatChannels: { 'ops-first': { platform: 'matrix', channel: opsFirst }, 'ops-second': { platform: 'matrix', channel: opsSecond } },
      escalationPolicies: {
        web: {
          levels: [
            { notify: ['alice'], channels: ['email'], timeout: '5m', chat: ['ops-first'] },
            { notify: ['bob'], channels: ['email'], timeout: '10m', chat: ['ops-second'] },
          ],
        },
      },
      incidentRooms: [{ platform: 'matrix', services: ['checkout'], severities: ['critical', 'error'] }],
      // Recurrence detection reads visibility listings, which the time-skipping server has not got.
      problems: { detect: false },
    },
    'matrix e2e config',
  );
  // The worker and the API read Matrix from the environment, as deployed (docs/chat.md).
  const matrixEnv = { MATRIX_HOMESERVER_URL: synapse.baseUrl, MATRIX_ACCESS_TOKEN: AS_TOKEN, MATRIX_USER_ID: BOT, MATRIX_APPSERVICE_HS_TOKEN: HS_TOKEN };
  const taskQueue = `matrix-e2e-${randomUUID()}`;
  const refuse = (what: string) => () => Promise.reject(new Error(`this test ${what}`));
  worker = await createVigilWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    config,
    runbooks: RUNBOOKS,
    transports: {
      email: { name: 'recording', send: async (message) => void emails.push(message) },
      sms: { name: 'no-sms', send: refuse('sends no SMS') },
      voice: { name: 'no-voice', call: refuse('places no calls') },
      ntfy: { name: 'no-ntfy', publish: refuse('pushes nothing') },
      webhook: { name: 'no-webhook', post: refuse('posts no pages') },
    },
    // One store for the worker and the API, as two processes share PostgreSQL (DATABASE_URL).
    store,
    publicUrl: PUBLIC_URL,
    workflowBundle: await workflowBundle(),
    chatPlatforms: chatPlatformsFromEnv(matrixEnv),
  });
  workerRun = worker.run();
  const app = createApp({
    gateway: createTemporalGateway({ client: env.client, taskQueue, plan: (alert) => planIncident(config, RUNBOOKS, alert) }),
    config,
    apiKeys: new Map([[API_KEY, { user: 'ops', role: 'operations-manager' as const }]]),
    publicUrl: PUBLIC_URL,
    inboundMessages: createInboundMessages(store),
    reviews: createIncidentReviews(store),
    chatRooms: createChatRecords(store),
    chatRequests: createChatRequestGuard(store),
    chatSide: createTemporalChatGateway(env.client),
    matrix: matrixAppServiceFromEnv(matrixEnv),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
  });
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun?.catch(() => undefined);
  await synapse?.stop();
  await env?.teardown();
  await store?.close();
});

async function postAlert(dedupKey: string, summary: string): Promise<string> {
  const response = await fetch(`${apiUrl}/v1/alerts`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ service: 'checkout', severity: 'critical', summary, dedupKey }) });
  expect(response.status).toBe(202);
  return ((await response.json()) as { incidentId: string }).incidentId;
}

async function incident(id: string): Promise<IncidentView> {
  const response = await fetch(`${apiUrl}/v1/incidents/${encodeURIComponent(id)}`, { headers: AUTH });
  expect(response.status).toBe(200);
  return (await response.json()) as IncidentView;
}

interface SeenEvent {
  event_id: string;
  type: string;
  sender: string;
  state_key?: string;
  content: Record<string, unknown> & { body?: string; msgtype?: string; topic?: string; membership?: string };
}

/** The room's events, oldest first, as `reader` (a member) sees them. */
async function history(reader: MatrixClient, roomId: string): Promise<SeenEvent[]> {
  const { chunk } = await reader.createMessagesRequest(roomId, null, 200, 'b' as never);
  return (chunk as unknown as SeenEvent[]).reverse();
}

/** The bot's messages in a room (cards, lines, answers), oldest first. */
const botMessages = async (reader: MatrixClient, roomId: string) => (await history(reader, roomId)).filter((event) => event.sender === BOT && event.type === 'm.room.message');

/** The bot's answer to an event (a notice replying to it). */
async function answerTo(reader: MatrixClient, roomId: string, eventId: string): Promise<string | undefined> {
  const replies = (await botMessages(reader, roomId)).filter((event) => (event.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === eventId);
  return replies[0]?.content.body;
}

const membershipIn = (roomId: string, userId: string) => bot.getStateEvent(roomId, 'm.room.member', userId).then((event) => (event as { membership?: string }).membership);
const topicOf = (reader: MatrixClient, roomId: string) => reader.getStateEvent(roomId, 'm.room.topic', '').then((event) => (event as { topic: string }).topic);

/** The incident's room, found as anyone finds it: by the alias its name gives (`#vigil-inc-<code>-checkout`). */
async function roomOfIncident(code: string): Promise<string> {
  return waitFor(`the room of ${code}`, () => alice.client.getRoomIdForAlias(`#vigil-inc-${code.toLowerCase()}-checkout:localhost`).then((found) => found.room_id, () => undefined), 30_000);
}

/** Joins a room once invited (the invite comes from the chat workflow, asynchronously). */
const joinWhenInvited = (person: Person, roomId: string) => waitFor(`${person.userId} invited to ${roomId}`, () => person.client.joinRoom(roomId).then(() => true, () => undefined), 30_000);

/** Types a message as a person and waits for the bot's answer to it. */
async function say(person: Person, roomId: string, body: string): Promise<{ eventId: string; answer: string }> {
  const { event_id: eventId } = await person.client.sendMessage(roomId, { msgtype: 'm.text' as never, body });
  const answer = await waitFor(`the answer to "${body}"`, () => answerTo(person.client, roomId, eventId), 30_000);
  return { eventId, answer };
}

/** Pushes a transaction to Vigil's route as a homeserver would, with `token` as its credential. */
const push = (txnId: string, events: unknown[], token = HS_TOKEN) =>
  fetch(`${apiUrl}${MATRIX_APPSERVICE_BASE}/_matrix/app/v1/transactions/${txnId}`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ events }) });

describe('an incident paged into Matrix and run from there', () => {
  let first: IncidentView;
  let second: IncidentView;
  let firstRoom: string;
  let secondRoom: string;

  it('pages into the level channel with severity, service, summary and who is paged, and opens a room per incident with the responder invited', async () => {
    // Two incidents: the first is acknowledged in Matrix; the second, left alone, shows the escalation a timeout brings.
    const [firstId, secondId] = await Promise.all([postAlert(`db-${randomUUID()}`, 'Database down'), postAlert(`queue-${randomUUID()}`, 'Queue backlog growing')]);
    [first, second] = await Promise.all([incident(firstId), incident(secondId)]);
    [firstRoom, secondRoom] = await Promise.all([roomOfIncident(first.code), roomOfIncident(second.code)]);

    // The level's channel: one card per incident, as Alice reads it there.
    const cards = await waitFor('both cards in the first-line channel', async () => {
      const found = (await botMessages(alice.client, opsFirst)).filter((event) => event.content['vigil.incident'] !== undefined && !event.content['m.relates_to']);
      return found.length === 2 ? found : undefined;
    }, 30_000);
    const card = cards.find((event) => (event.content['vigil.incident'] as { id: string }).id === first.id);
    expect(card?.content).toMatchObject({ msgtype: 'm.text', 'vigil.incident': { id: first.id, code: first.code } });
    const body = card?.content.body ?? '';
    expect(body).toContain('[CRITICAL] checkout: Database down');
    expect(body).toContain(`Status: triggered · Incident ${first.code}`);
    // The card is posted when the page goes out, so it already names who is paged.
    expect(body).toContain('Paged: Alice');
    expect(body).toContain(`Open: ${PUBLIC_URL}/dashboard/incidents/${encodeURIComponent(first.id)}`);

    // The room: its topic on the status, Alice (paged) invited; Bob (not paged) is not.
    expect(await waitFor('Alice invited to the room', async () => ((await membershipIn(firstRoom, alice.userId).catch(() => undefined)) === 'invite' ? true : undefined), 30_000)).toBe(true);
    await expect(membershipIn(firstRoom, bob.userId)).rejects.toMatchObject({ errcode: 'M_NOT_FOUND' });
    await alice.client.joinRoom(firstRoom);
    expect(await topicOf(alice.client, firstRoom)).toBe(`[TRIGGERED] critical · checkout · ${first.code} · Database down`);
    expect(emails.filter((email) => email.to === 'alice@example.test')).toHaveLength(2);
  });

  it('stops escalating when Alice types `/vigil ack` in the room, and makes Carol commander by command', async () => {
    const { answer } = await say(alice, firstRoom, '/vigil ack');
    expect(answer).toBe(`Alice acknowledged ${first.code} (checkout): escalation stopped.`);
    expect(await incident(first.id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'Alice (matrix)' });
    await waitFor('the topic on the new status', async () => ((await topicOf(alice.client, firstRoom)).startsWith('[ACKNOWLEDGED]') ? true : undefined), 30_000);

    const role = await say(alice, firstRoom, `!vigil role commander ${carol.userId}`);
    expect(role.answer).toBe(`${first.code} (checkout): commander Carol, set by Alice.`);
    expect(await waitFor('Carol invited', async () => ((await membershipIn(firstRoom, carol.userId).catch(() => undefined)) === 'invite' ? true : undefined), 30_000)).toBe(true);
    await waitFor('the topic naming the commander', async () => ((await topicOf(alice.client, firstRoom)) === `[ACKNOWLEDGED] critical · checkout · ${first.code} · commander Carol · Database down` ? true : undefined), 30_000);

    // Past level 1's timeout: the incident left alone pages Bob and his channel; the acknowledged one never does.
    await env.sleep('6m');
    await waitFor('the second incident escalated to Bob', () => emails.find((email) => email.to === 'bob@example.test' && email.text.includes(second.code)), 30_000);
    const secondLine = await waitFor('the second incident in the second-line channel', async () => {
      const found = (await botMessages(bob.client, opsSecond)).filter((event) => (event.content['vigil.incident'] as { id?: string } | undefined)?.id === second.id);
      return found.length > 0 ? found : undefined;
    }, 30_000);
    expect(secondLine[0].content.body).toContain('Paged: Alice, Bob');
    // And in Bob's direct room with the bot (found by its alias: a hash of his user id).
    const direct = (await bob.client.getRoomIdForAlias(`#vigil-dm-${createHash('sha256').update(bob.userId).digest('hex').slice(0, 24)}:localhost`)).room_id;
    await joinWhenInvited(bob, direct);
    const directCards = (await botMessages(bob.client, direct)).filter((event) => event.content['vigil.incident'] !== undefined && !event.content['m.relates_to']);
    expect(directCards.map((event) => (event.content['vigil.incident'] as { id: string }).id)).toEqual([second.id]);
    expect(emails.filter((email) => email.to === 'bob@example.test' && email.text.includes(first.code))).toEqual([]);
    expect((await botMessages(bob.client, opsSecond)).filter((event) => (event.content['vigil.incident'] as { id?: string } | undefined)?.id === first.id)).toEqual([]);
    expect((await incident(first.id)).paged.map((page) => page.name)).toEqual(['Alice']);
  });

  it('takes a status update typed in the room as a stakeholder update, and mirrors the timeline', async () => {
    const { answer } = await say(alice, firstRoom, '!vigil update Rolled back 4.12; error rate falling');
    expect(answer).toBe(`Status update on ${first.code} by Alice: Rolled back 4.12; error rate falling`);
    expect((await incident(first.id)).updates).toMatchObject([{ by: 'Alice (matrix)', text: 'Rolled back 4.12; error rate falling' }]);
    await waitFor('Sam, the stakeholder, told by email', () => emails.find((email) => email.to === 'sam@example.test' && email.text.includes('Rolled back 4.12')), 30_000);
    const lines = await waitFor('the update mirrored into the room', async () => {
      const notices = (await botMessages(alice.client, firstRoom)).filter((event) => event.content.msgtype === 'm.notice' && !event.content['m.relates_to']).map((event) => event.content.body?.slice(6) ?? '');
      return notices.some((line) => line.startsWith('Status update')) ? notices : undefined;
    }, 30_000);
    const expected = ['Opened: critical on checkout: Database down', 'Paged Alice by email (level 1)', 'Acknowledged by Alice (matrix)', 'Commander: Carol', 'Status update by Alice (matrix): Rolled back 4.12; error rate falling'];
    const positions = expected.map((start) => lines.findIndex((line) => line.startsWith(start)));
    expect(positions.every((position) => position >= 0), `timeline: ${JSON.stringify(lines)}`).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('refuses a forged push, an unknown Matrix user, and anyone acting from outside the room', async () => {
    await alice.client.joinRoom(secondRoom);
    const card = (await botMessages(alice.client, secondRoom)).find((event) => event.content['vigil.incident'] !== undefined);
    expect(card).toBeDefined();
    const reactionOnCard = (sender: string, eventId: string) => ({ type: 'm.reaction', event_id: eventId, room_id: secondRoom, sender, content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: card?.event_id, key: '✅' } } });

    // Without the homeserver's token: refused before anything is read.
    const forged = await push(`forged-${randomUUID()}`, [reactionOnCard(alice.userId, `$forged-${randomUUID()}`)], 'not-the-hs-token');
    expect(forged.status).toBe(401);

    // Mallory is a real user in the room (Alice invited her), but no contact: refused politely, nothing done.
    await alice.client.invite(secondRoom, mallory.userId);
    await mallory.client.joinRoom(secondRoom);
    const unknown = await say(mallory, secondRoom, '!vigil ack');
    expect(unknown.answer).toBe(`Sorry, Vigil does not know you: no contact has matrix id ${mallory.userId}. Ask whoever runs Vigil to add it to your contact (chat.matrix).`);

    // With the right token, events naming people who are not joined members act for nobody:
    // Carol (a contact, never in this room) and Bob (invited at level 2, not joined yet).
    const asCarol = reactionOnCard(carol.userId, `$as-carol-${randomUUID()}`);
    const asBob = { type: 'm.room.message', event_id: `$as-bob-${randomUUID()}`, room_id: secondRoom, sender: bob.userId, content: { msgtype: 'm.text', body: '!vigil ack' } };
    expect(await membershipIn(secondRoom, bob.userId)).toBe('invite');
    expect((await push(`outsiders-${randomUUID()}`, [asCarol, asBob])).status).toBe(200);
    expect(await incident(second.id)).toMatchObject({ status: 'triggered' });
    const answers = (await botMessages(alice.client, secondRoom)).filter((event) => event.content['m.relates_to'] !== undefined && (event.content['m.relates_to'] as { 'm.in_reply_to'?: unknown })['m.in_reply_to'] !== undefined);
    expect(answers.map((event) => event.content.body)).toEqual([unknown.answer]);
  });

  it('acknowledges by a ✅ reaction on the card from a member, once however often Synapse pushes it', async () => {
    await joinWhenInvited(bob, secondRoom);
    const card = (await botMessages(bob.client, secondRoom)).find((event) => event.content['vigil.incident'] !== undefined);
    const { event_id: reactionId } = await bob.client.sendEvent(secondRoom, 'm.reaction' as never, { 'm.relates_to': { rel_type: 'm.annotation', event_id: card?.event_id, key: '✅' } } as never);
    expect(await waitFor('the answer to the reaction', () => answerTo(bob.client, secondRoom, reactionId), 30_000)).toBe(`Bob acknowledged ${second.code} (checkout): escalation stopped.`);
    expect(await incident(second.id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'Bob (matrix)' });

    // The same event again, as a homeserver re-sends a transaction it is not sure was taken.
    const event = { ...(await bob.client.fetchRoomEvent(secondRoom, reactionId)), room_id: secondRoom };
    expect((await push(`again-${randomUUID()}`, [event])).status).toBe(200);
    const answers = (await botMessages(bob.client, secondRoom)).filter((message) => (message.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === reactionId);
    expect(answers).toHaveLength(1);
  });

  it('archives the room once the incident is resolved and its review completed', async () => {
    const { answer } = await say(alice, firstRoom, '!vigil resolve');
    expect(answer).toBe(`Alice resolved ${first.code} (checkout).`);
    await waitFor('the resolution in the room', async () => ((await topicOf(alice.client, firstRoom)).startsWith('[RESOLVED]') ? true : undefined), 30_000);
    expect(await membershipIn(firstRoom, BOT)).toBe('join');

    const review = await fetch(`${apiUrl}/v1/incidents/${encodeURIComponent(first.id)}/review`, {
      method: 'PUT',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ wentWell: ['Acknowledged from Matrix within a minute'], completed: true }),
    });
    expect(review.status).toBe(200);
    await waitFor('the bot gone from the room', async () => ((await alice.client.getStateEvent(firstRoom, 'm.room.member', BOT).then((member) => (member as { membership: string }).membership)) === 'leave' ? true : undefined), 30_000);
    expect(await topicOf(alice.client, firstRoom)).toBe(`[archived] [RESOLVED] critical · checkout · ${first.code} · commander Carol · Database down`);
    const notices = (await botMessages(alice.client, firstRoom)).map((event) => event.content.body ?? '');
    expect(notices.at(-1)).toBe('This incident is closed and its room archived: Vigil no longer reads it.');
    expect(notices.some((line) => line.slice(6).startsWith('Resolved by Alice (matrix)'))).toBe(true);
    // The card in the level channel, edited in place to the end state.
    const edits = (await history(alice.client, opsFirst)).filter((event) => (event.content['m.relates_to'] as { rel_type?: string } | undefined)?.rel_type === 'm.replace');
    const lastOfFirst = edits.filter((event) => (event.content['m.new_content'] as { 'vigil.incident'?: { id: string } })['vigil.incident']?.id === first.id).at(-1);
    expect((lastOfFirst?.content['m.new_content'] as { body: string }).body).toContain('Status: resolved');
  });
});
