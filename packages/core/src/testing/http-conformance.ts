import { describe, expect, it } from 'vitest';
import type { GdprMailConfig } from '../config/config-schema.js';
import type { GdprMail } from '../gdpr-mail.js';
import type { GdprHandlerOptions } from '../http/handler/create-gdpr-handler.js';
import { createMemoryRateLimiter } from '../http/rate-limiter.js';
import { MemoryStore } from '../store/memory-store.js';
import { InMemoryTransport } from '../transport/memory-transport.js';
import type { WebhookHandler, WebhookRequest } from '../webhooks/webhook-handler.js';
import { checkboxEvidence, testConfig } from './fixtures.js';

/** A server the adapter under test runs, listening on loopback. */
export interface HttpConformanceApp {
  /** Its origin, e.g. `http://127.0.0.1:41234`: the routes answer under `/gdpr`. */
  url: string;
  close(): Promise<void>;
}

export interface HttpConformanceOptions {
  /** `createGdprMail` from `@gdpr-mail/core`: passed in so this entry does not bundle the SDK. */
  createGdprMail: (config: GdprMailConfig) => GdprMail;
  /** Mounts the adapter at `/gdpr` with exactly these options and listens on 127.0.0.1. */
  mount(gdpr: GdprMail, options: GdprHandlerOptions): Promise<HttpConformanceApp>;
}

const EMAIL = 'http-conformance@example.org';

/** The one cookie a form sets, as a browser would send it back. */
function cookieOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
}

const form = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const one of Array.isArray(value) ? value : [value]) params.append(name, one);
  }
  return params.toString();
};

/** A mailed link's path and query: the app under test serves it on its own origin. */
const pathOf = (url: string) => {
  const { pathname, search } = new URL(url);
  return `${pathname}${search}`;
};

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_CLIENT = { accept: 'application/json' };

/**
 * The same requests and the same answers for every HTTP adapter (Express,
 * Nest, Fastify, the bare handler under Hono…): signup with CSRF, confirm,
 * RFC 8058 one-click without cookies, problem details, preferences, the DSAR
 * download and a provider webhook with its raw body.
 */
export function runHttpConformance(name: string, options: HttpConformanceOptions): void {
  async function start(extra: GdprHandlerOptions = {}) {
    const transport = new InMemoryTransport();
    const webhookCalls: WebhookRequest[] = [];
    const webhook: WebhookHandler = {
      name: 'conformance',
      handle: async (request) => {
        webhookCalls.push(request);
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
      },
    };
    const gdpr = options.createGdprMail(
      testConfig({
        store: new MemoryStore(),
        transport,
        mailer: {
          from: { address: 'privacy@acme.test' },
          retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        },
      }),
    );
    const app = await options.mount(gdpr, {
      secureCookies: false,
      signup: { rateLimiter: createMemoryRateLimiter({ limit: 1000, windowMs: 60_000 }) },
      webhooks: [webhook],
      webhookBodyLimit: 1000,
      ...extra,
    });
    const call = (path: string, init: RequestInit = {}) => fetch(`${app.url}${path}`, init);
    /** The path of the last link of that kind mailed to the address. */
    const link = (path: string) => {
      const text = transport.sentTo(EMAIL).at(-1)?.message.text ?? '';
      const found = new RegExp(`https://app\\.acme\\.test(/gdpr${path}/[^\\s>"]+)`).exec(text)?.[1];
      if (!found) throw new Error(`no ${path} link mailed`);
      return found;
    };
    const close = async () => {
      await app.close();
      await gdpr.close();
    };
    return { gdpr, call, link, webhookCalls, close };
  }
  type Started = Awaited<ReturnType<typeof start>>;

  async function signUp(t: Started, purposes: string[]): Promise<Response> {
    const page = await t.call('/gdpr/signup', { headers: JSON_CLIENT });
    const { csrf } = (await page.json()) as { csrf: string };
    const answer = await t.call('/gdpr/signup', {
      method: 'POST',
      headers: { ...FORM, ...JSON_CLIENT, cookie: cookieOf(page) },
      body: form({ email: EMAIL, purposes, _csrf: csrf }),
    });
    await t.gdpr.outbox.idle();
    return answer;
  }

  async function subscribed(t: Started) {
    await signUp(t, ['newsletter', 'partners']);
    const confirmed = await t.call(t.link('/confirm'), { method: 'POST', headers: JSON_CLIENT });
    expect(confirmed.status).toBe(200);
  }

  describe(`HTTP conformance: ${name}`, () => {
    it('REQ-01: signup gives a form with a CSRF pair, and a ticked form starts double opt-in', async () => {
      const t = await start();
      try {
        const page = await t.call('/gdpr/signup', { headers: { accept: 'text/html' } });
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(page.headers.get('referrer-policy')).toBe('no-referrer');
        expect(page.headers.getSetCookie()[0]).toMatch(/HttpOnly; SameSite=Strict/);
        expect(await page.text()).toContain('name="_csrf"');
        const answer = await signUp(t, ['newsletter', 'partners']);
        expect(answer.status).toBe(200);
        expect(await answer.json()).toEqual({ status: 'check-inbox' });
        const view = await t.call(t.link('/confirm'), { headers: JSON_CLIENT });
        expect(((await view.json()) as { purposes: unknown[] }).purposes).toHaveLength(2);
        expect((await t.gdpr.canSend(EMAIL, 'newsletter')).allowed).toBe(false);
      } finally {
        await t.close();
      }
    });

    it('confirm: the mailed link records consent on POST only', async () => {
      const t = await start();
      try {
        await subscribed(t);
        expect((await t.gdpr.canSend(EMAIL, 'newsletter')).allowed).toBe(true);
        const again = await t.call(t.link('/confirm'), { method: 'POST', headers: JSON_CLIENT });
        expect(again.status).toBe(409);
        expect(((await again.json()) as { code: string }).code).toBe('TOKEN_USED');
      } finally {
        await t.close();
      }
    });

    it('REQ-12: one-click unsubscribe works without cookies, answers 200 twice, never redirects', async () => {
      const t = await start();
      try {
        await subscribed(t);
        const target = pathOf(await t.gdpr.links.unsubscribeUrl(EMAIL, ['newsletter']));
        const view = await t.call(target, { headers: { accept: 'text/html' } });
        expect(view.status).toBe(200);
        expect((await t.gdpr.canSend(EMAIL, 'newsletter')).allowed).toBe(true);
        for (let i = 0; i < 2; i += 1) {
          const answer = await t.call(target, {
            method: 'POST',
            headers: FORM,
            body: 'List-Unsubscribe=One-Click',
            redirect: 'manual',
          });
          expect(answer.status).toBe(200);
          expect(answer.headers.getSetCookie()).toEqual([]);
        }
        expect((await t.gdpr.canSend(EMAIL, 'newsletter')).allowed).toBe(false);
      } finally {
        await t.close();
      }
    });

    it('CSRF: a signup without the pair and a cross-site preferences post are refused', async () => {
      const t = await start();
      try {
        const forged = await t.call('/gdpr/signup', {
          method: 'POST',
          headers: { ...FORM, ...JSON_CLIENT },
          body: form({ email: EMAIL, purposes: 'newsletter', _csrf: 'forged' }),
        });
        expect(forged.status).toBe(403);
        expect(((await forged.json()) as { code: string }).code).toBe('CSRF_FAILED');
        await subscribed(t);
        const crossSite = await t.call(pathOf(await t.gdpr.links.preferencesUrl(EMAIL)), {
          method: 'POST',
          headers: { ...FORM, ...JSON_CLIENT, 'sec-fetch-site': 'cross-site' },
          body: form({ action: 'unsubscribe-all' }),
        });
        expect(crossSite.status).toBe(403);
        expect((await t.gdpr.canSend(EMAIL, 'newsletter')).allowed).toBe(true);
      } finally {
        await t.close();
      }
    });

    it('problems: RFC 9457 bodies for 404, 405, a forged token, a body too large, bad JSON', async () => {
      const t = await start();
      try {
        const expectProblem = async (response: Response, status: number, code: string) => {
          expect(response.status).toBe(status);
          expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(response.headers.get('cache-control')).toBe('no-store');
          expect(await response.json()).toMatchObject({ status, code });
        };
        await expectProblem(await t.call('/gdpr/nowhere'), 404, 'NOT_FOUND');
        await expectProblem(
          await t.call('/gdpr/signup', { method: 'DELETE' }),
          405,
          'METHOD_NOT_ALLOWED',
        );
        const forged = { method: 'POST', headers: FORM, body: 'List-Unsubscribe=One-Click' };
        await expectProblem(await t.call('/gdpr/u/forged', forged), 400, 'TOKEN_INVALID');
        const big = { ...forged, body: `List-Unsubscribe=One-Click&x=${'y'.repeat(20_000)}` };
        await expectProblem(await t.call('/gdpr/u/forged', big), 413, 'PAYLOAD_TOO_LARGE');
        const json = { method: 'POST', headers: { 'content-type': 'application/json' } };
        await expectProblem(
          await t.call('/gdpr/signup', { ...json, body: '{"email":' }),
          400,
          'VALIDATION_FAILED',
        );
        const html = await t.call('/gdpr/u/forged', { headers: { accept: 'text/html' } });
        expect(html.status).toBe(400);
        expect(html.headers.get('content-type')).toMatch(/^text\/html/);
      } finally {
        await t.close();
      }
    });

    it('REQ-10: preferences show the choices and save a withdrawal', async () => {
      const t = await start();
      try {
        await subscribed(t);
        const target = pathOf(await t.gdpr.links.preferencesUrl(EMAIL));
        const view = await t.call(target, { headers: JSON_CLIENT });
        const { items } = (await view.json()) as { items: { id: string; subscribed: boolean }[] };
        expect(items.find((item) => item.id === 'partners')?.subscribed).toBe(true);
        const saved = await t.call(target, {
          method: 'POST',
          headers: { ...FORM, ...JSON_CLIENT, 'sec-fetch-site': 'same-origin' },
          body: form({ purposes: ['newsletter'] }),
        });
        expect(saved.status).toBe(200);
        expect(((await saved.json()) as { saved: boolean }).saved).toBe(true);
        expect((await t.gdpr.canSend(EMAIL, 'newsletter')).allowed).toBe(true);
        expect((await t.gdpr.canSend(EMAIL, 'partners')).allowed).toBe(false);
      } finally {
        await t.close();
      }
    });

    it('REQ-21, REQ-22: a DSAR from the form, verified by link, downloads once as a stream', async () => {
      const t = await start();
      try {
        await t.gdpr.consent.record({
          email: EMAIL,
          purposes: ['newsletter'],
          evidence: checkboxEvidence,
        });
        const page = await t.call('/gdpr/dsar', { headers: JSON_CLIENT });
        const { csrf } = (await page.json()) as { csrf: string };
        const received = await t.call('/gdpr/dsar', {
          method: 'POST',
          headers: { ...FORM, ...JSON_CLIENT, cookie: cookieOf(page) },
          body: form({ email: EMAIL, type: 'access', _csrf: csrf }),
        });
        expect(await received.json()).toEqual({ status: 'received' });
        await t.gdpr.outbox.idle();
        const verified = await t.call(t.link('/dsar/verify'), {
          method: 'POST',
          headers: JSON_CLIENT,
        });
        expect(await verified.json()).toEqual({ status: 'confirmed', type: 'access' });
        const download = t.link('/dsar/download');
        const file = await t.call(download, { method: 'POST' });
        expect(file.status).toBe(200);
        expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="my-data-/);
        const bundle = JSON.parse(await file.text()) as { subject: { email: string } };
        expect(bundle.subject.email).toBe(EMAIL);
        const again = await t.call(download, { method: 'POST', headers: JSON_CLIENT });
        expect(((await again.json()) as { code: string }).code).toBe('TOKEN_USED');
      } finally {
        await t.close();
      }
    });

    it('REQ-13: a provider webhook gets the exact raw body and its query, within its limit', async () => {
      const t = await start();
      try {
        const raw = '[ {"event": "unsub",  "n": 1} ]';
        const answer = await t.call('/gdpr/webhooks/conformance?key=k-1', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: raw,
        });
        expect(answer.status).toBe(200);
        expect(await answer.text()).toBe('ok');
        expect(t.webhookCalls).toHaveLength(1);
        expect(t.webhookCalls[0]?.rawBody).toBe(raw);
        expect(t.webhookCalls[0]?.query.key).toBe('k-1');
        const big = await t.call('/gdpr/webhooks/conformance', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'x'.repeat(2000),
        });
        expect(big.status).toBe(413);
        expect(t.webhookCalls).toHaveLength(1);
      } finally {
        await t.close();
      }
    });
  });
}
