import { describe, expect, it } from 'vitest';
import { mapErrorAnswer, retryAfterMs } from './http-client.js';

const answer = (status: number, text: string | undefined, headers = {}) => ({
  status,
  headers,
  text,
});

describe('retryAfterMs', () => {
  const now = () => Date.parse('2026-12-06T10:00:00Z');
  it('reads Retry-After as seconds or an HTTP date, else x-sib-ratelimit-reset', () => {
    expect(retryAfterMs(answer(429, '', { 'retry-after': '7' }))).toBe(7000);
    expect(
      retryAfterMs(answer(429, '', { 'retry-after': 'Sun, 06 Dec 2026 10:00:05 GMT' }), now),
    ).toBe(5000);
    expect(retryAfterMs(answer(429, '', { 'x-sib-ratelimit-reset': ['4'] }))).toBe(4000);
    expect(retryAfterMs(answer(429, '', { 'retry-after': '-1' }))).toBeUndefined();
    expect(retryAfterMs(answer(429, ''))).toBeUndefined();
  });

  it('takes a decimal Retry-After (core parseRetryAfter) and falls back to x-sib-ratelimit-reset on a bad one', () => {
    expect(retryAfterMs(answer(429, '', { 'retry-after': '1.5' }))).toBe(1500);
    expect(
      retryAfterMs(answer(429, '', { 'retry-after': '-1', 'x-sib-ratelimit-reset': '3' })),
    ).toBe(3000);
  });
});

describe('mapErrorAnswer', () => {
  const category = (status: number, text = '') => {
    const [r] = mapErrorAnswer(answer(status, text), 1);
    return r?.status === 'failed' ? r.error.category : r?.status;
  };

  it('maps statuses to categories, telling a Brevo 5xx from a bare gateway 5xx', () => {
    expect(category(400, '{"code":"invalid_parameter","message":"bad"}')).toBe('rejected');
    expect(category(401)).toBe('auth');
    expect(category(403)).toBe('auth');
    expect(category(402)).toBe('account-blocked');
    expect(category(404)).toBe('rejected');
    expect(category(429)).toBe('rate-limited');
    expect(category(500, '{"code":"internal_error"}')).toBe('transient');
    expect(category(503)).toBe('transient');
    expect(category(500)).toBe('ambiguous');
    expect(category(504, '<html>timeout</html>')).toBe('ambiguous');
  });

  it('answers every message of the call, with the Brevo code and no address', () => {
    const results = mapErrorAnswer(
      answer(400, '{"code":"invalid_parameter","message":"email is not valid: a@example.com"}'),
      3,
    );
    expect(results).toHaveLength(3);
    for (const r of results) {
      expect(r).toMatchObject({
        status: 'failed',
        error: { retryable: false, providerCode: 'invalid_parameter (400)' },
      });
    }
    expect(JSON.stringify(results)).not.toContain('a@example.com');
  });
});
