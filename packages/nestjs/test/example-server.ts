import { MemoryStore } from '@gdpr-mail/core';
import type { ExampleApp } from '../../../examples/nest-app/src/app.js';
import { createExampleApp } from '../../../examples/nest-app/src/app.js';
import { freePort } from '../../../examples/nest-app/src/free-port.js';

/**
 * The Nest example listening on a free local port, on a memory store. It
 * listens on the port its links were made for, so mailed links work.
 */
export async function startNestExample(): Promise<{ example: ExampleApp; origin: string }> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const example = await createExampleApp({
    baseUrl: `${origin}/gdpr`,
    store: new MemoryStore(),
    logger: false,
  });
  await example.app.listen(port, '127.0.0.1');
  return { example, origin };
}
