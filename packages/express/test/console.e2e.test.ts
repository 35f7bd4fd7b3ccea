import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '@gdpr-mail/core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import type { ExampleApp } from '../../../examples/express-app/src/app.js';
import { createExampleApp } from '../../../examples/express-app/src/app.js';
import { browserGate, createAuditLog, launchChromium } from './browser-audit.js';
import type { ConsoleWalk } from './console-walks.js';
import { dpoWalk, seedConsole, supportRefusedEachAction } from './console-walks.js';

// Issue #24: the privacy console of the Express example in Chromium, behind the example's
// own (demo) staff login: every page audited with axe-core at 375 and 1280 px. The same
// walks run through the Nest example (packages/nestjs/test/console.e2e.test.ts).
const TIMEOUT = 240_000;

browserGate.describe('privacy console in headless Chromium (Express example)', () => {
  let server: Server;
  let example: ExampleApp;
  let browser: Browser;
  let walk: ConsoleWalk;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    example = createExampleApp({ baseUrl: `${origin}/gdpr`, store: new MemoryStore() });
    server.on('request', example.app);
    const email = 'grace@example.com';
    const seeded = await seedConsole(example.gdpr, email);
    browser = await launchChromium();
    walk = {
      browser,
      origin,
      gdpr: example.gdpr,
      app: 'express-console',
      log: createAuditLog(),
      email,
      ...seeded,
    };
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await example?.gdpr.close();
  });

  it(
    'SEED-06: a support agent (view only) gets 403 on each action',
    () => supportRefusedEachAction(walk),
    TIMEOUT,
  );

  it(
    'a DPO finds the overdue request, extends one, exports, records a breach, sweeps, prints a proof, verifies the audit chain and erases',
    () => dpoWalk(walk),
    TIMEOUT,
  );
});
