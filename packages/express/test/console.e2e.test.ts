import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '@gdpr-mail/core';
import { afterAll, beforeAll } from 'vitest';
import type { ExampleApp } from '../../../examples/express-app/src/app.js';
import { createExampleApp } from '../../../examples/express-app/src/app.js';
import { browserGate } from './browser-audit.js';
import type { ConsoleWalk } from './console-walks.js';
import { consoleWalkTests, openConsoleWalk } from './console-walks.js';

// Issue #24: the privacy console of the Express example in Chromium, behind the example's
// own (demo) staff login: every page audited with axe-core at 375 and 1280 px. The same
// walks run through the Nest example (packages/nestjs/test/console.e2e.test.ts).
browserGate.describe('privacy console in headless Chromium (Express example)', () => {
  let server: Server;
  let example: ExampleApp;
  let walk: ConsoleWalk;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    example = createExampleApp({ baseUrl: `${origin}/gdpr`, store: new MemoryStore() });
    server.on('request', example.app);
    walk = await openConsoleWalk({
      gdpr: example.gdpr,
      origin,
      app: 'express-console',
      email: 'grace@example.com',
    });
  });

  afterAll(async () => {
    await walk?.browser.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await example?.gdpr.close();
  });

  consoleWalkTests(() => walk);
});
