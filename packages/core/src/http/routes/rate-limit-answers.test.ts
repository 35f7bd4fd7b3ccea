import { describe, expect, it } from 'vitest';
import type { GdprLogger } from '../../observability/logger.js';
import { testGdpr } from '../../testing/test-gdpr.js';
import { createGdprHandler } from '../handler/create-gdpr-handler.js';
import type { GdprRequestContext } from '../handler/fetch-translate.js';
import { createMemoryRateLimiter } from '../rate-limiter.js';

const BASE = 'https://app.acme.test/gdpr';

/** A logger that keeps its warnings, so a test can count them. */
function warningLogger() {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const ignore = () => {};
  const logger: GdprLogger = {
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (fields: Record<string, unknown>, message?: string) => {
      warnings.push({ fields, message: message ?? '' });
    },
  };
  return { logger, warnings };
}

/** Posts a form with a fresh CSRF pair, as a browser (`html`) or a JSON client. */
async function post(
  handler: ReturnType<typeof createGdprHandler>,
  path: string,
  fields: Record<string, string>,
  context: GdprRequestContext,
  as: 'json' | 'html' = 'json',
) {
  const form = await handler(
    new Request(`${BASE}${path}`, { headers: { accept: 'application/json' } }),
    context,
  );
  const { csrf } = (await form.json()) as { csrf: string };
  const cookie = /gdpr_mail_csrf=[^;]+/.exec(form.headers.get('set-cookie') ?? '')?.[0] ?? '';
  return handler(
    new Request(`${BASE}${path}`, {
      method: 'POST',
      headers: {
        accept: as === 'json' ? 'application/json' : 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://app.acme.test',
        cookie,
      },
      body: new URLSearchParams({ ...fields, _csrf: csrf }),
    }),
    context,
  );
}

describe('429 answers say when to retry', () => {
  it('REQ-21: a refused sign-up carries Retry-After (JSON and the form page) and retryAfter', async () => {
    const { gdpr } = testGdpr();
    try {
      const handler = createGdprHandler(gdpr, {
        signup: { rateLimiter: createMemoryRateLimiter({ limit: 2, windowMs: 90_500 }) },
      });
      const ip = { ip: '192.0.2.10' };
      const fields = { email: 'ana@example.org', purposes: 'newsletter' };
      expect((await post(handler, '/signup', fields, ip)).status).toBe(200);
      expect((await post(handler, '/signup', fields, ip)).status).toBe(200);
      const refused = await post(handler, '/signup', fields, ip);
      expect(refused.status).toBe(429);
      // The window's length, rounded up to whole seconds: the longest the caller waits.
      expect(refused.headers.get('retry-after')).toBe('91');
      expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 91 });
      const page = await post(handler, '/signup', fields, ip, 'html');
      expect(page.status).toBe(429);
      expect(page.headers.get('retry-after')).toBe('91');
      expect(page.headers.get('content-type')).toContain('text/html');
      // Another client is not held back.
      expect((await post(handler, '/signup', fields, { ip: '192.0.2.11' })).status).toBe(200);
    } finally {
      await gdpr.close();
    }
  });

  it('REQ-21: a refused DSAR request carries Retry-After of the per-IP window (an hour)', async () => {
    const { gdpr } = testGdpr({ dsar: { perIpPerHour: 1 } });
    try {
      const handler = createGdprHandler(gdpr);
      const ip = { ip: '192.0.2.20' };
      const fields = { email: 'ana@example.org', type: 'access' };
      expect((await post(handler, '/dsar', fields, ip)).status).toBe(200);
      const refused = await post(handler, '/dsar', fields, ip);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('3600');
      const page = await post(handler, '/dsar', fields, ip, 'html');
      expect(page.status).toBe(429);
      expect(page.headers.get('retry-after')).toBe('3600');
    } finally {
      await gdpr.close();
    }
  });

  it('other problems carry no Retry-After', async () => {
    const { gdpr } = testGdpr();
    try {
      const handler = createGdprHandler(gdpr);
      const bad = await post(handler, '/signup', { email: 'not-an-address' }, { ip: '192.0.2.30' });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('retry-after')).toBeNull();
      expect(await bad.json()).not.toHaveProperty('retryAfter');
    } finally {
      await gdpr.close();
    }
  });
});

describe('a mount that passes no client IP', () => {
  it('REQ-21: is warned once, naming no person; DSAR requests are not refused by one shared per-IP bucket', async () => {
    const { logger, warnings } = warningLogger();
    const { gdpr } = testGdpr({ logger, dsar: { perIpPerHour: 1 } });
    try {
      const handler = createGdprHandler(gdpr);
      for (const email of ['ana@example.org', 'bo@example.org', 'cy@example.org']) {
        const answer = await post(handler, '/dsar', { email, type: 'access' }, {});
        // Without an IP, one caller over the limit would otherwise block every other person.
        expect(answer.status).toBe(200);
      }
      await post(handler, '/signup', { email: 'di@example.org', purposes: 'newsletter' }, {});
      const told = warnings.filter((w) => w.fields.code === 'CLIENT_IP_UNKNOWN');
      expect(told).toHaveLength(1);
      expect(told[0]!.message).toContain('handler(request, { ip })');
      expect(JSON.stringify(told)).not.toMatch(/@example\.org/);
    } finally {
      await gdpr.close();
    }
  });

  it('says nothing when every request carries its IP', async () => {
    const { logger, warnings } = warningLogger();
    const { gdpr } = testGdpr({ logger });
    try {
      const handler = createGdprHandler(gdpr);
      await post(
        handler,
        '/dsar',
        { email: 'ana@example.org', type: 'access' },
        { ip: '192.0.2.40' },
      );
      expect(warnings.filter((w) => w.fields.code === 'CLIENT_IP_UNKNOWN')).toHaveLength(0);
    } finally {
      await gdpr.close();
    }
  });
});
