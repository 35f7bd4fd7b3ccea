import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { GdprMail } from '@gdpr-mail/core';
import { createGdprMail } from '@gdpr-mail/core';
import type { GdprHandlerOptions } from '@gdpr-mail/core/http';
import { runHttpConformance } from '@gdpr-mail/core/testing';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

// The Hono example of docs/hono.md, exactly as the page shows it: written out and imported,
// so the page cannot drift from what passes the suite.
const root = new URL('../../../', import.meta.url);
const page = readFileSync(new URL('docs/hono.md', root), 'utf8');
const code = /^```ts hono-example\n([\s\S]*?)^```$/m.exec(page)?.[1];
if (!code) throw new Error('docs/hono.md has no ```ts hono-example block');
const dir = new URL('.tmp/hono-example/', root);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('app.ts', dir), code);
const { createApp } = (await import(new URL('app.ts', dir).pathname)) as {
  createApp: (gdpr: GdprMail, options: GdprHandlerOptions) => Hono;
};

runHttpConformance('Hono on @hono/node-server (docs/hono.md)', {
  createGdprMail,
  mount: async (gdpr, options) => {
    const app = createApp(gdpr, options);
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(started),
      );
    });
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
});
