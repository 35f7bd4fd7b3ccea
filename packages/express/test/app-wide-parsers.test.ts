import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RenderedMail } from '@gdpr-mail/core';
import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { createMemoryRateLimiter } from '@gdpr-mail/core/http';
import { testConfig } from '@gdpr-mail/core/testing';
import { gdprMailRouter } from '@gdpr-mail/express';
import express from 'express';
import { afterEach, expect, it } from 'vitest';

let close: () => Promise<void> = async () => {};
afterEach(() => close());

// An app that parses bodies before the router (express.urlencoded / json app-wide): the
// stream is already read, so the router hands the parsed body to the core handler.
it('works behind app-wide body parsers: a signup form gets through; a parsed webhook body is a CONFIG_INVALID', async () => {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  const mails: RenderedMail[] = [];
  const webhookBodies: string[] = [];
  const errors: unknown[] = [];
  const app = express();
  app.use(express.urlencoded({ extended: false }), express.json());
  app.use(
    '/gdpr',
    gdprMailRouter(gdpr, {
      sendMail: async (mail) => {
        mails.push(mail);
      },
      secureCookies: false,
      onError: (error) => errors.push(error),
      signup: { rateLimiter: createMemoryRateLimiter({ limit: 100, windowMs: 60_000 }) },
      webhooks: [
        {
          name: 'events',
          handle: async (request) => {
            webhookBodies.push(request.rawBody);
            return { status: 204 };
          },
        },
      ],
    }),
  );
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await gdpr.close();
  };
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const page = await fetch(`${url}/gdpr/signup`, { headers: { accept: 'application/json' } });
  const { csrf } = (await page.json()) as { csrf: string };
  const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
  const answer = await fetch(`${url}/gdpr/signup`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      cookie,
    },
    body: new URLSearchParams({ email: 'ada@example.com', purposes: 'newsletter', _csrf: csrf }),
  });
  expect(await answer.json()).toEqual({ status: 'check-inbox' });
  await gdpr.outbox.idle();
  expect(mails).toHaveLength(1);
  const hook = await fetch(`${url}/gdpr/webhooks/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '[{"event":"bounce"}]',
  });
  // The bytes the provider signed are gone once a JSON parser ran: a 500 that says nothing,
  // and the developer is told why through onError.
  expect(hook.status).toBe(500);
  expect(webhookBodies).toEqual([]);
  expect(errors).toMatchObject([{ code: 'CONFIG_INVALID' }]);
  const text = await fetch(`${url}/gdpr/webhooks/events`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'raw text',
  });
  expect(text.status).toBe(204);
  expect(webhookBodies).toEqual(['raw text']);
});
