/**
 * Label patterns of event rules, grouping rules and maintenance windows: an exact value, `*` (the
 * label is present), or `/regex/` (matched against the whole value). Patterns come from config and
 * from the API, and values from any sender, so regexes run on RE2 (re2js, pure JS): matching time
 * is linear in the value, whatever the pattern; `/(a+)+$/` cannot stall the event loop.
 * Backreferences and lookaround, which need backtracking, are refused when the pattern is read.
 */
import { RE2JS } from 're2js';

/**
 * Longest label value a regex is run on. A longer value never matches a `/regex/` pattern (exact
 * and `*` patterns still apply), so a window or rule errs towards paging, not silencing.
 */
export const MAX_REGEX_INPUT_LENGTH = 1024;

/** Patterns compiled once: the same few run on every alert. Bounded, since the API can add windows. */
const compiled = new Map<string, RE2JS | undefined>();
const MAX_COMPILED = 1_000;

function regexBody(pattern: string): string | undefined {
  return pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/') ? pattern.slice(1, -1) : undefined;
}

function compile(source: string): RE2JS | undefined {
  if (compiled.has(source)) return compiled.get(source);
  let regex: RE2JS | undefined;
  try {
    regex = RE2JS.compile(source);
  } catch {
    regex = undefined;
  }
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(source, regex);
  return regex;
}

/** Whether a pattern is usable: any plain value, `*`, or a `/regex/` RE2 accepts. */
export function isValidLabelPattern(pattern: string): boolean {
  const source = regexBody(pattern);
  return source === undefined || compile(source) !== undefined;
}

export const LABEL_PATTERN_RULE = 'a value, "*", or a /regular expression/ in RE2 syntax (no backreferences or lookaround)';

/** Whether a label value (undefined: the label is absent) satisfies the pattern. */
export function labelPatternMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return true;
  const source = regexBody(pattern);
  if (source === undefined) return value === pattern;
  if (value.length > MAX_REGEX_INPUT_LENGTH) return false;
  // `matches` is a whole-value match, as `^(?:…)$` was.
  return compile(source)?.matches(value) ?? false;
}

/** Whether a pattern is a `/regex/` RE2 accepts (where only a regex makes sense, e.g. a capture). */
export function isRegexLabelPattern(pattern: string): boolean {
  const source = regexBody(pattern);
  return source !== undefined && compile(source) !== undefined;
}

/**
 * What a `/regex/` pattern captures from a value that it matches as a whole: its first group, or
 * the whole value when it has none. Undefined when it does not match (or the value is too long).
 */
export function labelPatternCapture(pattern: string, value: string): string | undefined {
  const source = regexBody(pattern);
  if (source === undefined || value.length > MAX_REGEX_INPUT_LENGTH) return undefined;
  const matcher = compile(source)?.matcher(value);
  if (!matcher?.matches()) return undefined;
  return matcher.groupCount() > 0 ? (matcher.group(1) ?? undefined) : value;
}
