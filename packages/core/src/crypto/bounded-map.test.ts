import { describe, expect, it } from 'vitest';
import { BoundedMap } from './bounded-map.js';

describe('BoundedMap', () => {
  it('drops the oldest entries first, a replaced entry keeping its age', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 10);
    map.set('c', 3);
    expect(map.has('a')).toBe(false);
    expect(map.get('b')).toBe(2);
    expect(map.get('c')).toBe(3);
    expect(map.size).toBe(2);
  });

  it('keeps least-recently-used order with setNewest, across deletions and refills', () => {
    const map = new BoundedMap<string, number>(3);
    for (const [k, v] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      map.setNewest(k, v);
    map.setNewest('a', 1); // a is now the newest: b goes first
    map.setNewest('d', 4);
    expect([map.has('a'), map.has('b'), map.has('c'), map.has('d')]).toEqual([
      true,
      false,
      true,
      true,
    ]);
    map.delete('c');
    map.delete('d');
    map.delete('a');
    expect(map.size).toBe(0);
    // Emptied, then filled past the limit: the eviction cursor starts over.
    for (let i = 0; i < 5; i += 1) map.setNewest(`k${i}`, i);
    expect(map.size).toBe(3);
    expect([map.has('k1'), map.has('k2'), map.has('k4')]).toEqual([false, true, true]);
  });

  it('evicts in order over many more operations than its limit', () => {
    const map = new BoundedMap<number, number>(100);
    for (let i = 0; i < 10_000; i += 1) {
      map.set(i, i);
      if (i % 7 === 0) map.setNewest(i - 50, i);
    }
    expect(map.size).toBe(100);
    expect(map.has(9_999)).toBe(true);
    expect(map.has(9_899)).toBe(false);
  });

  it('holds nothing with a limit of 0', () => {
    const map = new BoundedMap<string, number>(0);
    map.set('a', 1);
    expect(map.size).toBe(0);
  });
});
