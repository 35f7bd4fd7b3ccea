import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { GdprMailModule, gdprMailFrameworkErrors } from '@gdpr-mail/nestjs';
import type { INestApplication, MiddlewareConsumer, NestMiddleware } from '@nestjs/common';
import { Injectable, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';

// A path whose percent-encoding cannot be decoded is refused by the platform's router before
// any middleware runs (Express: "Failed to decode param", Fastify: FST_ERR_BAD_URL). Under the
// mount it gets the module's answer all the same, as with @gdpr-mail/express.

@Injectable()
class PassThrough implements NestMiddleware {
  use(_req: unknown, _res: unknown, next: () => void): void {
    next();
  }
}

/** An app middleware on every path, bound with a pattern whose parameter Express decodes. */
@Module({})
class EverywhereModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(PassThrough).forRoutes('*path');
  }
}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function expressApp(
  options: { prefix?: string; everywhere?: boolean } = {},
): Promise<INestApplication> {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  const moduleRef = await Test.createTestingModule({
    imports: [
      ...(options.everywhere ? [EverywhereModule] : []),
      GdprMailModule.forRoot({ gdpr, routes: { path: '/gdpr', secureCookies: false } }),
    ],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  if (options.prefix) app.setGlobalPrefix(options.prefix);
  await app.init();
  return app;
}

async function fastifyApp(frameworkErrors: boolean): Promise<INestApplication> {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  const moduleRef = await Test.createTestingModule({
    imports: [GdprMailModule.forRoot({ gdpr, routes: { secureCookies: false } })],
  }).compile();
  const adapter = new FastifyAdapter(
    frameworkErrors ? { frameworkErrors: gdprMailFrameworkErrors() } : {},
  );
  const fastifyApp = moduleRef.createNestApplication<NestFastifyApplication>(adapter, {
    logger: false,
  });
  app = fastifyApp;
  await fastifyApp.init();
  await fastifyApp.getHttpAdapter().getInstance().ready();
  return fastifyApp;
}

function expectNotFoundProblem(res: request.Response, path: string): void {
  expect(res.status, path).toBe(404);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.body.code).toBe('NOT_FOUND');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(res.text).not.toContain('%ZZ');
}

const undecodable = ['/gdpr/u/abc%ZZ', '/gdpr/%ZZ'];

describe('Nest on Express: a path under the mount that cannot be decoded', () => {
  it('gets the 404 problem behind a global prefix too', async () => {
    const server = (await expressApp({ prefix: 'api' })).getHttpServer();
    for (const path of undecodable) {
      const res = await request(server).get(`/api${path}`).set('accept', 'application/json');
      expectNotFoundProblem(res, path);
    }
  });

  it('gets it when an app middleware bound to *path refuses the path first', async () => {
    const server = (await expressApp({ everywhere: true })).getHttpServer();
    for (const path of undecodable) {
      const res = await request(server).post(path).set('accept', 'application/json').send('a=1');
      expectNotFoundProblem(res, path);
    }
    // A known path still goes through the app middleware and the module.
    await request(server).get('/gdpr/signup').set('accept', 'application/json').expect(200);
  });

  it('an undecodable path outside the mount keeps Nest\u2019s answer', async () => {
    const server = (await expressApp({ everywhere: true })).getHttpServer();
    const res = await request(server).get('/shop/%ZZ').set('accept', 'application/json');
    expect(res.status).toBe(400);
    expect(res.headers['referrer-policy']).toBeUndefined();
    const sibling = await request(server).get('/gdpr%ZZ').set('accept', 'application/json');
    expect(sibling.status).toBe(400);
    expect(sibling.headers['referrer-policy']).toBeUndefined();
  });
});

describe('Nest on Fastify: frameworkErrors: gdprMailFrameworkErrors()', () => {
  it('hands a bad URL under the mount to the module: the 404 problem with the headers', async () => {
    const server = (await fastifyApp(true)).getHttpServer();
    for (const path of undecodable) {
      const res = await request(server).get(path).set('accept', 'application/json');
      expectNotFoundProblem(res, path);
    }
    const page = await request(server).get('/gdpr/u/abc%ZZ').set('accept', 'text/html');
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('leaves a bad URL elsewhere to Fastify and Nest, as without it', async () => {
    const server = (await fastifyApp(true)).getHttpServer();
    const res = await request(server).get('/shop/%ZZ').set('accept', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('FST_ERR_BAD_URL');
    expect(res.headers['referrer-policy']).toBeUndefined();
  });

  it('without the option, Fastify answers its own 400 before the module runs', async () => {
    const server = (await fastifyApp(false)).getHttpServer();
    const res = await request(server).get('/gdpr/u/abc%ZZ').set('accept', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('FST_ERR_BAD_URL');
  });
});
