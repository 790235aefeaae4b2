/**
 * What a Mattermost request asks, as a `ChatInbound`, once its credential is checked: a slash
 * command (`/vigil ack 7KQ2MX`, form-encoded, carrying the command's token) or a button pressed on
 * an incident card (JSON relayed by the Mattermost server, carrying the button's signed context).
 * The caller is the user id the Mattermost server put in the request.
 */
import { z } from 'zod';
import { parseChatCommand } from '../../../domain/chat/commands';
import { CARD_BUTTONS, type ChatInbound } from '../../../domain/chat/platform';
import { chatActionSignatureIsValid } from '../../../platform/chatActionSignature';
import { HttpError, validationError } from '../../http/httpErrors';
import { sameSecret } from '../../http/sameSecret';

/** Mattermost ids: 26 lower-case letters and digits. */
const mattermostId = z.string().regex(/^[a-z0-9]{26}$/, 'a Mattermost id');

const slashCommand = z.looseObject({
  user_id: mattermostId,
  channel_id: mattermostId.optional(),
  team_id: mattermostId.optional(),
  command: z.string().min(1).max(64),
  text: z.string().max(4000).default(''),
  trigger_id: z.string().min(1).max(500),
  response_url: z.string().max(2000).optional(),
});

const actionRequest = z.looseObject({
  user_id: mattermostId,
  channel_id: mattermostId.optional(),
  post_id: mattermostId.optional(),
  trigger_id: z.string().min(1).max(500),
  context: z.looseObject({
    action: z.enum(CARD_BUTTONS),
    incident_id: z.string().min(1).max(2000),
    signature: z.string().max(200).optional(),
  }),
});

export type MattermostCommand = { kind: 'inbound'; inbound: ChatInbound; responseUrl?: string } | { kind: 'usage'; text: string };

/**
 * The slash command's token, from `Authorization: Token <token>` (Mattermost sends both) or the
 * form's `token`, compared in constant time. Missing: 401; wrong: 401 naming where it was read.
 */
export function checkCommandToken(authorization: string | undefined, form: URLSearchParams, expected: string): void {
  const fromHeader = /^Token\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  const presented = fromHeader ?? form.get('token') ?? '';
  const field = fromHeader ? 'headers.authorization' : 'body.token';
  if (!presented) throw new HttpError(401, 'missing Mattermost command token', [{ field: 'body.token', message: 'Mattermost sends the slash command token with every command' }]);
  if (!sameSecret(expected, presented)) throw new HttpError(401, 'wrong Mattermost command token', [{ field, message: 'is not MATTERMOST_COMMAND_TOKEN' }]);
}

export function mattermostSlashCommand(form: URLSearchParams): MattermostCommand {
  const parsed = slashCommand.safeParse(Object.fromEntries(form));
  if (!parsed.success) throw validationError(parsed.error, 'body');
  const command = parsed.data;
  const read = parseChatCommand(command.text);
  if (!read.ok) return { kind: 'usage', text: read.error };
  return {
    kind: 'inbound',
    responseUrl: command.response_url,
    inbound: { platform: 'mattermost', userId: command.user_id, channelId: command.channel_id, request: { kind: 'command', command: read.command }, requestId: command.trigger_id },
  };
}

/** A button press, once its context's signature is the one Vigil put on that button. */
export function mattermostAction(body: unknown, actionSecret: string): ChatInbound {
  const parsed = actionRequest.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error, 'body');
  const { context, user_id: userId, channel_id: channelId, trigger_id: requestId } = parsed.data;
  if (!context.signature) throw new HttpError(401, 'unsigned Mattermost action', [{ field: 'body.context.signature', message: 'every Vigil button carries one' }]);
  if (!chatActionSignatureIsValid(actionSecret, context.action, context.incident_id, context.signature)) {
    throw new HttpError(403, 'invalid Mattermost action signature', [{ field: 'body.context.signature', message: 'not the signature Vigil put on this button (MATTERMOST_ACTION_SECRET)' }]);
  }
  return { platform: 'mattermost', userId, channelId, request: { kind: 'action', action: context.action, incidentId: context.incident_id }, requestId };
}
