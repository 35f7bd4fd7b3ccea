import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGdprMail } from '@gdpr-mail/core';
import { createGdprHandler, toNodeHeaders, toNodeMiddleware } from '@gdpr-mail/core/http';
import { runHttpConformance, testConfig } from '@gdpr-mail/core/testing';
import { describe, expect, it } from 'vitest';

// `toNodeMiddleware` is what the Express router and the Nest module are; here it runs on a
// bare `node:http` server (no framework cut the mount path off, so `mountPath` finds it).
runHttpConformance('node:http with toNodeMiddleware', {
  createGdprMail,
  mount: async (gdpr, options) => {
    const handler = createGdprHandler(gdpr, options);
    const middleware = toNodeMiddleware(handler, { mountPath: handler.basePath });
    const server = createServer((req, res) =>
      middleware(req, res, () => {
        res.statusCode = 500;
        res.end();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
});

describe('toNodeMiddleware with a mountPath', () => {
  it('serves the paths that start with the mount, in whole segments, and passes the rest on', async () => {
    const gdpr = createGdprMail(testConfig());
    const handler = createGdprHandler(gdpr);
    const middleware = toNodeMiddleware(handler, { mountPath: '/gdpr' });
    const server = createServer((req, res) =>
      middleware(req, res, () => {
        res.statusCode = 418;
        res.end('not gdpr-mail');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const status = async (path: string) => (await fetch(`${base}${path}`)).status;
    try {
      expect(await status('/gdpr/signup')).toBe(200);
      expect(await status('/gdpr/signup?lang=fr')).toBe(200);
      expect(await status('/gdpr?lang=fr')).toBe(404);
      expect(await status('/gdpr/no-such-page')).toBe(404);
      expect(await status('/')).toBe(418);
      expect(await status('/gdprsignup')).toBe(418);
      // The mount path elsewhere in the URL belongs to the app: a page of its own, a query.
      expect(await status('/shop/gdpr/signup')).toBe(418);
      expect(await status('/api/gdpr/signup')).toBe(418);
      expect(await status('/search?next=/gdpr/signup')).toBe(418);
      expect(await status('/search?next=%2Fgdpr%2Fsignup')).toBe(418);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gdpr.close();
    }
  });
});

describe('toNodeMiddleware behind a prefix', () => {
  it('serves a full mount path given whole, not the same path repeated below it', async () => {
    const gdpr = createGdprMail(testConfig({ links: { baseUrl: 'https://app.acme.test/gdpr' } }));
    const handler = createGdprHandler(gdpr);
    // A Nest app with the global prefix `gdpr` and the routes at `/gdpr`.
    const middleware = toNodeMiddleware(handler, { mountPath: '/gdpr/gdpr' });
    const server = createServer((req, res) =>
      middleware(req, res, () => {
        res.statusCode = 418;
        res.end('not gdpr-mail');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const status = async (path: string) => (await fetch(`${base}${path}`)).status;
    try {
      expect(await status('/gdpr/gdpr/signup')).toBe(200);
      expect(await status('/gdpr/signup')).toBe(418);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gdpr.close();
    }
  });
});

describe('toNodeHeaders', () => {
  it('keeps each Set-Cookie apart and every other header as it is', () => {
    const headers = new Headers({ 'content-type': 'text/html' });
    headers.append('set-cookie', 'a=1; Path=/gdpr');
    headers.append('set-cookie', 'b=2; Path=/gdpr');
    expect(toNodeHeaders(headers)).toEqual({
      'content-type': 'text/html',
      'set-cookie': ['a=1; Path=/gdpr', 'b=2; Path=/gdpr'],
    });
    expect(toNodeHeaders(new Headers())).toEqual({});
  });
});
