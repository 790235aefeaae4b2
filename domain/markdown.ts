/** Small helpers for the Markdown documents Vigil renders (reviews, policy documents). */

/** Keeps one line of configured or typed text from breaking the Markdown around it. */
export function mdText(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/([\\`*_[\]|<>#])/g, '\\$1');
}

/** A Markdown table; cells are written as given (escape them with `mdText`). */
export function mdTable(headers: string[], rows: string[][]): string[] {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

/** Bullet lines, or one italic line saying the list is empty. */
export function mdBullets(items: string[], whenEmpty: string): string[] {
  return items.length > 0 ? items.map((item) => `- ${item}`) : [`_${whenEmpty}_`];
}
