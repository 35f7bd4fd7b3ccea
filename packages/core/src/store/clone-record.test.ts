import { describe, expect, it } from 'vitest';
import { cloneRecord } from './clone-record.js';

describe('cloneRecord', () => {
  it('deep-copies objects, arrays and dates', () => {
    const at = new Date('2026-01-01T00:00:00.000Z');
    const original = { a: 1, b: [{ c: 'x', at }], d: null, e: undefined, f: { g: true } };
    const copy = cloneRecord(original);
    expect(copy).toEqual(original);
    expect(copy.b[0]).not.toBe(original.b[0]);
    expect(copy.b[0]!.at).not.toBe(at);
    expect(copy.b[0]!.at).toEqual(at);
    copy.f.g = false;
    expect(original.f.g).toBe(true);
  });
});
