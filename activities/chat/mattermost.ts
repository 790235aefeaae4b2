/**
 * Mattermost as a chat platform (#16), through the official REST client (`@mattermost/client`'s
 * `Client4`, API v4) with a bot account's token: the card as a message attachment with interactive
 * buttons, direct messages through the bot's direct channel with the person, a channel per incident
 * in the configured team (its header is the topic; deleting a channel archives it in Mattermost).
 * Settings come from the environment only; the token is never logged.
 */
// The package is CommonJS whose named exports Node's ESM loader cannot see: take them from its default export.
import mattermostClient, { type ClientError as MattermostClientError } from '@mattermost/client';

const { Client4, ClientError } = mattermostClient;
import type { ChatDestination, ChatIncidentCard, ChatMessageRef, IncidentRoom } from '../../domain/chat/platform';
import { chatRefused } from './chatFailures';
import type { ChatPlatform, PostOnce } from './chatPlatform';
import { escapeMattermostText, mattermostCardAttachment } from './mattermostCard';

export interface MattermostPlatformOptions {
  /** The server's address (`https://chat.example.com`), without `/api/v4`. */
  url: string;
  /** The bot account's access token. */
  token: string;
  /** The team incident channels are opened in. */
  teamId: string;
  /** Where Mattermost relays button presses: Vigil's public `…/v1/webhooks/mattermost/actions`. */
  actionUrl: string;
  /** Signs each button's context (the API checks it); the same on API and workers. */
  actionSecret: string;
  /** Incident channels as private channels instead of public ones. */
  privateChannels?: boolean;
}

/** A channel name Mattermost accepts: lower case letters, digits, `-` and `_`, 2 to 64 characters. */
export function mattermostChannelName(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `incident-${cleaned}`;
}

/** The post prop carrying Vigil's key for a post, so a retry finds what an earlier try posted. */
const POST_KEY_PROP = 'vigil_post_key';
/** The server's clock against the worker's: a post stamped a little before the first try is still looked at. */
const CLOCK_SLACK_MS = 60_000;

/** Answers that a later try may change: the server busy, throttled, or gone for a moment. */
const transient = (status: number | undefined) => status === undefined || status === 408 || status === 429 || status >= 500;

/** Looked up once per process, and again after a lookup that failed. */
function remembered(load: () => Promise<string>): () => Promise<string> {
  let value: Promise<string> | undefined;
  return () => {
    value ??= load().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}

const isClientError = (error: unknown): error is MattermostClientError => error instanceof ClientError;

export function createMattermostPlatform(options: MattermostPlatformOptions): ChatPlatform {
  const client = new Client4();
  client.setUrl(options.url.replace(/\/+$/, ''));
  client.setToken(options.token);
  client.setIncludeCookies(false);
  const cardSettings = { actionUrl: options.actionUrl, actionSecret: options.actionSecret };
  const botUserId = remembered(() => call('read the bot account', () => client.getMe()).then((me) => me.id));
  // Mattermost's links name the team by its name, not its id.
  const teamName = remembered(() => call('read the team', () => client.getTeam(options.teamId)).then((team) => team.name));

  /** Runs one REST call; a 4xx other than a throttle is a refusal no retry will change. */
  async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!isClientError(error) || transient(error.status_code)) throw error;
      throw chatRefused('mattermost', operation, `${error.status_code ?? '?'} ${error.server_error_id ?? ''} ${error.message}`.trim());
    }
  }

  async function conversationOf(destination: ChatDestination): Promise<string> {
    if (destination.kind === 'channel') return destination.id;
    const bot = await botUserId();
    // Mattermost returns the existing direct channel when there is one, so a retry posts to the same.
    return (await call('open a direct message', () => client.createDirectChannel([bot, destination.id]))).id;
  }

  /** This team's channel of that name, archived ones included, for a retry whose first try created it. */
  async function channelNamed(name: string) {
    try {
      return await client.getChannelByName(options.teamId, name, true);
    } catch (error) {
      if (isClientError(error) && error.status_code === 404) return undefined;
      throw error;
    }
  }

  /** The post an earlier try made with this key, found by its props among the channel's posts since that try. */
  async function postedBefore(channelId: string, once: PostOnce): Promise<ChatMessageRef | undefined> {
    const since = await call('read the channel for an earlier try', () => client.getPostsSince(channelId, once.sinceMs - CLOCK_SLACK_MS, false));
    const found = Object.values(since.posts ?? {}).find((post) => post.props?.[POST_KEY_PROP] === once.key);
    return found ? { platform: 'mattermost', channelId, messageId: found.id } : undefined;
  }

  /** Creates a post carrying `once`'s key in its props; a retry first looks for the one an earlier try made. */
  async function postOnceTo(operation: string, channelId: string, post: { message: string; props?: Record<string, unknown> }, once: PostOnce | undefined): Promise<ChatMessageRef> {
    const earlier = once?.retried ? await postedBefore(channelId, once) : undefined;
    if (earlier) return earlier;
    const props = { ...post.props, ...(once ? { [POST_KEY_PROP]: once.key } : {}) };
    const created = await call(operation, () => client.createPost({ channel_id: channelId, message: post.message, props }));
    return { platform: 'mattermost', channelId: created.channel_id, messageId: created.id };
  }

  const platform: ChatPlatform = {
    id: 'mattermost',

    async postCard(destination, card, once) {
      const channelId = await conversationOf(destination);
      return postOnceTo('post the incident card', channelId, { message: '', props: { attachments: [mattermostCardAttachment(card, cardSettings)] } }, once);
    },

    async updateCard(ref: ChatMessageRef, card: ChatIncidentCard) {
      await call('update the incident card', () => client.patchPost({ id: ref.messageId, props: { attachments: [mattermostCardAttachment(card, cardSettings)] } }));
    },

    async openRoom({ name, topic, members }) {
      const channelName = mattermostChannelName(name);
      let channel = await channelNamed(channelName);
      if (channel && channel.delete_at > 0) {
        throw chatRefused('mattermost', 'open the incident channel', `~${channelName} exists and is archived`);
      }
      channel ??= await call('open the incident channel', () =>
        client.createChannel({ team_id: options.teamId, name: channelName, display_name: name.slice(0, 64), type: options.privateChannels ? 'P' : 'O', header: topic.slice(0, 1024) }),
      );
      const team = await teamName();
      const room: IncidentRoom = { platform: 'mattermost', channelId: channel.id, url: `${options.url.replace(/\/+$/, '')}/${encodeURIComponent(team)}/channels/${channel.name}` };
      await platform.setTopic(room, topic);
      await platform.invite(room, members);
      return room;
    },

    async setTopic(room, topic) {
      await call('set the channel header', () => client.patchChannel(room.channelId, { header: topic.slice(0, 1024) }));
    },

    async invite(room, members) {
      // Adding someone already in the channel is a success in Mattermost, so a retry is harmless.
      for (const user of new Set(members)) await call('add to the incident channel', () => client.addToChannel(user, room.channelId));
    },

    async postText(room, text, once) {
      return postOnceTo('post to the incident channel', room.channelId, { message: escapeMattermostText(text).slice(0, 16_000) }, once);
    },

    async archive(room) {
      try {
        await client.deleteChannel(room.channelId);
      } catch (error) {
        // Archived already (a retried activity): done. Anything else is what it is.
        const channel = isClientError(error) && !transient(error.status_code) ? await client.getChannel(room.channelId).catch(() => undefined) : undefined;
        if (channel && channel.delete_at > 0) return;
        if (isClientError(error) && !transient(error.status_code)) throw chatRefused('mattermost', 'archive the incident channel', `${error.status_code ?? '?'} ${error.message}`);
        throw error;
      }
    },
  };
  return platform;
}

/** The variables Mattermost needs; naming the missing ones when some are set and some are not. */
const REQUIRED = ['MATTERMOST_URL', 'MATTERMOST_BOT_TOKEN', 'MATTERMOST_TEAM_ID', 'MATTERMOST_ACTION_SECRET', 'VIGIL_PUBLIC_URL'] as const;

/**
 * Mattermost from `MATTERMOST_URL`, `MATTERMOST_BOT_TOKEN`, `MATTERMOST_TEAM_ID`,
 * `MATTERMOST_ACTION_SECRET` and `VIGIL_PUBLIC_URL` (`MATTERMOST_PRIVATE_INCIDENT_CHANNELS=true`
 * for private channels); undefined without `MATTERMOST_URL` and `MATTERMOST_BOT_TOKEN`. Half a
 * configuration is an error at start rather than buttons that fail later.
 */
export function fromEnv(env: NodeJS.ProcessEnv): ChatPlatform | undefined {
  if (!env.MATTERMOST_URL?.trim() && !env.MATTERMOST_BOT_TOKEN?.trim()) return undefined;
  const missing = REQUIRED.filter((name) => !env[name]?.trim());
  if (missing.length > 0) throw new Error(`Mattermost is partly configured: set ${missing.join(', ')} (docs/chat.md)`);
  const publicUrl = (env.VIGIL_PUBLIC_URL as string).trim().replace(/\/+$/, '');
  return createMattermostPlatform({
    url: (env.MATTERMOST_URL as string).trim(),
    token: (env.MATTERMOST_BOT_TOKEN as string).trim(),
    teamId: (env.MATTERMOST_TEAM_ID as string).trim(),
    actionUrl: `${publicUrl}/v1/webhooks/mattermost/actions`,
    actionSecret: (env.MATTERMOST_ACTION_SECRET as string).trim(),
    privateChannels: env.MATTERMOST_PRIVATE_INCIDENT_CHANNELS === 'true',
  });
}
