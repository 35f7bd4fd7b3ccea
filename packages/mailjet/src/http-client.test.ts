import { describe, expect, it } from 'vitest';
import {
  HttpFailure,
  mapHttpFailure,
  mapSendResponse,
  parseJsonKeepingIds,
  quoteLargeIntegers,
} from './http-client.js';

const answer = (status: number, text: string | undefined, headers = {}) => ({
  status,
  headers,
  text,
});
const error = (StatusCode: number, ErrorCode = 'mj-x') =>
  `{"Status":"error","Errors":[{"ErrorCode":"${ErrorCode}","StatusCode":${StatusCode},"ErrorMessage":"nope for a@example.com"}]}`;

describe('mapSendResponse', () => {
  it('maps per-message error status codes to categories', () => {
    const results = mapSendResponse(
      answer(400, `{"Messages":[${error(401)},${error(429)},${error(503)},${error(400)}]}`),
      4,
    );
    expect(results.map((r) => (r.status === 'failed' ? r.error.category : r.status))).toEqual([
      'auth',
      'rate-limited',
      'transient',
      'rejected',
    ]);
    expect(results.map((r) => r.status === 'failed' && r.error.retryable)).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(JSON.stringify(results)).not.toContain('a@example.com');
  });

  it('answers ambiguous for a message the answer leaves out, and for an unknown status', () => {
    const results = mapSendResponse(answer(200, '{"Messages":[{"Status":"queued"}]}'), 2);
    expect(results.map((r) => r.status)).toEqual(['ambiguous', 'ambiguous']);
  });

  it('tells a 5xx Mailjet refused (error body or 503) from a bare gateway 5xx', () => {
    const status = (a: ReturnType<typeof answer>) => {
      const [r] = mapSendResponse(a, 1);
      return r?.status === 'failed' ? r.error.category : r?.status;
    };
    expect(status(answer(500, '{"ErrorMessage":"Internal error","StatusCode":500}'))).toBe(
      'transient',
    );
    expect(status(answer(503, ''))).toBe('transient');
    expect(status(answer(500, ''))).toBe('ambiguous');
    expect(status(answer(504, '<html>timeout</html>'))).toBe('ambiguous');
  });

  it('reads Retry-After on 429 and on 503', () => {
    const [limited] = mapSendResponse(answer(429, '', { 'retry-after': '7' }), 1);
    expect(limited).toMatchObject({ error: { category: 'rate-limited', retryAfterMs: 7000 } });
    const [unavailable] = mapSendResponse(answer(503, '', { 'retry-after': ['3'] }), 1);
    expect(unavailable).toMatchObject({ error: { category: 'transient', retryAfterMs: 3000 } });
  });

  it("carries the call's Retry-After to per-message 429 and 5xx failures, and to them only", () => {
    const success = '{"Status":"success","To":[{"MessageID":1152921518473429250}]}';
    const body = `{"Messages":[${error(429)},${error(503)},${error(400)},${success}]}`;
    const results = mapSendResponse(answer(400, body, { 'retry-after': '12' }), 4);
    expect(results[0]).toMatchObject({
      status: 'failed',
      error: { category: 'rate-limited', retryable: true, retryAfterMs: 12_000 },
    });
    expect(results[1]).toMatchObject({
      status: 'failed',
      error: { category: 'transient', retryable: true, retryAfterMs: 12_000 },
    });
    expect(results[2]).toMatchObject({ status: 'failed', error: { category: 'rejected' } });
    expect(results[2]?.status === 'failed' && 'retryAfterMs' in results[2].error).toBe(false);
    expect(results[3]).toEqual({ status: 'accepted', providerMessageId: '1152921518473429250' });

    // The header as an array, on a 429 whose body still lists the messages.
    const [limited] = mapSendResponse(
      answer(429, `{"Messages":[${error(429)}]}`, { 'retry-after': ['5'] }),
      1,
    );
    expect(limited).toMatchObject({ error: { category: 'rate-limited', retryAfterMs: 5_000 } });

    // No header (or one that cannot be read): no hint, still retryable.
    for (const headers of [{}, { 'retry-after': 'soon' }]) {
      const [plain] = mapSendResponse(answer(400, `{"Messages":[${error(429)}]}`, headers), 1);
      expect(plain).toMatchObject({ error: { category: 'rate-limited', retryable: true } });
      expect(plain?.status === 'failed' && 'retryAfterMs' in plain.error).toBe(false);
    }
  });

  it('a global 400 (no Messages) is rejected for every message, with the Mailjet code', () => {
    const results = mapSendResponse(
      answer(400, '{"ErrorCode":"send-0008","StatusCode":400,"ErrorMessage":"Too many"}'),
      2,
    );
    for (const r of results) {
      expect(r).toMatchObject({
        status: 'failed',
        error: { category: 'rejected', retryable: false, providerCode: 'send-0008 (400)' },
      });
    }
  });
});

describe('mapHttpFailure', () => {
  it('nothing sent → transient; maybe sent → ambiguous; no address in the message', () => {
    const [notSent] = mapHttpFailure(
      new HttpFailure('connect ECONNREFUSED', 'ECONNREFUSED', false),
      1,
    );
    expect(notSent).toMatchObject({
      status: 'failed',
      error: { category: 'transient', retryable: true },
    });
    const maybe = mapHttpFailure(
      new HttpFailure('reset while sending to a@example.com', 'ECONNRESET', true),
      2,
    );
    expect(maybe.map((r) => r.status)).toEqual(['ambiguous', 'ambiguous']);
    expect(JSON.stringify(maybe)).not.toContain('a@example.com');
  });
});

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
