import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { gdprMail } from '@gdpr-mail/fastify';
import Fastify from 'fastify';
import { expect, it } from 'vitest';

it("leaves the app's own body parsers alone and answers only under its base path", async () => {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  const app = Fastify();
  await app.register(gdprMail, { gdpr });
  app.post('/echo', async (request) => ({ got: request.body }));
  try {
    // The app's JSON parser still parses: the plugin's unread-body parser stays in its own context.
    const echo = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(echo.json()).toEqual({ got: { a: 1 } });
    const outside = await app.inject({ method: 'GET', url: '/signup' });
    expect(outside.statusCode).toBe(404);
    expect(outside.headers['content-type']).not.toMatch(/problem/);
    const inside = await app.inject({
      method: 'GET',
      url: '/gdpr/signup',
      headers: { accept: 'text/html' },
    });
    expect(inside.statusCode).toBe(200);
    expect(inside.headers['content-security-policy']).toContain("default-src 'none'");
    const head = await app.inject({ method: 'HEAD', url: '/gdpr/nowhere' });
    expect(head.statusCode).toBe(404);
    expect(head.body).toBe('');
  } finally {
    await app.close();
    await gdpr.close();
  }
});
