/**
 * A table lookup by a word a sender chose. `table[word]` would also find what every object
 * inherits: `__proto__`, `constructor` or `toString` as a severity label gave an object or a
 * function where a severity belongs. Only the table's own entries count.
 */
export function ownLookup<T>(table: Readonly<Record<string, T>>, word: string): T | undefined {
  return Object.hasOwn(table, word) ? table[word] : undefined;
}
