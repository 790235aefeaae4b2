/** Small helpers for the Markdown documents Vigil renders (reviews, policy documents). */

/**
 * Control characters other than tab and newline (C0, DEL, C1) and the Unicode line and paragraph
 * separators: a bare CR or a separator breaks a line in some renderers and not others, so text
 * could start a heading or a table row of its own in one of them.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const LINE_BREAK = /\r\n?|[\u2028\u2029]/g;

/** Line breaks as `\n` only (CRLF, bare CR and Unicode separators), other control characters dropped. */
export function mdClean(text: string): string {
  return text.replace(LINE_BREAK, '\n').replace(CONTROL, '');
}

/** Keeps one line of configured or typed text from breaking the Markdown around it. */
export function mdText(text: string): string {
  return mdClean(text)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/([\\`*_[\]|<>#])/g, '\\$1');
}

/** A Markdown table; cells are written as given (escape them with `mdText`). */
export function mdTable(headers: string[], rows: string[][]): string[] {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

/** Bullet lines, or one italic line saying the list is empty. */
export function mdBullets(items: string[], whenEmpty: string): string[] {
  return items.length > 0 ? items.map((item) => `- ${item}`) : [`_${whenEmpty}_`];
}
