/**
 * `/vigil <verb> …` (Slack, Mattermost, Teams) and `!vigil <verb> …` (Matrix) as a `ChatCommand`.
 * Pure and total: any text gives a command or a reason, never a throw. The caller is never named
 * here: who acts is the platform's verified user id, never a word of the text.
 */
import { INCIDENT_CODE_PATTERN } from '../incidentId';
import { roleOfWord } from '../incidentRoles';
import { parseSeverity, SEVERITIES, type Severity } from '../severity';
import type { ChatCommand } from './platform';

export type ParsedChatCommand = { ok: true; command: ChatCommand } | { ok: false; error: string };

/** Longer than any command a person types; a platform's own limits are lower (Slack: 4,000). */
export const MAX_COMMAND_LENGTH = 4_000;
const MAX_SUMMARY = 500;
const MAX_UPDATE = 2_000;
const SERVICE_OR_SCHEDULE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** A role's target: a mention (`@alice`, `<@U0123|alice>`, `@alice:example.org`) or a contact id; no spaces. */
const TARGET = /^[\x21-\x7e]{1,255}$/;
/** Control characters other than tab and newline become spaces: they only ever hide text. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export const CHAT_USAGE = [
  '/vigil declare <service> <severity> <summary>',
  '/vigil ack [code] · resolve [code] · escalate [code] · status [code] · room [code]',
  '/vigil update [CODE] <text>',
  '/vigil role [code] <commander|comms|scribe|responders> <@person|none>',
  '/vigil oncall [schedule]',
  '/vigil help',
  'In an incident room the code may be left out.',
].join('\n');

function fail(error: string): ParsedChatCommand {
  return { ok: false, error };
}

function ok(command: ChatCommand): ParsedChatCommand {
  return { ok: true, command };
}

/** An incident code in any case, as people type it. */
function codeOf(word: string | undefined): string | undefined {
  const upper = word?.toUpperCase();
  return upper && INCIDENT_CODE_PATTERN.test(upper) ? upper : undefined;
}

function severityOf(word: string): Severity | undefined {
  // The alias table is a plain object: only a real severity counts (`__proto__` is no severity).
  const severity = parseSeverity(word);
  return typeof severity === 'string' && (SEVERITIES as readonly string[]).includes(severity) ? severity : undefined;
}

/** Parses the text after `/vigil` (a leading `/vigil` or `!vigil` is taken off too). */
export function parseChatCommand(raw: string): ParsedChatCommand {
  if (typeof raw !== 'string') return fail('no command');
  if (raw.length > MAX_COMMAND_LENGTH) return fail(`a command is at most ${MAX_COMMAND_LENGTH} characters`);
  const text = raw.replace(CONTROL, ' ').trim().replace(/^[/!]vigil(?=\s|$)/i, '').trim();
  const firstSpace = text.search(/\s/);
  const verb = (firstSpace < 0 ? text : text.slice(0, firstSpace)).toLowerCase();
  const rest = firstSpace < 0 ? '' : text.slice(firstSpace).trim();
  const words = rest === '' ? [] : rest.split(/\s+/);
  switch (verb) {
    case '':
    case 'help':
      return ok({ verb: 'help' });
    case 'ack':
    case 'acknowledge':
    case 'resolve':
    case 'escalate':
    case 'status':
    case 'room': {
      if (words.length > 1) return fail(`"${verb}" takes at most an incident code`);
      const incident = codeOf(words[0]);
      if (words.length === 1 && !incident) return fail(`"${words[0].slice(0, 40)}" is no incident code (six characters, such as 7KQ2MX)`);
      const name = verb === 'acknowledge' ? 'ack' : verb;
      return ok({ verb: name as 'ack' | 'resolve' | 'escalate' | 'status' | 'room', ...(incident ? { incident } : {}) });
    }
    case 'update': {
      // A code only as shown (upper case): "update backed out the deploy" is all text.
      // A lone word is the text even when it looks like a code.
      const incident = words.length > 1 && INCIDENT_CODE_PATTERN.test(words[0]) ? words[0] : undefined;
      const body = (incident ? rest.slice(incident.length) : rest).trim();
      if (body === '') return fail('"update" needs the text of the update');
      if (body.length > MAX_UPDATE) return fail(`an update is at most ${MAX_UPDATE} characters`);
      return ok({ verb: 'update', ...(incident ? { incident } : {}), text: body });
    }
    case 'role': {
      const [first, ...others] = words;
      const incident = first && !roleOfWord(first) ? codeOf(first) : undefined;
      const [roleWord, target, ...extra] = incident ? others : words;
      if (!roleWord || !target || extra.length > 0) return fail('"role" needs a role and one person: role commander @alice');
      const role = roleOfWord(roleWord);
      if (!role) return fail(`"${roleWord.slice(0, 40)}" is no role (commander, comms, scribe, responders)`);
      if (!TARGET.test(target)) return fail('the person must be a mention or a contact id');
      return ok({ verb: 'role', ...(incident ? { incident } : {}), role, target });
    }
    case 'oncall': {
      if (words.length > 1) return fail('"oncall" takes at most a schedule id');
      if (words.length === 1 && !SERVICE_OR_SCHEDULE.test(words[0])) return fail(`"${words[0].slice(0, 40)}" is no schedule id`);
      return ok({ verb: 'oncall', ...(words.length === 1 ? { schedule: words[0] } : {}) });
    }
    case 'declare': {
      const [service, severityWord, ...summaryWords] = words;
      if (!service || !severityWord || summaryWords.length === 0) return fail('"declare" needs a service, a severity and a summary: declare checkout critical payments failing');
      if (!SERVICE_OR_SCHEDULE.test(service)) return fail(`"${service.slice(0, 40)}" is no service id`);
      const severity = severityOf(severityWord);
      if (!severity) return fail(`"${severityWord.slice(0, 40)}" is no severity (${SEVERITIES.join(', ')})`);
      const summary = rest.replace(/^\S+\s+\S+\s+/, '').trim();
      if (summary.length > MAX_SUMMARY) return fail(`a summary is at most ${MAX_SUMMARY} characters`);
      return ok({ verb: 'declare', service, severity, summary });
    }
    default:
      return fail(`Vigil does not know "${verb.slice(0, 40)}"`);
  }
}
