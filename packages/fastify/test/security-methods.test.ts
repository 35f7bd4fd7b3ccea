import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { gdprMail } from '@gdpr-mail/fastify';
import Fastify from 'fastify';
import { expect, it } from 'vitest';

// TRACE reaches the plugin, but a Fetch Request refuses the method: building one threw, and
// Fastify answered its own 500 (without the security headers). It gets the 405 problem now.
it('TRACE under the mount is a 405 problem with the security headers, not a 500', async () => {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  const app = Fastify();
  try {
    await app.register(gdprMail, { gdpr });
    await app.ready();
    const known = await app.inject({
      method: 'TRACE',
      url: '/gdpr/dsar',
      headers: { accept: 'application/json' },
    });
    expect(known.statusCode).toBe(405);
    expect(known.json().code).toBe('METHOD_NOT_ALLOWED');
    expect(known.headers['referrer-policy']).toBe('no-referrer');
    expect(known.headers['x-content-type-options']).toBe('nosniff');
    expect(known.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const page = await app.inject({
      method: 'TRACE',
      url: '/gdpr/signup',
      headers: { accept: 'text/html' },
    });
    expect(page.statusCode).toBe(405);
    expect(page.headers['cache-control']).toBe('no-store');
  } finally {
    await app.close();
    await gdpr.close();
  }
});
