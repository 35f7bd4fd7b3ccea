import type { GdprMail } from '@gdpr-mail/core';
import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { createGdprHandler, SECURITY_HEADERS } from '@gdpr-mail/core/http';
import { testConfig } from '@gdpr-mail/core/testing';
import { gdprMail, gdprMailFrameworkErrors } from '@gdpr-mail/fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

const JSON_ACCEPT = { accept: 'application/json' };

let gdpr: GdprMail;
let app: FastifyInstance;
afterEach(async () => {
  await app.close();
  await gdpr.close();
});

async function start(options: FastifyServerOptions = {}, prefix = ''): Promise<FastifyInstance> {
  gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  app = Fastify(options);
  await app.register(async (scope) => scope.register(gdprMail, { gdpr }), { prefix });
  await app.ready();
  return app;
}

/** What the core handler (and so Express) answers for the same raw path. */
async function coreAnswer(path: string): Promise<{ status: number; code: string }> {
  const response = await createGdprHandler(gdpr)(
    new Request(`http://localhost${path}`, { headers: JSON_ACCEPT }),
  );
  return { status: response.status, code: ((await response.json()) as { code: string }).code };
}

describe('the raw path reaches the handler, as under Express', () => {
  it('an encoded slash stays inside the token: 400 TOKEN_INVALID, not a 404', async () => {
    await start();
    const response = await app.inject({ url: '/gdpr/u/abc%2Fdef', headers: JSON_ACCEPT });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('TOKEN_INVALID');
    expect(await coreAnswer('/gdpr/u/abc%2Fdef')).toEqual({ status: 400, code: 'TOKEN_INVALID' });
  });

  it('takes the raw path below a prefix the plugin is registered under', async () => {
    await start({ frameworkErrors: gdprMailFrameworkErrors() }, '/api');
    const response = await app.inject({ url: '/api/gdpr/u/abc%2Fdef?x=1', headers: JSON_ACCEPT });
    expect(response.json().code).toBe('TOKEN_INVALID');
    const form = await app.inject({ url: '/api/gdpr/signup', headers: JSON_ACCEPT });
    expect(form.statusCode).toBe(200);
    const bad = await app.inject({ url: '/api/gdpr/u/abc%ZZ', headers: JSON_ACCEPT });
    expect(bad.statusCode).toBe(404);
    expect(bad.json().code).toBe('NOT_FOUND');
  });

  it('a bad percent-encoding under the path is a 404 NOT_FOUND problem with gdprMailFrameworkErrors()', async () => {
    await start({ frameworkErrors: gdprMailFrameworkErrors() });
    const response = await app.inject({ url: '/gdpr/u/abc%ZZ', headers: JSON_ACCEPT });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().code).toBe('NOT_FOUND');
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      expect(response.headers[name]).toBe(value);
    }
    expect(response.headers['cache-control']).toBe('no-store');
    expect(await coreAnswer('/gdpr/u/abc%ZZ')).toEqual({ status: 404, code: 'NOT_FOUND' });
    // A browser gets the error page, as from every other route.
    const page = await app.inject({ url: '/gdpr/u/abc%ZZ', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
    // Elsewhere the app keeps Fastify's own answer.
    const elsewhere = await app.inject({ url: '/shop/abc%ZZ' });
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.json().code).toBe('FST_ERR_BAD_URL');
  });

  it('hands other framework errors to the fallback it is given', async () => {
    const seen: string[] = [];
    await start({
      frameworkErrors: gdprMailFrameworkErrors((error, _request, reply) => {
        seen.push(error.code);
        void reply.code(400).send('app answer');
      }),
    });
    const elsewhere = await app.inject({ url: '/shop/abc%ZZ' });
    expect(elsewhere.body).toBe('app answer');
    expect(seen).toEqual(['FST_ERR_BAD_URL']);
  });

  it('without the option, Fastify refuses a bad encoding before the plugin runs', async () => {
    await start();
    const response = await app.inject({ url: '/gdpr/u/abc%ZZ', headers: JSON_ACCEPT });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('FST_ERR_BAD_URL');
  });
});
