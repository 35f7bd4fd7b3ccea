import { createGdprConsole } from '@gdpr-mail/console';
import { createGdprMail } from '@gdpr-mail/core';
import { nodeToFetchRequest, writeFetchResponse } from '@gdpr-mail/core/http';
import { testConfig } from '@gdpr-mail/core/testing';
import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The Fastify mount of docs/console.md, run: an encapsulated scope whose parser leaves
// the body unread, so the console reads its forms from the raw request.
describe('privacy console mounted on Fastify as docs/console.md shows', () => {
  const gdpr = createGdprMail(testConfig());
  let server: FastifyInstance;
  let origin: string;

  beforeAll(async () => {
    const privacyConsole = createGdprConsole(gdpr, {
      basePath: '/admin/privacy',
      authorize: (_request, action, { user }) =>
        typeof user === 'string' && (action === 'view' || user === 'dpo') ? user : null,
    });
    server = Fastify();
    await server.register(
      async (scope) => {
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
        scope.all('/*', async (request, reply) => {
          const { request: fetchRequest } = nodeToFetchRequest(
            request.raw,
            `http://localhost${request.raw.url ?? '/'}`,
          );
          const staff = request.headers['x-staff'];
          const response = await privacyConsole(fetchRequest, { user: staff });
          reply.hijack();
          writeFetchResponse(reply.raw, response);
        });
      },
      { prefix: '/admin/privacy' },
    );
    origin = await server.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await server.close();
    await gdpr.close();
  });

  it('serves the pages and reads a posted form, per action', async () => {
    const page = await fetch(`${origin}/admin/privacy/breaches`, { headers: { 'x-staff': 'dpo' } });
    expect(page.status).toBe(200);
    const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const post = (staff: string) =>
      fetch(`${origin}/admin/privacy/breaches`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'x-staff': staff, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: csrf,
          title: 'Laptop stolen',
          awareAt: '2026-03-01T08:00',
          description: 'A laptop was stolen.',
          subjectCategories: 'customers',
          approxSubjects: '10',
          recordCategories: 'addresses',
          approxRecords: '10',
          likelyConsequences: 'Phishing',
          measures: 'Rotated',
          risk: 'risk',
        }).toString(),
      });
    expect((await post('support')).status).toBe(403);
    const created = await post('dpo');
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toMatch(/^\/admin\/privacy\/breaches\/[0-9a-f-]{36}$/);
    expect(await gdpr.breaches.list()).toHaveLength(1);
  });
});
