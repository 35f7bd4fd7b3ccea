import { describe, expect, it } from 'vitest';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { createCsrfPair, isCrossSiteRequest, verifyCsrf } from './csrf.js';
import { html, SafeHtml } from './html.js';
import { negotiateLocale } from './locale.js';
import { readPrivacySignals } from './privacy-signals.js';
import { problem, toProblem } from './problem-details.js';
import { createMemoryRateLimiter } from './rate-limiter.js';

describe('problem details (RFC 9457)', () => {
  it('maps typed errors to a status and keeps the code and issues', () => {
    const p = toProblem(
      new GdprMailError('VALIDATION_FAILED', 'Invalid profile.', {
        issues: [{ path: 'country', message: 'bad' }],
      }),
    );
    expect(p).toEqual({
      type: 'https://gdpr-mail.dev/problems/validation-failed',
      title: 'Bad Request',
      status: 400,
      detail: 'Invalid profile.',
      code: 'VALIDATION_FAILED',
      issues: [{ path: 'country', message: 'bad' }],
    });
    expect(toProblem(new GdprMailError('TOKEN_EXPIRED', 'x')).status).toBe(410);
    expect(toProblem(new GdprMailError('TOKEN_USED', 'x')).status).toBe(409);
    expect(problem('RATE_LIMITED', 'slow down').status).toBe(429);
    // An authorisation hook's refusal (the privacy console, SEED-06) is a 403.
    expect(toProblem(new GdprMailError('FORBIDDEN', 'x')).status).toBe(403);
    expect(toProblem(new GdprMailError('DSAR_EXTENSION_REFUSED', 'x')).status).toBe(422);
  });

  it('never echoes an unexpected error message', () => {
    const p = toProblem(new Error('duplicate key for camille@example.org'));
    expect(p).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(p)).not.toContain('camille');
  });
});

describe('privacy signals (REQ-15)', () => {
  it('reads DNT and Sec-GPC, only "1" counts', () => {
    expect(readPrivacySignals({ dnt: '1', 'sec-gpc': '1' })).toEqual({ dnt: true, gpc: true });
    expect(readPrivacySignals({ dnt: '0', 'sec-gpc': 'yes' })).toEqual({ dnt: false, gpc: false });
    expect(readPrivacySignals({})).toEqual({ dnt: false, gpc: false });
  });
});

describe('html', () => {
  it('escapes interpolations and keeps SafeHtml', () => {
    const name = '<img src=x onerror=alert(1)>';
    const out = html`<p>${name}</p>${new SafeHtml('<b>ok</b>')}${[html`<i>${'&'}</i>`]}${undefined}`;
    expect(out.value).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p><b>ok</b><i>&amp;</i>');
  });
});

describe('CSRF', () => {
  it('accepts the pair it made and refuses forgeries', () => {
    const secret = 'csrf-secret-0123456789-abcdefghijkl';
    const pair = createCsrfPair(secret);
    expect(verifyCsrf(secret, pair.cookie, pair.field)).toBe(true);
    expect(verifyCsrf(secret, pair.cookie, `${pair.field}x`)).toBe(false);
    expect(verifyCsrf(secret, createCsrfPair(secret).cookie, pair.field)).toBe(false);
    expect(verifyCsrf('another-secret-0123456789-abcdefghij', pair.cookie, pair.field)).toBe(false);
    expect(verifyCsrf(secret, undefined, pair.field)).toBe(false);
  });

  describe('isCrossSiteRequest (the preference centre POST)', () => {
    const own = 'https://app.acme.test';

    it('lets Sec-Fetch-Site decide when sent: a same-origin post with Origin: null passes', () => {
      // What a browser sends for our own form under `Referrer-Policy: no-referrer`.
      expect(isCrossSiteRequest({ 'sec-fetch-site': 'same-origin', origin: 'null' }, own)).toBe(
        false,
      );
      expect(isCrossSiteRequest({ 'sec-fetch-site': 'none' }, own)).toBe(false);
      expect(isCrossSiteRequest({ 'sec-fetch-site': 'cross-site', origin: own }, own)).toBe(true);
      expect(isCrossSiteRequest({ 'sec-fetch-site': 'same-site', origin: 'null' }, own)).toBe(true);
    });

    it('refuses Origin: null without Sec-Fetch-Site, like any origin other than our own', () => {
      expect(isCrossSiteRequest({ origin: 'null' }, own)).toBe(true);
      expect(isCrossSiteRequest({ origin: ['null'] }, own)).toBe(true);
      expect(isCrossSiteRequest({ origin: 'https://evil.test' }, own)).toBe(true);
      expect(isCrossSiteRequest({ origin: own }, own)).toBe(false);
      // Neither header: not a browser; the token is still needed.
      expect(isCrossSiteRequest({}, own)).toBe(false);
    });
  });
});

describe('rate limiter', () => {
  it('counts per key per window and stays bounded', async () => {
    let t = 0;
    const limiter = createMemoryRateLimiter({ limit: 2, windowMs: 1000, now: () => t, maxKeys: 2 });
    expect(await limiter.hit('a')).toBe(true);
    expect(await limiter.hit('a')).toBe(true);
    expect(await limiter.hit('a')).toBe(false);
    expect(await limiter.hit('b')).toBe(true);
    // Table full of live windows: the oldest (a) is evicted, c is never refused (#19).
    expect(await limiter.hit('c')).toBe(true);
    expect(limiter.size).toBe(2);
    expect(await limiter.hit('b')).toBe(true);
    expect(await limiter.hit('b')).toBe(false);
    t = 1000;
    expect(await limiter.hit('b')).toBe(true);
  });
});

describe('negotiateLocale', () => {
  it('honours q-values and base languages', () => {
    const supported = ['en', 'fr'] as const;
    expect(negotiateLocale('fr-BE,fr;q=0.9,en;q=0.8', supported, 'en')).toBe('fr');
    expect(negotiateLocale('de,en;q=0.5', supported, 'fr')).toBe('en');
    expect(negotiateLocale('de', supported, 'fr')).toBe('fr');
    expect(negotiateLocale(undefined, supported, 'en')).toBe('en');
    expect(negotiateLocale('en;q=0.1,fr;q=0.9', supported, 'en')).toBe('fr');
  });
});
