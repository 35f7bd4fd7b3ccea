import { afterEach, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('serves the OpenAPI document at {basePath}/openapi.json only when asked, webhooks listed', async () => {
  h = await startHarness({
    openapi: { title: 'Shop privacy API' },
    webhooks: [{ name: 'mailjet', handle: async () => ({ status: 200 }) }],
  });
  const doc = await h.agent().get('/gdpr/openapi.json').expect(200);
  expect(doc.body.openapi).toBe('3.1.0');
  expect(doc.body.info.title).toBe('Shop privacy API');
  expect(JSON.stringify(doc.body.paths)).toContain('/webhooks/mailjet');
  await h.close();
  h = await startHarness();
  const none = await h.agent().get('/gdpr/openapi.json').expect(404);
  expect(none.body.code).toBe('NOT_FOUND');
});
