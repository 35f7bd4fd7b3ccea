import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../../gdpr-mail.js';
import { testConfig } from '../../testing/fixtures.js';
import type { WebhookHandler } from '../../webhooks/webhook-handler.js';
import { createGdprHandler } from './create-gdpr-handler.js';

const received: string[] = [];
const echo: WebhookHandler = {
  name: 'echo',
  handle: async (request) => {
    received.push(request.rawBody);
    return { status: 200, body: 'ok' };
  },
};

// A body the framework already read and kept (Express's `express.raw()` or `express.text()`
// app-wide, Nest's `rawBody: true`) and sent chunked: no Content-Length to check it by.
const chunked = (path: string) =>
  new Request(`https://app.acme.test/gdpr${path}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', accept: 'application/json' },
  });

describe('webhookBodyLimit (docs/express.md#provider-webhooks)', () => {
  it('holds a raw body a framework kept to the limit, with no Content-Length to go by', async () => {
    const gdpr = createGdprMail(testConfig());
    const handler = createGdprHandler(gdpr, { webhooks: [echo], webhookBodyLimit: 100 });
    received.length = 0;
    try {
      const asText = await handler(chunked('/webhooks/echo'), { body: 'x'.repeat(101) });
      const asBytes = await handler(chunked('/webhooks/echo'), {
        body: new Uint8Array(101).fill(120),
      });
      // Counted in bytes, not characters: 51 × "é" is 51 characters and 102 bytes.
      const multiByte = await handler(chunked('/webhooks/echo'), { body: 'é'.repeat(51) });
      for (const response of [asText, asBytes, multiByte]) {
        expect(response.status).toBe(413);
        expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      }
      expect(received).toEqual([]);
      const within = await handler(chunked('/webhooks/echo'), { body: 'x'.repeat(100) });
      expect(within.status).toBe(200);
      expect(received).toEqual(['x'.repeat(100)]);
    } finally {
      await gdpr.close();
    }
  });

  it('is 1 MB by default', async () => {
    const gdpr = createGdprMail(testConfig());
    const handler = createGdprHandler(gdpr, { webhooks: [echo] });
    try {
      const over = await handler(chunked('/webhooks/echo'), { body: 'x'.repeat(1024 ** 2 + 1) });
      expect(over.status).toBe(413);
      const at = await handler(chunked('/webhooks/echo'), { body: 'x'.repeat(1024 ** 2) });
      expect(at.status).toBe(200);
    } finally {
      await gdpr.close();
    }
  });
});
