/**
 * Turns a label value into a Vigil service id (lower case, `[a-z0-9._-]`, at most 63), or
 * `undefined` when nothing usable is left.
 */
export function toServiceId(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const id = raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63);
  return id || undefined;
}
