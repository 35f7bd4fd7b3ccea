import type { AddressInfo } from 'node:net';
import { createGdprConsole, nodeConsoleHandler } from '@gdpr-mail/console';
import { createGdprMail } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

@Module({})
class EmptyModule {}

// The Nest mount of docs/console.md, run: an Express middleware of the Nest app, whose
// own body parsers read the form first (the console takes it from req.body).
describe('privacy console mounted on Nest as docs/console.md shows', () => {
  const gdpr = createGdprMail(testConfig());
  let nest: NestExpressApplication;
  let origin: string;

  beforeAll(async () => {
    nest = await NestFactory.create<NestExpressApplication>(EmptyModule, { logger: false });
    const privacyConsole = createGdprConsole(gdpr, {
      basePath: '/admin/privacy',
      authorize: (_request, action, { user }) =>
        typeof user === 'string' && (action === 'view' || user === 'dpo') ? user : null,
    });
    const staffId = (req: Request) => req.header('x-staff');
    nest.use(
      '/admin/privacy',
      nodeConsoleHandler(privacyConsole, { user: (req: Request) => staffId(req) }),
    );
    await nest.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(nest.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await nest.close();
    await gdpr.close();
  });

  it('serves the pages and takes the form Nest parsed, per action', async () => {
    const page = await fetch(`${origin}/admin/privacy/requests/${'0'.repeat(8)}`, {
      headers: { 'x-staff': 'support' },
    });
    expect(page.status).toBe(404);
    const audit = await fetch(`${origin}/admin/privacy/audit`, { headers: { 'x-staff': 'dpo' } });
    expect(audit.status).toBe(200);
    const cookie = audit.headers.getSetCookie()[0]!.split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await audit.text())![1]!;
    const verify = await fetch(`${origin}/admin/privacy/audit/verify`, {
      method: 'POST',
      headers: {
        'x-staff': 'support',
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(verify.status).toBe(200);
    expect(await verify.text()).toContain('data-chain="ok"');
    const sweep = await fetch(`${origin}/admin/privacy/retention/sweep`, {
      method: 'POST',
      headers: {
        'x-staff': 'support',
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(sweep.status).toBe(403);
  });
});
