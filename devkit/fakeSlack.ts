/**
 * A loopback stand-in for the Slack Web API methods Vigil calls, answering their documented
 * shapes (`{ ok: true, ... }` or `{ ok: false, error }` with HTTP 200, as Slack does), so tests
 * drive the real `@slack/web-api` client against it. It keeps channels, members, topics and
 * messages, records every call, can be told to refuse the next call of a method, and takes the
 * `response_url` follow-ups Vigil posts after answering an interaction (`/responses/<id>`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSlackChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  topic: string;
  members: Set<string>;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  /** How many times `chat.update` replaced it. */
  edits: number;
  /** The message metadata it was posted with (`{ event_type, event_payload }`). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

export interface FakeSlackCall {
  method: string;
  args: Record<string, unknown>;
}

/** The bot's own user id: it is a member of every channel it creates. */
export const FAKE_SLACK_BOT_USER = 'UVIGILBOT';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The fields the client sends JSON-encoded inside a form (every other field is a string). */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata']);

/** The client sends form fields, objects and arrays JSON-encoded in them; JSON bodies are read as they are. */
function argsOf(req: IncomingMessage, body: string): Record<string, unknown> {
  if ((req.headers['content-type'] ?? '').startsWith('application/json')) return JSON.parse(body || '{}') as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    args[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : value;
  }
  return args;
}

export async function startFakeSlack(options: { token: string }) {
  const channels = new Map<string, FakeSlackChannel>();
  const messages: FakeSlackMessage[] = [];
  const calls: FakeSlackCall[] = [];
  const responses: Array<{ id: string; body: Record<string, unknown> }> = [];
  const refusals = new Map<string, string[]>();
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}${String(++counter).padStart(8, '0')}`;
  // Slack's ts is the post's time in seconds with a per-channel sequence: here, now and a counter.
  let sequence = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++sequence).padStart(6, '0')}`;

  const channelOf = (id: unknown) => (typeof id === 'string' ? channels.get(id) : undefined);

  /** Each method: the answer's fields on success, or the error string. */
  const methods: Record<string, (args: Record<string, unknown>) => Record<string, unknown> | string> = {
    'auth.test': () => ({ user_id: FAKE_SLACK_BOT_USER, team_id: 'TFAKE' }),
    'conversations.open': (args) => {
      const user = String(args.users ?? '');
      if (!/^[UW][A-Z0-9]+$/.test(user)) return 'user_not_found';
      const existing = [...channels.values()].find((channel) => channel.id.startsWith('D') && channel.members.has(user));
      const channel = existing ?? { id: nextId('D'), name: '', isPrivate: true, isArchived: false, topic: '', members: new Set([user, FAKE_SLACK_BOT_USER]) };
      channels.set(channel.id, channel);
      return { channel: { id: channel.id } };
    },
    'chat.postMessage': (args) => {
      const channel = channelOf(args.channel);
      if (!channel) return 'channel_not_found';
      if (channel.isArchived) return 'is_archived';
      if (!channel.members.has(FAKE_SLACK_BOT_USER)) return 'not_in_channel';
      if (typeof args.text !== 'string' && !Array.isArray(args.blocks)) return 'no_text';
      const metadata = args.metadata as FakeSlackMessage['metadata'];
      const message: FakeSlackMessage = { channel: channel.id, ts: nextTs(), text: String(args.text ?? ''), blocks: (args.blocks as unknown[]) ?? [], edits: 0, ...(metadata ? { metadata } : {}) };
      messages.push(message);
      return { channel: channel.id, ts: message.ts, message: { text: message.text, blocks: message.blocks } };
    },
    'chat.update': (args) => {
      const message = messages.find((candidate) => candidate.channel === args.channel && candidate.ts === args.ts);
      if (!message) return 'message_not_found';
      message.text = String(args.text ?? message.text);
      message.blocks = (args.blocks as unknown[]) ?? message.blocks;
      message.edits += 1;
      return { channel: message.channel, ts: message.ts, text: message.text };
    },
    // Newest first, from `oldest` on; metadata only with include_all_metadata, as Slack does.
    'conversations.history': (args) => {
      const channel = channelOf(args.channel);
      if (!channel) return 'channel_not_found';
      if (!channel.members.has(FAKE_SLACK_BOT_USER)) return 'not_in_channel';
      const oldest = Number(args.oldest ?? 0);
      const withMetadata = args.include_all_metadata === 'true' || args.include_all_metadata === true;
      const limit = Math.min(Number(args.limit ?? 100), 999);
      const start = Number(args.cursor || 0);
      const listed = messages.filter((message) => message.channel === channel.id && Number(message.ts) >= oldest).reverse();
      const page = listed.slice(start, start + limit);
      const next = start + limit < listed.length ? String(start + limit) : '';
      return {
        messages: page.map((message) => ({ type: 'message', ts: message.ts, text: message.text, ...(withMetadata && message.metadata ? { metadata: message.metadata } : {}) })),
        has_more: next !== '',
        response_metadata: { next_cursor: next },
      };
    },
    'conversations.create': (args) => {
      const name = String(args.name ?? '');
      if (!/^[a-z0-9_-]{1,80}$/.test(name)) return 'invalid_name_specials';
      if ([...channels.values()].some((channel) => channel.name === name)) return 'name_taken';
      const isPrivate = args.is_private === 'true' || args.is_private === true;
      const channel: FakeSlackChannel = { id: nextId(isPrivate ? 'G' : 'C'), name, isPrivate, isArchived: false, topic: '', members: new Set([FAKE_SLACK_BOT_USER]) };
      channels.set(channel.id, channel);
      return { channel: { id: channel.id, name, is_private: isPrivate } };
    },
    'conversations.list': (args) => {
      const limit = Math.min(Number(args.limit ?? 100), 1000);
      const start = Number(args.cursor || 0);
      const listed = [...channels.values()].filter((channel) => channel.name && !(args.exclude_archived === 'true' && channel.isArchived));
      // Private channels are listed only to their members, as in Slack.
      const visible = listed.filter((channel) => !channel.isPrivate || channel.members.has(FAKE_SLACK_BOT_USER));
      const page = visible.slice(start, start + limit);
      const next = start + limit < visible.length ? String(start + limit) : '';
      return {
        channels: page.map((channel) => ({ id: channel.id, name: channel.name, is_private: channel.isPrivate, is_archived: channel.isArchived, is_member: channel.members.has(FAKE_SLACK_BOT_USER) })),
        response_metadata: { next_cursor: next },
      };
    },
    'conversations.join': (args) => {
      const channel = channelOf(args.channel);
      if (!channel || channel.isPrivate) return 'channel_not_found';
      channel.members.add(FAKE_SLACK_BOT_USER);
      return { channel: { id: channel.id } };
    },
    'conversations.invite': (args) => {
      const channel = channelOf(args.channel);
      if (!channel) return 'channel_not_found';
      if (channel.isArchived) return 'is_archived';
      const users = String(args.users ?? '').split(',').filter(Boolean);
      if (users.length === 0) return 'no_user';
      if (users.includes(FAKE_SLACK_BOT_USER)) return 'cant_invite_self';
      if (users.some((user) => !/^[UW][A-Z0-9]+$/.test(user))) return 'user_not_found';
      if (users.length === 1 && channel.members.has(users[0])) return 'already_in_channel';
      for (const user of users) channel.members.add(user);
      return { channel: { id: channel.id } };
    },
    'conversations.setTopic': (args) => {
      const channel = channelOf(args.channel);
      if (!channel) return 'channel_not_found';
      if (String(args.topic ?? '').length > 250) return 'too_long';
      channel.topic = String(args.topic ?? '');
      return { channel: { id: channel.id, topic: { value: channel.topic } } };
    },
    'conversations.archive': (args) => {
      const channel = channelOf(args.channel);
      if (!channel) return 'channel_not_found';
      if (channel.isArchived) return 'already_archived';
      channel.isArchived = true;
      return {};
    },
  };

  const send = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake-slack');
      const body = await readBody(req);
      const response = /^\/responses\/([\w-]+)$/.exec(url.pathname);
      if (req.method === 'POST' && response) {
        responses.push({ id: response[1], body: JSON.parse(body) as Record<string, unknown> });
        return send(res, 200, { ok: true });
      }
      const method = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname)?.[1];
      if (req.method !== 'POST' || !method) return send(res, 404, { ok: false, error: 'unknown_method' });
      if (req.headers.authorization !== `Bearer ${options.token}`) return send(res, 200, { ok: false, error: 'invalid_auth' });
      const args = argsOf(req, body);
      calls.push({ method, args });
      const refusal = refusals.get(method)?.shift();
      if (refusal) return send(res, 200, { ok: false, error: refusal });
      const run = methods[method];
      if (!run) return send(res, 200, { ok: false, error: 'unknown_method' });
      const answer = run(args);
      send(res, 200, typeof answer === 'string' ? { ok: false, error: answer } : { ok: true, ...answer });
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    /** The `slackApiUrl` to give the client. */
    apiUrl: `${baseUrl}/api/`,
    /** A `response_url` for an interaction or command; what is posted to it lands in `responses`. */
    responseUrl: (id: string) => `${baseUrl}/responses/${id}`,
    channels,
    messages,
    calls,
    responses,
    /** The next call of `method` answers `{ ok: false, error }` (one per error given). */
    refuseNext(method: string, ...errors: string[]) {
      refusals.set(method, [...(refusals.get(method) ?? []), ...errors]);
    },
    /** A channel made outside Vigil (someone created it by hand), for name clashes and invitations. */
    addChannel(name: string, fields: Partial<Omit<FakeSlackChannel, 'id' | 'name'>> = {}): FakeSlackChannel {
      const channel: FakeSlackChannel = { id: nextId('C'), name, isPrivate: false, isArchived: false, topic: '', members: new Set(), ...fields };
      channels.set(channel.id, channel);
      return channel;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type FakeSlack = Awaited<ReturnType<typeof startFakeSlack>>;
