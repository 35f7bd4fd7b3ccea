import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson } from './row-values.js';

describe('jsonb values', () => {
  it('round-trips Dates at any depth, in arrays too, and leaves the rest as it was', () => {
    const at = new Date('2026-12-06T02:40:00.000Z');
    const profile = {
      country: 'FR',
      privacySignals: { dnt: false, gpc: true, at },
      contact: { segments: ['a', 'b'], sources: [{ at, source: 'import' }], n: null },
      sealed: { keys: ['name'], value: 'g1.abc' },
    };
    expect(decodeJson(encodeJson(profile))).toEqual(profile);
    expect(decodeJson<typeof profile>(encodeJson(profile)).contact.sources[0]!.at).toBeInstanceOf(
      Date,
    );
  });

  it('revives only an object whose one key is $date', () => {
    const decoded = decodeJson<Record<string, unknown>>(
      '{"a":{"$date":"2026-01-01T00:00:00.000Z","x":1},"b":{"$date":3}}',
    );
    expect(decoded).toEqual({ a: { $date: '2026-01-01T00:00:00.000Z', x: 1 }, b: { $date: 3 } });
  });

  it('keeps an own "__proto__" key a plain member, never the prototype', () => {
    const decoded = decodeJson<Record<string, unknown>>(
      '{"__proto__":{"at":{"$date":"2026-01-01T00:00:00.000Z"}}}',
    );
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.hasOwn(decoded, '__proto__')).toBe(true);
    expect(
      (Object.getOwnPropertyDescriptor(decoded, '__proto__')!.value as { at: unknown }).at,
    ).toBeInstanceOf(Date);
  });
});
