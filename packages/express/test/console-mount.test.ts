import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGdprConsole, nodeConsoleHandler } from '@gdpr-mail/console';
import { createGdprMail } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The console mounted on Express as docs/console.md shows it, under an app-wide
// urlencoded parser: the form the parser already read reaches the console (context.body).
describe('privacy console mounted on Express with nodeConsoleHandler', () => {
  const gdpr = createGdprMail(testConfig());
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    const privacyConsole = createGdprConsole(gdpr, {
      basePath: '/admin/privacy',
      authorize: (_request, action, { user }) =>
        user === 'dpo' || (user === 'support' && action === 'view') ? `staff:${user}` : null,
    });
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.use(
      '/admin/privacy',
      nodeConsoleHandler(privacyConsole, { user: (req) => req.headers['x-staff'] }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await gdpr.close();
  });

  async function form(staff: string) {
    const page = await fetch(`${origin}/admin/privacy/retention`, {
      headers: { 'x-staff': staff },
    });
    expect(page.status).toBe(200);
    const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    return { cookie, csrf };
  }

  it('reads a form the app-wide parser already read, and checks the action of each request', async () => {
    const { cookie, csrf } = await form('dpo');
    const post = (staff: string) =>
      fetch(`${origin}/admin/privacy/retention/sweep`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'x-staff': staff,
          cookie,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ _csrf: csrf }).toString(),
      });
    const swept = await post('dpo');
    expect(swept.status).toBe(303);
    const progress = await fetch(`${origin}${swept.headers.get('location')}`, {
      headers: { 'x-staff': 'dpo' },
    });
    expect(await progress.text()).toMatch(/data-sweep="(done|running)"/);
    expect((await post('support')).status).toBe(403);
    expect((await post('')).status).toBe(403);
    const root = await fetch(`${origin}/admin/privacy`, {
      redirect: 'manual',
      headers: { 'x-staff': 'support' },
    });
    expect(root.status).toBe(303);
    expect(root.headers.get('location')).toBe('/admin/privacy/requests');
  });
});
