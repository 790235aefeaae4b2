import { INCIDENT_CODE_PATTERN } from './incidentId';

/** What a responder asked for in an SMS reply. */
export type SmsCommand =
  | { action: 'acknowledge' | 'resolve' | 'escalate'; code?: string }
  | { action: 'unknown'; text: string };

/**
 * Parses `ACK`, `ACK <code>`, `RESOLVE <code>` (also `RES`), `ESC <code>` (also `ESCALATE`),
 * case-insensitive, ignoring surrounding punctuation phones like to add. A bare `RESOLVE` or `ESC`
 * is refused: closing or escalating an incident must name it.
 */
export function parseSmsCommand(body: string): SmsCommand {
  const words = body.trim().toUpperCase().replace(/[.!]+$/, '').split(/\s+/).filter(Boolean);
  const [verb, code, ...rest] = words;
  if (rest.length > 0 || !verb) return { action: 'unknown', text: body.trim() };
  if (code !== undefined && !INCIDENT_CODE_PATTERN.test(code)) return { action: 'unknown', text: body.trim() };
  if (verb === 'ACK' || verb === 'ACKNOWLEDGE') return { action: 'acknowledge', code };
  if ((verb === 'RESOLVE' || verb === 'RES') && code) return { action: 'resolve', code };
  if ((verb === 'ESC' || verb === 'ESCALATE') && code) return { action: 'escalate', code };
  return { action: 'unknown', text: body.trim() };
}
