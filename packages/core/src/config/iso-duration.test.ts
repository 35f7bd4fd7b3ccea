import { describe, expect, it } from 'vitest';
import { addDuration, parseIsoDuration } from './iso-duration.js';

describe('ISO 8601 durations', () => {
  it('parses calendar durations and refuses the rest', () => {
    expect(parseIsoDuration('P3Y')).toEqual({ years: 3, months: 0, days: 0 });
    expect(parseIsoDuration('P1Y6M2W1D')).toEqual({ years: 1, months: 6, days: 15 });
    expect(parseIsoDuration('P')).toBeUndefined();
    expect(parseIsoDuration('P0D')).toBeUndefined();
    expect(parseIsoDuration('3Y')).toBeUndefined();
    expect(parseIsoDuration('PT5M')).toBeUndefined();
  });

  it('adds months by the calendar, clamping to the month end', () => {
    const jan31 = new Date('2026-01-31T12:00:00.000Z');
    expect(addDuration(jan31, { years: 0, months: 1, days: 0 }).toISOString()).toBe(
      '2026-02-28T12:00:00.000Z',
    );
    expect(
      addDuration(new Date('2028-01-31T00:00:00.000Z'), {
        years: 0,
        months: 1,
        days: 0,
      }).toISOString(),
    ).toBe('2028-02-29T00:00:00.000Z');
    expect(addDuration(jan31, { years: 3, months: 0, days: 1 }).toISOString()).toBe(
      '2029-02-01T12:00:00.000Z',
    );
  });
});
