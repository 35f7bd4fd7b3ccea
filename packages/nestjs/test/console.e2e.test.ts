import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import type { ExampleApp } from '../../../examples/nest-app/src/app.js';
import { browserGate, createAuditLog, launchChromium } from '../../express/test/browser-audit.js';
import type { ConsoleWalk } from '../../express/test/console-walks.js';
import {
  dpoWalk,
  seedConsole,
  supportRefusedEachAction,
} from '../../express/test/console-walks.js';
import { startNestExample } from './example-server.js';

// Issue #24: the privacy console of the Nest example in Chromium, behind the example's
// own (demo) staff login: the same walks as the Express example's, every page audited
// with axe-core at 375 and 1280 px.
const TIMEOUT = 240_000;

browserGate.describe('privacy console in headless Chromium (Nest example)', () => {
  let example: ExampleApp;
  let browser: Browser;
  let walk: ConsoleWalk;

  beforeAll(async () => {
    let origin: string;
    ({ example, origin } = await startNestExample());
    const email = 'hedy@example.com';
    const seeded = await seedConsole(example.gdpr, email);
    browser = await launchChromium();
    walk = {
      browser,
      origin,
      gdpr: example.gdpr,
      app: 'nest-console',
      log: createAuditLog(),
      email,
      ...seeded,
    };
  });

  afterAll(async () => {
    await browser?.close();
    await example?.app.close();
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
