import { describe, expect, it } from 'vitest';
import { checkboxEvidence } from '../testing/fixtures.js';
import { testGdpr } from '../testing/test-gdpr.js';
import { createMemoryRateLimiter } from './rate-limiter.js';
import { createGdprRoutes } from './routes/create-gdpr-routes.js';
import type { GdprHttpRequest } from './routes/gdpr-http-types.js';

/** More junk keys than the default bound (100,000) can hold. */
const JUNK = 120_000;

function junkIp(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

function report(what: string, keys: number, started: number, heapBefore: number) {
  const ms = performance.now() - started;
  const mb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  console.log(
    `[#19 finding 4] ${what}: ${keys} junk keys in ${ms.toFixed(0)} ms, heap delta ${mb.toFixed(1)} MB`,
  );
}

const setup = () => testGdpr();

describe('#19 finding 4: limiter saturation', () => {
  it('REQ-21: after 120k junk keys in one window, a new key is served and the table stays bounded', async () => {
    const t = 0;
    const maxKeys = 100_000;
    const limiter = createMemoryRateLimiter({ limit: 2, windowMs: 60_000, now: () => t, maxKeys });
    // A real caller, seen before the flood, already over its limit.
    expect(await limiter.hit('real-early')).toBe(true);
    expect(await limiter.hit('real-early')).toBe(true);
    expect(await limiter.hit('real-early')).toBe(false);
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    let largest = 0;
    for (let i = 0; i < JUNK; i += 1) {
      await limiter.hit(`junk-${i}`);
      if (limiter.size > largest) largest = limiter.size;
    }
    report('memory limiter', JUNK, started, heapBefore);
    expect(largest).toBe(maxKeys);
    expect(limiter.size).toBe(maxKeys);
    // A key never seen: served, not refused because the table is full.
    expect(await limiter.hit('real-late')).toBe(true);
    expect(await limiter.hit('real-late')).toBe(true);
    expect(await limiter.hit('real-late')).toBe(false);
    // The newest junk keys are still counted.
    expect(await limiter.hit(`junk-${JUNK - 1}`)).toBe(true);
    expect(await limiter.hit(`junk-${JUNK - 1}`)).toBe(false);
    expect(limiter.size).toBe(maxKeys);
  });

  it('evicts expired windows before live ones, oldest first', async () => {
    let t = 0;
    const limiter = createMemoryRateLimiter({ limit: 1, windowMs: 1000, now: () => t, maxKeys: 3 });
    expect(await limiter.hit('a')).toBe(true);
    t = 500;
    expect(await limiter.hit('b')).toBe(true);
    expect(await limiter.hit('c')).toBe(true);
    t = 1200; // a has expired; b and c are live
    expect(await limiter.hit('d')).toBe(true);
    expect(limiter.size).toBe(3);
    expect(await limiter.hit('b')).toBe(false); // still counted: a went, not b
    expect(await limiter.hit('e')).toBe(true); // full of live windows: b (oldest) goes
    expect(limiter.size).toBe(3);
    expect(await limiter.hit('c')).toBe(false);
    expect(await limiter.hit('b')).toBe(true); // forgotten, so counted afresh
  });

  it('REQ-21: after 120k junk DSAR requests (new IPs, new addresses), a real request is mailed', async () => {
    const { gdpr, transport } = setup();
    const email = 'camille@example.org';
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    for (let i = 0; i < JUNK; i += 1) {
      await gdpr.dsar.request({ email: `junk${i}@example.net`, type: 'access', ip: junkIp(i) });
    }
    report('gdpr.dsar.request', JUNK, started, heapBefore);
    expect(transport.sent).toHaveLength(0);
    // A new IP is not refused (was RATE_LIMITED), and the known address is mailed (was dropped).
    await expect(gdpr.dsar.request({ email, type: 'access', ip: '192.0.2.44' })).resolves.toEqual({
      received: true,
    });
    expect(transport.sentTo(email)).toHaveLength(1);
    expect(await gdpr.dsar.list()).toHaveLength(1);
  }, 120_000);

  it('after 120k junk sign-ups from distinct IPs, a real sign-up from a new IP is served', async () => {
    const { gdpr } = setup();
    const sent: string[] = [];
    const { routes } = createGdprRoutes(gdpr, {
      sendMail: async (mail) => {
        sent.push(mail.to);
      },
    });
    const form = routes.find((r) => r.name === 'signupForm')!;
    const signup = routes.find((r) => r.name === 'signup')!;
    const request = (ip: string, body: unknown, cookies: Record<string, string> = {}) =>
      ({
        method: 'POST',
        path: '/signup',
        params: {},
        query: {},
        body,
        headers: { accept: 'application/json' },
        ip,
        cookies,
      }) satisfies GdprHttpRequest;
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    for (let i = 0; i < JUNK; i += 1) {
      // No CSRF field: each is refused after being counted by the limiter.
      const response = await signup.handle(request(junkIp(i), { email: 'x@example.net' }));
      expect(response.status).toBe(403);
    }
    report('POST /signup', JUNK, started, heapBefore);

    const shown = await form.handle({ ...request('192.0.2.45', undefined), method: 'GET' });
    const { csrf } = JSON.parse(String(shown.body)) as { csrf: string };
    const setCookie = String(shown.headers['set-cookie']);
    const cookie = /gdpr_mail_csrf=([^;]+)/.exec(setCookie)?.[1] ?? '';
    const real = await signup.handle(
      request(
        '192.0.2.45',
        { email: 'dominique@example.org', purposes: ['newsletter'], _csrf: csrf },
        { gdpr_mail_csrf: decodeURIComponent(cookie) },
      ),
    );
    expect(real.status).toBe(200);
    // The opt-in and its mail run after the answer, from the outbox (#19 finding 2).
    await gdpr.outbox.idle();
    expect(sent).toEqual(['dominique@example.org']);
  }, 120_000);
});
