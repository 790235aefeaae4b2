/** One escaper for the whole project, kept in domain/ where the email renderer needs it too. */
import { escapeHtml } from '../domain/escapeHtml';

export { escapeHtml };

/** A UTC time people read (`2026-05-01 14:03 UTC`) in a `<time>` element machines read. */
export function timeElement(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return escapeHtml(iso);
  const text = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<time datetime="${escapeHtml(date.toISOString())}">${escapeHtml(text)}</time>`;
}
