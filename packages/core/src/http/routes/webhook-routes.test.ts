import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../../gdpr-mail.js';
import { testConfig } from '../../testing/fixtures.js';
import type { WebhookHandler } from '../../webhooks/webhook-handler.js';
import { createGdprHandler } from '../handler/create-gdpr-handler.js';
import { SECURITY_HEADERS } from './respond.js';

const handlers: WebhookHandler[] = [
  {
    name: 'accepting',
    handle: async (request) =>
      request.query.key === 'k-123'
        ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' }
        : { status: 401, body: 'no' },
  },
  {
    name: 'failing',
    handle: async () => {
      throw new Error('internals');
    },
  },
];

describe('provider webhook answers', () => {
  it('carry the security headers and Cache-Control: no-store, accepted, refused or failed', async () => {
    const gdpr = createGdprMail(testConfig());
    const handler = createGdprHandler(gdpr, { webhooks: handlers, onError: () => {} });
    const post = (path: string, body: unknown = 'x') =>
      handler(
        new Request(`https://app.acme.test/gdpr/webhooks/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      );
    try {
      const answers = {
        accepted: await post('accepting?key=k-123'),
        refused: await post('accepting'),
        failed: await post('failing'),
      };
      expect(Object.values(answers).map((r) => r.status)).toEqual([200, 401, 500]);
      for (const response of Object.values(answers)) {
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
          expect(response.headers.get(name)).toBe(value);
        }
        expect(response.headers.get('cache-control')).toBe('no-store');
      }
      // The handler's own headers stay.
      expect(answers.accepted.headers.get('content-type')).toBe('text/plain');
      expect(answers.failed.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      await gdpr.close();
    }
  });

  it('a body a parser already read: a 500 problem CONFIG_INVALID with the same headers', async () => {
    const gdpr = createGdprMail(testConfig());
    const errors: unknown[] = [];
    const handler = createGdprHandler(gdpr, {
      webhooks: handlers,
      onError: (error) => errors.push(error),
    });
    try {
      const response = await handler(
        new Request('https://app.acme.test/gdpr/webhooks/accepting?key=k-123', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
        }),
        { body: { parsed: true } },
      );
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const body = (await response.json()) as { code: string; detail?: string };
      expect(body.code).toBe('CONFIG_INVALID');
      expect(body.detail).toBe('The server could not complete the request.');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['CONFIG_INVALID']);
    } finally {
      await gdpr.close();
    }
  });
});
