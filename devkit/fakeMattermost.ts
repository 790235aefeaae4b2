/**
 * A loopback stand-in for the Mattermost REST API v4 endpoints Vigil calls, so tests drive the
 * real `@mattermost/client` (`Client4`) against it: the bot's own user, the team, direct channels,
 * posts and their patches, channels by name, members, header patches and archiving (a deleted
 * channel keeps `delete_at`), and a slash command's `response_url`. Errors are Mattermost's shape (`{ id, message, status_code }`). It
 * can also press a card's button the way the Mattermost server does: POST the clicker's ids and the
 * button's stored context to the button's integration URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMattermostChannel {
  id: string;
  team_id: string;
  name: string;
  display_name: string;
  type: 'O' | 'P' | 'D';
  header: string;
  delete_at: number;
  members: Set<string>;
}

export interface FakeMattermostPost {
  id: string;
  channel_id: string;
  user_id: string;
  message: string;
  props: Record<string, unknown>;
  /** When it was created, ms since the epoch (`getPostsSince` lists by it). */
  create_at: number;
  /** How many patches replaced it. */
  edits: number;
}

interface PostAction {
  id: string;
  name: string;
  integration?: { url: string; context?: Record<string, unknown> };
}

export const FAKE_MATTERMOST_TEAM = { id: 'teamid000000000000000000aa', name: 'acme' };

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `users`: username → user id, the accounts `GET /users/username/:name` knows (besides the bot). */
export async function startFakeMattermost(options: { token: string; botUserId?: string; users?: Record<string, string> }) {
  const botUserId = options.botUserId ?? 'botuserid0000000000000000a';
  const channels = new Map<string, FakeMattermostChannel>();
  const posts = new Map<string, FakeMattermostPost>();
  const requests: Array<{ method: string; path: string }> = [];
  /** What was posted to a command's `response_url` (`/hooks/commands/<id>`). */
  const responses: Array<{ id: string; body: Record<string, unknown> }> = [];
  let counter = 0;
  // Mattermost ids are 26 lower-case letters and digits.
  const nextId = () => `fake${String(++counter).padStart(22, '0')}`;
  let failNext: number[] = [];

  const send = (res: ServerResponse, status: number, body: unknown): void => void res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const fail = (res: ServerResponse, status: number, id: string, message: string): void => send(res, status, { id, message, detailed_error: '', request_id: 'fake', status_code: status });
  const channelJson = (channel: FakeMattermostChannel) => ({ ...channel, members: undefined });
  // As the real server does, a post's buttons go out without their integration (URL and context).
  const postJson = (post: FakeMattermostPost) => {
    const attachments = (post.props.attachments as Array<{ actions?: PostAction[] }> | undefined)?.map((attachment) => ({
      ...attachment,
      actions: attachment.actions?.map(({ integration: _integration, ...action }) => action),
    }));
    return { ...post, edits: undefined, props: attachments ? { ...post.props, attachments } : post.props };
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-mattermost');
    const path = url.pathname.replace(/^\/api\/v4/, '');
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    requests.push({ method, path });
    const hook = /^\/hooks\/commands\/([a-z0-9]+)$/.exec(url.pathname);
    if (method === 'POST' && hook) {
      // A command's response_url: the URL itself is the credential, as on a real server.
      responses.push({ id: hook[1], body: JSON.parse(text) as Record<string, unknown> });
      return send(res, 200, { status: 'OK' });
    }
    // The client writes the scheme as `BEARER`; Mattermost reads it in any case.
    if (/^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] !== options.token) return fail(res, 401, 'api.context.session_expired.app_error', 'Invalid or expired session, please login again.');
    const injected = failNext.shift();
    if (injected !== undefined) return fail(res, injected, 'fake.told_to_fail', 'told to fail');
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    const fields = (body ?? {}) as Record<string, unknown>;
    let match: RegExpExecArray | null;

    if (method === 'GET' && path === '/users/me') return send(res, 200, { id: botUserId, username: 'vigil', is_bot: true });
    if (method === 'GET' && (match = /^\/users\/username\/([a-z0-9._-]+)$/.exec(path))) {
      const userId = Object.hasOwn(options.users ?? {}, match[1]) ? options.users?.[match[1]] : undefined;
      return userId ? send(res, 200, { id: userId, username: match[1], is_bot: false }) : fail(res, 404, 'app.user.missing_account.const', 'Unable to find the user.');
    }
    if (method === 'GET' && (match = /^\/teams\/([a-z0-9]+)$/.exec(path))) {
      return match[1] === FAKE_MATTERMOST_TEAM.id ? send(res, 200, FAKE_MATTERMOST_TEAM) : fail(res, 404, 'app.team.get.find.app_error', 'Unable to find the existing team.');
    }
    if (method === 'POST' && path === '/channels/direct') {
      const ids = body as string[];
      if (!Array.isArray(ids) || ids.length !== 2 || !ids.includes(botUserId)) return fail(res, 400, 'api.context.invalid_body_param.app_error', 'Invalid or missing user_ids in request body.');
      const name = [...ids].sort().join('__');
      const existing = [...channels.values()].find((channel) => channel.type === 'D' && channel.name === name);
      const channel = existing ?? { id: nextId(), team_id: '', name, display_name: '', type: 'D' as const, header: '', delete_at: 0, members: new Set(ids) };
      channels.set(channel.id, channel);
      return send(res, existing ? 200 : 201, channelJson(channel));
    }
    if (method === 'POST' && path === '/posts') {
      const channel = channels.get(String(fields.channel_id));
      if (!channel) return fail(res, 403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
      if (channel.delete_at > 0) return fail(res, 403, 'api.post.create_post.can_not_post_to_deleted.error', 'Can not post to deleted channel.');
      if (!channel.members.has(botUserId)) return fail(res, 403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
      const post: FakeMattermostPost = { id: nextId(), channel_id: channel.id, user_id: botUserId, message: String(fields.message ?? ''), props: (fields.props as Record<string, unknown>) ?? {}, create_at: Date.now(), edits: 0 };
      posts.set(post.id, post);
      return send(res, 201, postJson(post));
    }
    if (method === 'PUT' && (match = /^\/posts\/([a-z0-9]+)\/patch$/.exec(path))) {
      const post = posts.get(match[1]);
      if (!post) return fail(res, 404, 'app.post.get.app_error', 'Unable to get the post.');
      if (typeof fields.message === 'string') post.message = fields.message;
      if (fields.props) post.props = fields.props as Record<string, unknown>;
      post.edits += 1;
      return send(res, 200, postJson(post));
    }
    if (method === 'POST' && path === '/channels') {
      const name = String(fields.name ?? '');
      if (!/^[a-z0-9][a-z0-9_-]{1,63}$/.test(name)) return fail(res, 400, 'model.channel.is_valid.name.app_error', 'Invalid channel name.');
      if ([...channels.values()].some((channel) => channel.team_id === fields.team_id && channel.name === name)) {
        return fail(res, 400, 'store.sql_channel.save_channel.exists.app_error', 'A channel with that name already exists on the same team.');
      }
      if (fields.team_id !== FAKE_MATTERMOST_TEAM.id) return fail(res, 403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
      const channel: FakeMattermostChannel = { id: nextId(), team_id: String(fields.team_id), name, display_name: String(fields.display_name ?? name), type: fields.type === 'P' ? 'P' : 'O', header: String(fields.header ?? ''), delete_at: 0, members: new Set([botUserId]) };
      channels.set(channel.id, channel);
      return send(res, 201, channelJson(channel));
    }
    if (method === 'GET' && (match = /^\/teams\/([a-z0-9]+)\/channels\/name\/([^/]+)$/.exec(path))) {
      const includeDeleted = url.searchParams.get('include_deleted') === 'true';
      const channel = [...channels.values()].find((candidate) => candidate.team_id === match?.[1] && candidate.name === match?.[2] && (includeDeleted || candidate.delete_at === 0));
      return channel ? send(res, 200, channelJson(channel)) : fail(res, 404, 'app.channel.get_by_name.missing.app_error', 'Channel does not exist.');
    }
    if (method === 'GET' && (match = /^\/channels\/([a-z0-9]+)\/posts$/.exec(path)) && url.searchParams.has('since')) {
      // A PostList of the channel's posts created (or changed) since then, as the server answers it.
      const channel = channels.get(match[1]);
      if (!channel || !channel.members.has(botUserId)) return fail(res, 403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
      const since = Number(url.searchParams.get('since'));
      const listed = [...posts.values()].filter((post) => post.channel_id === channel.id && post.create_at >= since).sort((a, b) => b.create_at - a.create_at);
      return send(res, 200, { order: listed.map((post) => post.id), posts: Object.fromEntries(listed.map((post) => [post.id, postJson(post)])), next_post_id: '', prev_post_id: '' });
    }
    if ((match = /^\/channels\/([a-z0-9]+)(\/members|\/patch)?$/.exec(path))) {
      const channel = channels.get(match[1]);
      if (!channel) return fail(res, 404, 'app.channel.get.existing.app_error', 'Unable to find the existing channel.');
      if (method === 'GET' && !match[2]) return send(res, 200, channelJson(channel));
      if (method === 'POST' && match[2] === '/members') {
        const userId = String(fields.user_id ?? '');
        if (!/^[a-z0-9]{26}$/.test(userId)) return fail(res, 400, 'api.context.invalid_body_param.app_error', 'Invalid or missing user_id in request body.');
        channel.members.add(userId);
        return send(res, 201, { channel_id: channel.id, user_id: userId, roles: 'channel_user' });
      }
      if (method === 'PUT' && match[2] === '/patch') {
        if (typeof fields.header === 'string') channel.header = fields.header;
        return send(res, 200, channelJson(channel));
      }
      if (method === 'DELETE' && !match[2]) {
        if (channel.delete_at > 0) return fail(res, 400, 'api.channel.delete_channel.deleted.app_error', 'The channel has been archived or deleted.');
        channel.delete_at = Date.now();
        return send(res, 200, { status: 'OK' });
      }
    }
    return fail(res, 404, 'api.context.404.app_error', 'Sorry, we could not find the page.');
  }

  const server = createServer((req, res) => {
    route(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let triggers = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    botUserId,
    channels,
    posts,
    requests,
    responses,
    /** The next calls answer these statuses, one each. */
    failNext(...statuses: number[]) {
      failNext = [...statuses];
    },
    /**
     * Presses button `actionId` of a post as user `userId`, as the server relays it: a JSON POST to
     * the button's integration URL with the stored context. Returns the integration's answer.
     */
    async pressButton(postId: string, actionId: string, userId: string) {
      const post = posts.get(postId);
      const actions = (post?.props.attachments as Array<{ actions?: PostAction[] }> | undefined)?.flatMap((attachment) => attachment.actions ?? []) ?? [];
      const action = actions.find((candidate) => candidate.id === actionId);
      if (!post || !action?.integration) throw new Error(`post ${postId} has no button ${actionId}`);
      const channel = channels.get(post.channel_id);
      const response = await fetch(action.integration.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: userId, user_name: 'someone', channel_id: post.channel_id, channel_name: channel?.name ?? '', team_id: channel?.team_id ?? '', team_domain: FAKE_MATTERMOST_TEAM.name, post_id: post.id, trigger_id: `trigger-${++triggers}`, type: '', data_source: '', context: action.integration.context ?? {} }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type FakeMattermost = Awaited<ReturnType<typeof startFakeMattermost>>;
