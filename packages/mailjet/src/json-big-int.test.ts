import { describe, expect, it } from 'vitest';
import { parseJsonKeepingIds, quoteLargeIntegers } from './json-big-int.js';

describe('quoteLargeIntegers', () => {
  it('keeps integers above 2^53 exact as strings and leaves small numbers alone', () => {
    const parsed = parseJsonKeepingIds(
      '{"MessageID":1152921518473429250,"n":42,"f":1.5e3,"neg":-9007199254740993}',
    );
    expect(parsed).toEqual({
      MessageID: '1152921518473429250',
      n: 42,
      f: 1500,
      neg: '-9007199254740993',
    });
  });

  it('never touches digits inside strings, escaped quotes included', () => {
    const text =
      '{"a":"id: 12345678901234567890, \\"q\\" 1234567890123456789","b":[1234567890123456789]}';
    expect(quoteLargeIntegers(text)).toBe(
      '{"a":"id: 12345678901234567890, \\"q\\" 1234567890123456789","b":["1234567890123456789"]}',
    );
  });

  it('answers undefined for text that is not JSON', () => {
    expect(parseJsonKeepingIds('[{"a":1}')).toBeUndefined();
    expect(parseJsonKeepingIds('')).toBeUndefined();
  });
});
