import { createGdprMail } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createGdprConsole } from '../src/index.js';

// The Hono mount of docs/console.md, run through Hono's own fetch: the handler as it is.
describe('privacy console mounted on Hono', () => {
  it('answers under its base path; authorize reads the Fetch request itself', async () => {
    const gdpr = createGdprMail(testConfig());
    const staffId = async (request: Request) => request.headers.get('x-staff') ?? undefined;
    const privacyConsole = createGdprConsole(gdpr, {
      basePath: '/admin/privacy',
      authorize: async (request, action) => {
        const staff = await staffId(request);
        return staff && (action === 'view' || staff === 'dpo') ? `staff:${staff}` : null;
      },
    });
    const hono = new Hono();
    hono.all('/admin/privacy/*', (c) => privacyConsole(c.req.raw));
    hono.all('/admin/privacy', (c) => privacyConsole(c.req.raw));
    const get = (path: string, staff?: string) =>
      hono.fetch(
        new Request(`http://shop.test${path}`, { headers: staff ? { 'x-staff': staff } : {} }),
      );
    expect((await get('/admin/privacy', 'support')).headers.get('location')).toBe(
      '/admin/privacy/requests',
    );
    expect((await get('/admin/privacy/records', 'support')).status).toBe(200);
    expect((await get('/admin/privacy/records')).status).toBe(403);
    expect((await get('/admin/privacy/nothing', 'dpo')).status).toBe(404);
    await gdpr.close();
  });
});
