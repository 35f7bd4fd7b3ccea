import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { createGdprRoutes } from '../http/routes/create-gdpr-routes.js';
import type { GdprHttpRequest } from '../http/routes/gdpr-http-types.js';
import { MemoryStore } from '../store/memory-store.js';
import { testConfig } from '../testing/fixtures.js';
import { createTestClock } from '../testing/test-clock.js';
import { InMemoryTransport } from '../transport/memory-transport.js';

async function* lines(text: string): AsyncGenerator<string> {
  yield text;
}

function request(method: 'GET' | 'POST', token: string, html: boolean): GdprHttpRequest {
  return {
    method,
    path: `/re-permission/${token}`,
    params: { token },
    query: {},
    body: method === 'POST' ? { token } : undefined,
    headers: { accept: html ? 'text/html' : 'application/json', 'user-agent': 'Mail client' },
    ip: '198.51.100.7',
    cookies: {},
  };
}

describe('re-permission routes (SEED-02, REQ-18)', () => {
  it('GET shows one button and changes nothing; POST records the consent once', async () => {
    const store = new MemoryStore();
    const clock = createTestClock('2026-03-01T09:00:00.000Z');
    const transport = new InMemoryTransport();
    const gdpr = createGdprMail(
      testConfig({
        store,
        clock,
        transport,
        mailer: { from: { address: 'news@acme.test' }, unsubscribeMailto: 'u@acme.test' },
      }),
    );
    await gdpr.contacts.import(lines('email\nlegacy@example.org\n'), {
      basis: 'consent',
      purposes: ['newsletter'],
      list: 'Legacy',
      source: 'Old CRM',
    });
    await gdpr.repermission.send({
      purposeId: 'newsletter',
      deadline: new Date(clock().getTime() + 7 * 86_400_000),
    });
    const text = transport.sent[0]?.message.text ?? '';
    const token = /\/gdpr\/re-permission\/(\S+)/.exec(text)?.[1];
    expect(token).toBeDefined();
    const { routes } = createGdprRoutes(gdpr);
    const page = routes.find((r) => r.name === 'repermissionPage')!;
    const post = routes.find((r) => r.name === 'repermission')!;
    expect(page.path).toBe('/re-permission/:token');

    const before = store.dump();
    const shown = await page.handle(request('GET', token!, true));
    expect(shown.status).toBe(200);
    expect(String(shown.body)).toContain(
      `<form method="post" action="/gdpr/re-permission/${token}">`,
    );
    expect(String(shown.body)).toContain('Monthly newsletter');
    const json = await page.handle(request('GET', token!, false));
    expect(JSON.parse(String(json.body))).toMatchObject({ maskedEmail: 'l***@example.org' });
    expect(store.dump()).toBe(before);

    const done = await post.handle(request('POST', token!, false));
    expect(done.status).toBe(200);
    expect(JSON.parse(String(done.body))).toMatchObject({
      status: 'confirmed',
      purposes: ['newsletter'],
    });
    const events = await gdpr.consent.history('legacy@example.org');
    expect(events.at(-1)?.proof).toMatchObject({
      method: 'double-opt-in',
      source: 're-permission',
    });
    const replay = await post.handle(request('POST', token!, false));
    expect(replay.status).toBe(409);
  });
});
