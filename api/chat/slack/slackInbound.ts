/**
 * What a verified Slack request asks, as a `ChatInbound`: a button on an incident card
 * (`block_actions` in the interactivity `payload`) or a slash command (`/vigil ack 7KQ2MX`). The
 * caller is the Slack user id from the signed request, never a name typed anywhere.
 */
import { z } from 'zod';
import { actionOfId } from '../../../domain/chat/actionIds';
import { parseChatCommand } from '../../../domain/chat/commands';
import type { ChatCommand, ChatInbound } from '../../../domain/chat/platform';
import { HttpError, validationError } from '../../http/httpErrors';
import { tooDeepField } from '../../http/inputLimits';

export type SlackRequest =
  | { kind: 'inbound'; inbound: ChatInbound; responseUrl?: string }
  /** Not for Vigil to act on (a link button, a modal, a shortcut): answered 200 and dropped. */
  | { kind: 'ignored'; reason: string }
  /** A command Vigil could not read: the answer is how to write it. */
  | { kind: 'usage'; text: string };

const slackId = z.string().min(1).max(64).regex(/^[A-Z0-9]+$/, 'a Slack id');
const triggerId = z.string().min(1).max(200);
const responseUrl = z.string().max(2000).optional();

const blockActions = z.looseObject({
  type: z.literal('block_actions'),
  team: z.looseObject({ id: slackId }).nullish(),
  user: z.looseObject({ id: slackId, team_id: slackId.optional() }),
  trigger_id: triggerId,
  response_url: responseUrl,
  channel: z.looseObject({ id: slackId }).nullish(),
  actions: z.array(z.looseObject({ action_id: z.string().max(255), value: z.string().max(2000).optional(), action_ts: z.string().max(64).optional() })).min(1).max(25),
});
const anyInteraction = z.looseObject({ type: z.string().max(64) });

const slashCommand = z.looseObject({
  team_id: slackId,
  user_id: slackId,
  channel_id: slackId.optional(),
  command: z.string().min(1).max(64),
  text: z.string().max(4000).default(''),
  trigger_id: triggerId,
  response_url: responseUrl,
});

/** Refuses a request from a workspace other than the configured one (an app installed twice). */
function checkTeam(teamId: string | undefined, expected: string | undefined, field: string): void {
  if (expected && teamId !== expected) {
    throw new HttpError(403, 'request from another Slack workspace', [{ field, message: `expected the workspace SLACK_TEAM_ID names, got ${teamId ?? 'none'}` }]);
  }
}

/** A button press on an incident card, from the interactivity request's `payload` field. */
export function slackInteraction(form: URLSearchParams, expectedTeam: string | undefined): SlackRequest {
  let payload: unknown;
  try {
    payload = JSON.parse(form.get('payload') ?? '');
  } catch {
    throw new HttpError(400, 'invalid body', [{ field: 'body.payload', message: 'Slack sends the interaction as JSON in a payload field' }]);
  }
  const tooDeep = tooDeepField(payload);
  if (tooDeep) throw new HttpError(400, 'invalid body', [{ ...tooDeep, field: tooDeep.field.replace(/^body/, 'body.payload') }]);
  const kind = anyInteraction.safeParse(payload);
  if (!kind.success) throw validationError(kind.error, 'body.payload');
  if (kind.data.type !== 'block_actions') return { kind: 'ignored', reason: `${kind.data.type} interactions carry nothing for Vigil` };
  const parsed = blockActions.safeParse(payload);
  if (!parsed.success) throw validationError(parsed.error, 'body.payload');
  const interaction = parsed.data;
  checkTeam(interaction.team?.id ?? interaction.user.team_id, expectedTeam, 'body.payload.team.id');
  const pressed = interaction.actions[0];
  const action = actionOfId(pressed.action_id);
  if (!action) return { kind: 'ignored', reason: `the button ${pressed.action_id} acts on nothing` };
  if (!pressed.value) throw new HttpError(400, 'invalid body', [{ field: 'body.payload.actions.0.value', message: 'an incident card button carries the incident id' }]);
  return {
    kind: 'inbound',
    responseUrl: interaction.response_url,
    inbound: {
      platform: 'slack',
      userId: interaction.user.id,
      channelId: interaction.channel?.id,
      request: { kind: 'action', action, incidentId: pressed.value },
      requestId: interaction.trigger_id,
    },
  };
}

/** `<@U123|alice>` (a mention Slack escaped) is that user's id; any other word stays as typed. */
function mentionedUser(word: string): string {
  return /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/.exec(word)?.[1] ?? word;
}

/** A slash command (`/vigil <text>`), form-encoded. */
export function slackSlashCommand(form: URLSearchParams, expectedTeam: string | undefined): SlackRequest {
  const parsed = slashCommand.safeParse(Object.fromEntries(form));
  if (!parsed.success) throw validationError(parsed.error, 'body');
  const command = parsed.data;
  checkTeam(command.team_id, expectedTeam, 'body.team_id');
  const read = parseChatCommand(command.text);
  if (!read.ok) return { kind: 'usage', text: read.error };
  const chatCommand: ChatCommand = read.command.verb === 'role' ? { ...read.command, target: mentionedUser(read.command.target) } : read.command;
  return {
    kind: 'inbound',
    responseUrl: command.response_url,
    inbound: { platform: 'slack', userId: command.user_id, channelId: command.channel_id, request: { kind: 'command', command: chatCommand }, requestId: command.trigger_id },
  };
}
