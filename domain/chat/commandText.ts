/**
 * The text after `/vigil` (Slack and Mattermost slash commands), read into a `ChatCommand`. Pure:
 * who typed it and whether they may is the shared handler's business, not the parser's.
 */
import { INCIDENT_CODE_PATTERN } from '../incidentId';
import { roleOfWord } from '../incidentRoles';
import { parseSeverity } from '../severity';
import type { ChatCommand } from './platform';

export type CommandTextResult = { ok: true; command: ChatCommand } | { ok: false; problem: string };

/** What `/vigil help` and every refusal show. */
export const COMMAND_USAGE = [
  '/vigil declare <severity> <service> <summary>',
  '/vigil ack | resolve | escalate | status [code]',
  '/vigil update [code] <text>',
  '/vigil role <role> <@person> [code]',
  '/vigil oncall [schedule]',
].join('\n');

/** The longest command text read; Slack sends at most 4,000 characters of it anyway. */
export const MAX_COMMAND_TEXT = 4000;

const VERBS: Record<string, 'ack' | 'resolve' | 'escalate' | 'status'> = { ack: 'ack', acknowledge: 'ack', resolve: 'resolve', res: 'resolve', escalate: 'escalate', esc: 'escalate', status: 'status' };

/** An incident code as people type it (any case); undefined when the word is not one. */
function codeOf(word: string | undefined): string | undefined {
  const upper = word?.toUpperCase();
  return upper && INCIDENT_CODE_PATTERN.test(upper) ? upper : undefined;
}

const refuse = (problem: string): CommandTextResult => ({ ok: false, problem: `${problem}\n${COMMAND_USAGE}` });

export function parseCommandText(text: string): CommandTextResult {
  if (text.length > MAX_COMMAND_TEXT) return refuse(`The command is longer than ${MAX_COMMAND_TEXT} characters.`);
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [verbWord, ...rest] = words;
  const verb = verbWord?.toLowerCase();
  if (verb === undefined || verb === 'help') return { ok: true, command: { verb: 'help' } };
  if (Object.hasOwn(VERBS, verb)) {
    if (rest.length > 1) return refuse(`\`${verb}\` takes at most an incident code.`);
    const incident = codeOf(rest[0]);
    if (rest.length === 1 && !incident) return refuse(`"${rest[0]}" is not an incident code (six letters and digits).`);
    return { ok: true, command: { verb: VERBS[verb], incident } };
  }
  if (verb === 'update') {
    const incident = codeOf(rest[0]);
    // The rest of the line as typed, spacing and all: it becomes a stakeholder update.
    const body = text.trim().slice(verbWord.length).trim();
    const updateText = incident ? body.slice(rest[0].length).trim() : body;
    if (!updateText) return refuse('`update` needs the text of the update.');
    return { ok: true, command: { verb: 'update', incident, text: updateText } };
  }
  if (verb === 'role') {
    const [roleWord, target, codeWord, ...extra] = rest;
    const role = roleWord ? roleOfWord(roleWord) : undefined;
    if (!role) return refuse(`"${roleWord ?? ''}" is not a role (commander, comms, scribe, responders).`);
    if (!target) return refuse('`role` needs the person to give it to.');
    const incident = codeOf(codeWord);
    if (extra.length > 0 || (codeWord !== undefined && !incident)) return refuse('`role` takes a role, a person and at most an incident code.');
    return { ok: true, command: { verb: 'role', role, target, incident } };
  }
  if (verb === 'declare') {
    const [severityWord, service, ...summaryWords] = rest;
    const severity = severityWord ? parseSeverity(severityWord) : undefined;
    if (!severity) return refuse(`"${severityWord ?? ''}" is not a severity (critical, error, warning, info).`);
    if (!service || summaryWords.length === 0) return refuse('`declare` needs a service and a summary.');
    return { ok: true, command: { verb: 'declare', severity, service, summary: summaryWords.join(' ') } };
  }
  if (verb === 'oncall') {
    if (rest.length > 1) return refuse('`oncall` takes at most a schedule.');
    return { ok: true, command: { verb: 'oncall', schedule: rest[0] } };
  }
  return refuse(`"${verbWord}" is not a Vigil command.`);
}
