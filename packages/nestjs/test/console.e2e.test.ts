import { afterAll, beforeAll } from 'vitest';
import type { ExampleApp } from '../../../examples/nest-app/src/app.js';
import { browserGate } from '../../express/test/browser-audit.js';
import type { ConsoleWalk } from '../../express/test/console-walks.js';
import { consoleWalkTests, openConsoleWalk } from '../../express/test/console-walks.js';
import { startNestExample } from './example-server.js';

// Issue #24: the privacy console of the Nest example in Chromium, behind the example's
// own (demo) staff login: the same walks as the Express example's, every page audited
// with axe-core at 375 and 1280 px.
browserGate.describe('privacy console in headless Chromium (Nest example)', () => {
  let example: ExampleApp;
  let walk: ConsoleWalk;

  beforeAll(async () => {
    let origin: string;
    ({ example, origin } = await startNestExample());
    walk = await openConsoleWalk({
      gdpr: example.gdpr,
      origin,
      app: 'nest-console',
      email: 'hedy@example.com',
    });
  });

  afterAll(async () => {
    await walk?.browser.close();
    await example?.app.close();
  });

  consoleWalkTests(() => walk);
});
