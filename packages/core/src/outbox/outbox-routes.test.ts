import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { createGdprRoutes } from '../http/routes/create-gdpr-routes.js';
import type { GdprHttpRequest } from '../http/routes/gdpr-http-types.js';
import { MemoryStore } from '../store/memory-store.js';
import type { GdprStore } from '../store/store-types.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';
import { InMemoryTransport } from '../transport/memory-transport.js';

/** The store, with a log of every method called on it. */
function recorded(store: MemoryStore): { store: GdprStore; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      return (...args: unknown[]) => {
        calls.push(name);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy as GdprStore, calls };
}

function setup() {
  const memory = new MemoryStore();
  const { store, calls } = recorded(memory);
  const transport = new InMemoryTransport();
  const gdpr = createGdprMail(
    testConfig({
      store,
      transport,
      mailer: {
        from: { address: 'privacy@acme.test' },
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      },
      // Only an explicit drain runs the work: what the answer costs is seen alone.
      outbox: { drainAfterResponse: false },
    }),
  );
  const { routes } = createGdprRoutes(gdpr);
  const route = (name: string) => routes.find((r) => r.name === name)!;
  const request = (body: unknown, cookies: Record<string, string> = {}): GdprHttpRequest => ({
    method: 'POST',
    path: '/',
    params: {},
    query: {},
    body,
    headers: { accept: 'application/json' },
    ip: '192.0.2.10',
    cookies,
  });
  async function csrf(form: 'signupForm' | 'dsarForm') {
    const shown = await route(form).handle({ ...request(undefined), method: 'GET' });
    const { csrf: field } = JSON.parse(String(shown.body)) as { csrf: string };
    const cookie = /gdpr_mail_csrf=([^;]+)/.exec(String(shown.headers['set-cookie']))?.[1] ?? '';
    return { field, cookies: { gdpr_mail_csrf: decodeURIComponent(cookie) } };
  }
  return { gdpr, calls, transport, route, request, csrf };
}

describe('#19 finding 2, REQ-21: the answer reads nothing the store knows about the address', () => {
  it('POST /signup stores one sealed item and answers; the suppression check and the mail come with the drain', async () => {
    const { gdpr, calls, transport, route, request, csrf } = setup();
    await gdpr.suppression.add('gone@example.org', 'erased');
    const { field, cookies } = await csrf('signupForm');
    for (const email of ['gone@example.org', 'new@example.org']) {
      calls.length = 0;
      const answer = await route('signup').handle(
        request({ email, purposes: ['newsletter'], _csrf: field }, cookies),
      );
      expect(answer.status).toBe(200);
      expect(JSON.parse(String(answer.body))).toEqual({ status: 'check-inbox' });
      // The same single write for both addresses, and no read.
      expect(calls).toEqual(['enqueueOutbox']);
    }
    expect(transport.sent).toHaveLength(0);
    expect(await gdpr.outbox.drain()).toEqual({ done: 2, retried: 0, dropped: 0 });
    expect(transport.sent.map((s) => s.message.to.address)).toEqual(['new@example.org']);
  });

  it('POST /dsar stores one sealed item and answers; the lookup and the link come with the drain', async () => {
    const { gdpr, calls, transport, route, request, csrf } = setup();
    await gdpr.consent.record({
      email: 'known@example.org',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    const { field, cookies } = await csrf('dsarForm');
    for (const email of ['known@example.org', 'nobody@example.org']) {
      calls.length = 0;
      const answer = await route('dsarRequest').handle(
        request({ email, type: 'access', _csrf: field }, cookies),
      );
      expect(JSON.parse(String(answer.body))).toEqual({ status: 'received' });
      expect(calls).toEqual(['enqueueOutbox']);
    }
    expect(transport.sent).toHaveLength(0);
    await gdpr.outbox.drain();
    expect(transport.sent.map((s) => s.message.to.address)).toEqual(['known@example.org']);
  });

  it('still answers a bad form at once, the same for every address, and queues nothing', async () => {
    const { gdpr, calls, route, request, csrf } = setup();
    await gdpr.suppression.add('gone@example.org', 'erased');
    const { field, cookies } = await csrf('signupForm');
    for (const email of ['gone@example.org', 'new@example.org']) {
      calls.length = 0;
      // A stale notice version: told now for a suppressed address too (was 200 for it, 409 for others).
      const stale = await route('signup').handle(
        request(
          { email, purposes: ['newsletter'], notice_newsletter: '0.9', _csrf: field },
          cookies,
        ),
      );
      expect(stale.status).toBe(409);
      const invisible = await route('signup').handle(
        request({ email: `a\u200b${email}`, purposes: ['newsletter'], _csrf: field }, cookies),
      );
      expect(JSON.parse(String(invisible.body)).code).toBe('INVALID_EMAIL');
      expect(calls).toEqual([]);
    }
    const dsar = await csrf('dsarForm');
    const bad = await route('dsarRequest').handle(
      request({ email: 'a\u200b@example.org', type: 'access', _csrf: dsar.field }, dsar.cookies),
    );
    expect(JSON.parse(String(bad.body)).code).toBe('INVALID_EMAIL');
    expect(await gdpr.store.listOutbox(10)).toEqual([]);
  });

  it('keeps the per-IP DSAR limit in front of the outbox (429 at once, nothing queued)', async () => {
    const { gdpr, route, request, csrf } = setup();
    const { field, cookies } = await csrf('dsarForm');
    const statuses: number[] = [];
    for (let i = 0; i < 21; i += 1) {
      const answer = await route('dsarRequest').handle(
        request({ email: `p${i}@example.org`, type: 'access', _csrf: field }, cookies),
      );
      statuses.push(answer.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses[20]).toBe(429);
    expect(await gdpr.store.listOutbox(100)).toHaveLength(20);
  });
});
