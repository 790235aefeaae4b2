/**
 * Slack as a chat platform (#16), through the official Web API client (`@slack/web-api`): the card
 * as Block Kit with buttons, direct messages through `conversations.open`, a public (or private)
 * channel per incident. The bot token comes from the environment only and is never logged.
 * Temporal owns retries: the client does not retry or wait out rate limits itself, so a slow Slack
 * holds no activity slot; a permanent refusal (a revoked token, a missing scope, a channel that is
 * gone) ends the retries as `ChatRefused`.
 */
import { ErrorCode, LogLevel, WebClient, type ChatPostMessageArguments, type WebAPIPlatformError } from '@slack/web-api';
import type { ChatDestination, ChatIncidentCard, ChatMessageRef, IncidentRoom } from '../../domain/chat/platform';
import { chatRefused } from './chatFailures';
import type { ChatPlatform, PostOnce } from './chatPlatform';
import { escapeSlackText, slackCardBlocks, slackFallbackText } from './slackCard';

export interface SlackPlatformOptions {
  /** The bot user OAuth token (`xoxb-…`). */
  token: string;
  /** Another base for the Web API (a proxy, a loopback fake); Slack's own by default. */
  apiUrl?: string;
  /** Incident channels as private channels (`groups:write`) instead of public ones. */
  privateChannels?: boolean;
}

/** Slack's answers that may succeed on a later try; every other `ok: false` is a refusal. */
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

/** What Vigil posts: text (the fallback and notifications), Block Kit for a card. */
interface SlackMessage {
  text: string;
  blocks?: ReturnType<typeof slackCardBlocks>;
  mrkdwn?: boolean;
  unfurl_links: boolean;
  unfurl_media: boolean;
}

/** The metadata type of Vigil's posts; its payload's `key` finds a post again after a retry. */
const POST_METADATA_TYPE = 'vigil_post';
/** Slack's clock against the worker's: a message stamped a little before the first try is still looked at. */
const HISTORY_SLACK_SECONDS = 60;

/** How long one Web API call may take before Temporal's retry takes over. */
const CALL_TIMEOUT_MS = 10_000;

/** A channel name Slack accepts: lower case letters, digits, `-` and `_`, at most 80 characters. */
export function slackChannelName(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return (cleaned || 'incident').slice(0, 80);
}

/** A link that opens a channel in the Slack app or browser, whatever the workspace's domain. */
export function slackChannelUrl(channelId: string): string {
  return `https://slack.com/app_redirect?channel=${encodeURIComponent(channelId)}`;
}

const slackError = (error: unknown): string | undefined =>
  (error as { code?: unknown }).code === ErrorCode.PlatformError ? (error as WebAPIPlatformError).data.error : undefined;

export function createSlackPlatform(options: SlackPlatformOptions): ChatPlatform {
  const client = new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: CALL_TIMEOUT_MS,
    logLevel: LogLevel.ERROR,
  });

  /** Runs one Web API call; `tolerated` errors count as done (the state asked for already holds). */
  async function call<T>(operation: string, run: () => Promise<T>, tolerated: readonly string[] = []): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      const code = slackError(error);
      if (code === undefined || TRANSIENT_ERRORS.has(code)) throw error;
      if (tolerated.includes(code)) return undefined;
      throw chatRefused('slack', operation, code);
    }
  }

  async function conversationOf(destination: ChatDestination): Promise<string> {
    if (destination.kind === 'channel') return destination.id;
    const opened = await call('open a direct message', () => client.conversations.open({ users: destination.id }));
    const channelId = opened?.channel?.id;
    if (!channelId) throw new Error('conversations.open answered without a channel id');
    return channelId;
  }

  /** The channel of this name the bot can see, for a retry whose first try created it. */
  async function channelNamed(name: string): Promise<{ id: string; isMember: boolean; isPrivate: boolean } | undefined> {
    const types = 'public_channel,private_channel';
    for await (const page of client.paginate('conversations.list', { types, exclude_archived: true, limit: 200 })) {
      const channels = (page as { channels?: Array<{ id?: string; name?: string; is_member?: boolean; is_private?: boolean }> }).channels ?? [];
      const found = channels.find((channel) => channel.name === name && channel.id);
      if (found?.id) return { id: found.id, isMember: found.is_member === true, isPrivate: found.is_private === true };
    }
    return undefined;
  }

  /**
   * The message an earlier try posted with this key, found by its metadata in the channel's
   * history since that try. Undefined when there is none, or when Slack will not let the bot read
   * the history (no `*:history` scope): then the retry posts, at least once rather than never.
   */
  async function postedBefore(channel: string, once: PostOnce): Promise<ChatMessageRef | undefined> {
    const oldest = String(Math.floor(once.sinceMs / 1000) - HISTORY_SLACK_SECONDS);
    try {
      for await (const page of client.paginate('conversations.history', { channel, oldest, include_all_metadata: true, limit: 200 })) {
        const messages = (page as { messages?: Array<{ ts?: string; metadata?: { event_type?: string; event_payload?: { key?: unknown } } }> }).messages ?? [];
        const found = messages.find((message) => message.metadata?.event_type === POST_METADATA_TYPE && message.metadata.event_payload?.key === once.key);
        if (found?.ts) return { platform: 'slack', channelId: channel, messageId: found.ts };
      }
    } catch (error) {
      const code = slackError(error);
      if (code === undefined || TRANSIENT_ERRORS.has(code)) throw error;
    }
    return undefined;
  }

  /** Posts `message` to `channel`, carrying `once`'s key in its metadata; a retry first looks for it. */
  async function postOnceTo(operation: string, channel: string, message: SlackMessage, once: PostOnce | undefined): Promise<ChatMessageRef> {
    const earlier = once?.retried ? await postedBefore(channel, once) : undefined;
    if (earlier) return earlier;
    const metadata = once ? { metadata: { event_type: POST_METADATA_TYPE, event_payload: { key: once.key } } } : {};
    const posted = await call(operation, () => client.chat.postMessage({ channel, ...message, ...metadata } as ChatPostMessageArguments));
    if (!posted?.ts || !posted.channel) throw new Error('chat.postMessage answered without the message ts');
    return { platform: 'slack', channelId: posted.channel, messageId: posted.ts };
  }

  const platform: ChatPlatform = {
    id: 'slack',

    async postCard(destination, card, once) {
      const channel = await conversationOf(destination);
      return postOnceTo('post the incident card', channel, { text: slackFallbackText(card), blocks: slackCardBlocks(card), unfurl_links: false, unfurl_media: false }, once);
    },

    async updateCard(ref: ChatMessageRef, card: ChatIncidentCard) {
      await call('update the incident card', () => client.chat.update({ channel: ref.channelId, ts: ref.messageId, text: slackFallbackText(card), blocks: slackCardBlocks(card) }));
    },

    async openRoom({ name, topic, members }) {
      const channelName = slackChannelName(name);
      const created = await call('create the incident channel', () => client.conversations.create({ name: channelName, is_private: options.privateChannels === true }), ['name_taken']);
      let channelId = created?.channel?.id;
      if (!channelId) {
        // Taken: most likely by this incident's earlier try, so the channel is reused.
        const existing = await channelNamed(channelName);
        if (!existing) throw chatRefused('slack', 'create the incident channel', `name_taken: #${channelName} exists but is archived or private to others`);
        if (!existing.isMember && !existing.isPrivate) await call('join the incident channel', () => client.conversations.join({ channel: existing.id }));
        channelId = existing.id;
      }
      const room: IncidentRoom = { platform: 'slack', channelId, url: slackChannelUrl(channelId) };
      await platform.setTopic(room, topic);
      await platform.invite(room, members);
      return room;
    },

    async setTopic(room, topic) {
      // Slack's limit is 250 characters; a topic is plain text, so no escaping.
      await call('set the channel topic', () => client.conversations.setTopic({ channel: room.channelId, topic: topic.slice(0, 250) }));
    },

    async invite(room, members) {
      // One at a time: a batch fails whole when one member is already in or cannot be invited.
      for (const user of new Set(members)) {
        await call('invite to the incident channel', () => client.conversations.invite({ channel: room.channelId, users: user }), ['already_in_channel', 'cant_invite_self']);
      }
    },

    async postText(room, text, once) {
      return postOnceTo('post to the incident channel', room.channelId, { text: escapeSlackText(text).slice(0, 40_000), mrkdwn: false, unfurl_links: false, unfurl_media: false }, once);
    },

    async archive(room) {
      await call('archive the incident channel', () => client.conversations.archive({ channel: room.channelId }), ['already_archived']);
    },
  };
  return platform;
}

/** Slack from `SLACK_BOT_TOKEN` (and `SLACK_API_URL`, `SLACK_PRIVATE_INCIDENT_CHANNELS`); undefined when the token is not set. */
export function fromEnv(env: NodeJS.ProcessEnv): ChatPlatform | undefined {
  const token = env.SLACK_BOT_TOKEN?.trim();
  if (!token) return undefined;
  return createSlackPlatform({ token, apiUrl: env.SLACK_API_URL || undefined, privateChannels: env.SLACK_PRIVATE_INCIDENT_CHANNELS === 'true' });
}
