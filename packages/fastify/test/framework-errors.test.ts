import type { GdprMail } from '@gdpr-mail/core';
import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { gdprMail, gdprMailFrameworkErrors } from '@gdpr-mail/fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

// A route constraint whose lookup fails (a tenant store down, say): Fastify's router then
// raises FST_ERR_ASYNC_CONSTRAINT, a framework error like a bad URL.
const failingTenant = {
  name: 'tenant',
  storage() {
    const handlers = new Map<string, unknown>();
    return {
      get: (value: string) => (handlers.get(value) ?? null) as never,
      set: (value: string, store: unknown) => {
        handlers.set(value, store);
      },
    };
  },
  deriveConstraint(_request: unknown, _context: unknown, done: (error: Error | null) => void) {
    done(new Error('tenant lookup down'));
  },
  mustMatchWhenDerived: false,
  validate() {},
};

const apps: FastifyInstance[] = [];
const instances: GdprMail[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const gdpr of instances.splice(0)) await gdpr.close();
});

async function start(options: FastifyServerOptions, tenants = false): Promise<FastifyInstance> {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  instances.push(gdpr);
  const constraints = { tenant: failingTenant } as unknown as FastifyServerOptions['constraints'];
  const serverOptions: FastifyServerOptions = {
    ...options,
    maxParamLength: 20,
    ...(tenants ? { constraints } : {}),
  };
  const app = Fastify(serverOptions);
  apps.push(app);
  await app.register(gdprMail, { gdpr });
  if (tenants) app.get('/tenant', { constraints: { tenant: 'acme' } }, async () => 'tenant');
  else app.get('/shop/:item', async () => 'item');
  await app.ready();
  return app;
}

const answer = async (app: FastifyInstance, url: string) => {
  const response = await app.inject({ url });
  return {
    status: response.statusCode,
    type: response.headers['content-type'],
    body: response.body,
  };
};

describe('gdprMailFrameworkErrors() outside the gdpr-mail path (docs/fastify.md)', () => {
  it('answers every other framework error exactly as Fastify does without the option', async () => {
    const cases = [
      { url: '/shop/abc%ZZ', tenants: false, status: 400 }, // FST_ERR_BAD_URL
      { url: `/shop/${'x'.repeat(21)}`, tenants: false, status: 414 }, // FST_ERR_MAX_PARAM_LENGTH
      { url: '/tenant', tenants: true, status: 500 }, // FST_ERR_ASYNC_CONSTRAINT
    ];
    for (const { url, tenants, status } of cases) {
      const expected = await answer(await start({}, tenants), url);
      expect(expected.status, url).toBe(status);
      const ours = await start({ frameworkErrors: gdprMailFrameworkErrors() }, tenants);
      expect(await answer(ours, url), url).toEqual(expected);
    }
  });
});
