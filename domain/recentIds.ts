/**
 * A bounded set of the latest ids seen, oldest evicted first: how an incident recognises an alert
 * (or note) delivered twice by a retrying sender without remembering every id forever.
 */
export class RecentIds {
  private readonly order: string[];
  private readonly set: Set<string>;

  /** `ids`: those carried over (oldest first); at most `limit` are kept. */
  constructor(
    private readonly limit: number,
    ids: readonly string[] = [],
  ) {
    this.order = [...ids];
    this.set = new Set(this.order);
  }

  has(id: string): boolean {
    return this.set.has(id);
  }

  /** Remembers `id`. @returns false when it was seen already (then nothing changes). */
  add(id: string): boolean {
    if (this.set.has(id)) return false;
    this.order.push(id);
    this.set.add(id);
    if (this.order.length > this.limit) this.set.delete(this.order.shift() as string);
    return true;
  }

  /** The ids kept, oldest first (what continue-as-new carries). */
  toArray(): string[] {
    return [...this.order];
  }
}
