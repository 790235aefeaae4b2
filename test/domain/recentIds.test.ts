import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../domain/recentIds';

describe('RecentIds', () => {
  it('remembers an id once and tells a repeat apart', () => {
    const ids = new RecentIds(3);
    expect(ids.add('a')).toBe(true);
    expect(ids.add('a')).toBe(false);
    expect(ids.has('a')).toBe(true);
    expect(ids.toArray()).toEqual(['a']);
  });

  it('keeps at most its limit, forgetting the oldest first', () => {
    const ids = new RecentIds(2, ['a', 'b']);
    expect(ids.add('c')).toBe(true);
    expect(ids.toArray()).toEqual(['b', 'c']);
    expect(ids.has('a')).toBe(false);
    expect(ids.add('a')).toBe(true);
    expect(ids.toArray()).toEqual(['c', 'a']);
  });

  it('starts from carried ids and hands out a copy', () => {
    const carried = ['x', 'y'];
    const ids = new RecentIds(10, carried);
    expect(ids.add('x')).toBe(false);
    ids.add('z');
    expect(carried).toEqual(['x', 'y']);
    const out = ids.toArray();
    out.push('w');
    expect(ids.toArray()).toEqual(['x', 'y', 'z']);
  });
});
