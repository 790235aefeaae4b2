/**
 * Microsoft Teams as a chat platform (#16), through Workflows webhooks (Power Automate's "post to a
 * channel when a webhook request is received"; the Office 365 connectors are retired): each
 * configured webhook posts Adaptive Cards to one team channel. That is all a webhook can do, so
 * this adapter pages channels and mirrors timeline lines into them, and answers every other call
 * with `ChatUnsupported` (non-retryable, told apart by its type): no direct messages, no update
 * in place, no channel per incident, no topic, members or archive. Buttons are signed single-use
 * links (docs/decisions.md, 68). A webhook URL carries its own signature, so URLs come from the
 * environment only and are never logged.
 */
import { randomUUID } from 'node:crypto';
import type { IncidentRoom } from '../../domain/chat/platform';
import { chatRefused, chatUnsupported } from './chatFailures';
import type { ChatPlatform } from './chatPlatform';
import { teamsAdaptiveCard, teamsMessage, teamsTextCard, type AdaptiveCard } from './teamsCard';

export interface TeamsPlatformOptions {
  /** Webhook name (what a `ChatDestination` of kind `channel` names) → its Workflows URL. */
  webhooks: Readonly<Record<string, string>>;
}

/** How long one post may take before Temporal's retry takes over. */
const POST_TIMEOUT_MS = 10_000;

/** Answers a later try may change: throttled, timed out, or the service failing for a moment. */
const transient = (status: number) => status === 408 || status === 429 || status >= 500;

const NO_ROOMS = 'a Workflows webhook posts only into the channel it was made for; it cannot open, change or archive channels';

export function createTeamsPlatform(options: TeamsPlatformOptions): ChatPlatform {
  async function post(webhook: string, operation: string, card: AdaptiveCard): Promise<string> {
    const url = options.webhooks[webhook];
    if (!url) throw chatRefused('teams', operation, `no webhook named "${webhook}" (set TEAMS_WEBHOOK_URL_${webhook.toUpperCase().replace(/-/g, '_')})`);
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(teamsMessage(card)), signal: AbortSignal.timeout(POST_TIMEOUT_MS) });
    // The error's text, never the URL: its query is the webhook's credential.
    const reason = response.ok ? '' : (await response.text().catch(() => '')).slice(0, 300);
    if (response.ok) return response.headers.get('x-ms-workflow-run-id') ?? randomUUID();
    if (transient(response.status)) throw new Error(`the Teams webhook "${webhook}" answered ${response.status}: ${reason}`);
    throw chatRefused('teams', operation, `the webhook "${webhook}" answered ${response.status}: ${reason}`);
  }

  return {
    id: 'teams',
    actsByLink: true,

    async postCard(destination, card) {
      if (destination.kind === 'direct') throw chatUnsupported('teams', 'send a direct message', 'a Workflows webhook posts only to a channel; page the person by another channel');
      // The run id stands for the message: a webhook's post has no id Vigil could edit it by.
      const runId = await post(destination.id, 'post the incident card', teamsAdaptiveCard(card));
      return { platform: 'teams', channelId: destination.id, messageId: runId };
    },

    async updateCard() {
      throw chatUnsupported('teams', 'update a card in place', 'a Workflows webhook cannot edit what it posted; the card\'s links stay valid until used or expired');
    },

    async openRoom() {
      throw chatUnsupported('teams', 'open a channel per incident', NO_ROOMS);
    },
    async setTopic() {
      throw chatUnsupported('teams', 'set a channel topic', NO_ROOMS);
    },
    async invite() {
      throw chatUnsupported('teams', 'invite to a channel', NO_ROOMS);
    },
    async archive() {
      throw chatUnsupported('teams', 'archive a channel', NO_ROOMS);
    },

    /** Into the team channel of the webhook the room names (the incident's timeline, mirrored where it was paged). */
    async postText(room: IncidentRoom, text: string) {
      const runId = await post(room.channelId, 'post to the channel', teamsTextCard(text.slice(0, 10_000)));
      return { platform: 'teams', channelId: room.channelId, messageId: runId };
    },
  };
}

const WEBHOOK_VARIABLE = /^TEAMS_WEBHOOK_URL_([A-Z0-9_]{1,64})$/;

/**
 * Teams from `TEAMS_WEBHOOK_URL_<NAME>` variables, one per Workflows webhook (`TEAMS_WEBHOOK_URL_OPS`
 * is the destination `ops`; `_` reads as `-`); undefined when there is none.
 */
export function fromEnv(env: NodeJS.ProcessEnv): ChatPlatform | undefined {
  const webhooks: Record<string, string> = {};
  for (const [variable, value] of Object.entries(env)) {
    const name = WEBHOOK_VARIABLE.exec(variable)?.[1];
    if (!name || !value?.trim()) continue;
    if (!/^https?:\/\//.test(value.trim())) throw new Error(`${variable} is not an http(s) URL (docs/chat.md)`);
    webhooks[name.toLowerCase().replace(/_/g, '-')] = value.trim();
  }
  return Object.keys(webhooks).length > 0 ? createTeamsPlatform({ webhooks }) : undefined;
}
