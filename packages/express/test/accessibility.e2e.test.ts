import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '@gdpr-mail/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { ExampleApp } from '../../../examples/express-app/src/app.js';
import { createExampleApp } from '../../../examples/express-app/src/app.js';
import { browserGate, launchChromium, SCREENSHOT_ROOT } from './browser-audit.js';
import { fillBreach, seedConsole } from './console-walks.js';
import type { WcagExpectations } from './wcag-checks.js';
import { wcagAudit } from './wcag-checks.js';

// The European Accessibility Act (in force for e-commerce since June 2025) holds the pages a
// shop's customers reach from its mail to EN 301 549, i.e. WCAG 2.1 A and AA: every state of
// every public page (sign-up, confirmation, unsubscribe, preference centre, data requests,
// error pages), in English and in French, and the privacy console, each audited in Chromium
// with axe-core (any violation of a wcag2a/wcag2aa/wcag21a/wcag21aa rule fails, whatever its
// impact) and by the checks of wcag-checks.ts (keyboard, focus, lang, title, headings,
// errors tied to their field, reflow at 320 px, 200 % zoom, text spacing, no motion).

const TIMEOUT = 240_000;
const DAY = 86_400_000;

browserGate.describe('WCAG 2.1 AA in headless Chromium (Express example)', () => {
  let server: Server;
  let example: ExampleApp;
  let browser: Browser;
  let origin: string;
  /** Per page: what failed the bar (empty when the page passes). */
  const report: Record<string, string[]> = {};
  /** Per page: what axe-core could not decide, for a person to look at. */
  const review: Record<string, string[]> = {};

  async function check(page: Page, name: string, expected: WcagExpectations): Promise<void> {
    const audit = await wcagAudit(page, name, expected);
    report[name] = audit.problems;
    if (audit.review.length > 0) review[name] = audit.review;
  }

  async function newPage(locale: 'en' | 'fr'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: locale === 'fr' ? 'fr-FR' : 'en-GB',
      acceptDownloads: true,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return { context, page };
  }

  /** The newest mail's link whose path contains `path` (mails go out from the outbox). */
  async function mailedLink(path: string): Promise<string> {
    await example.gdpr.outbox.idle();
    for (const mail of [...example.inbox.mails].reverse()) {
      const found = mail.html?.match(new RegExp(`href="([^"]*${path}[^"]*)"`));
      if (found) return found[1]!.replaceAll('&amp;', '&');
    }
    throw new Error(`no mail links ${path}`);
  }

  /** A signed link of `type` that expired yesterday. */
  async function expiredLink(type: 'preferences' | 'confirm', email: string): Promise<string> {
    const subject = await example.gdpr.subjects.get(email);
    const token = example.gdpr.tokens.sign({
      type,
      subjectId: subject!.id,
      purposes: ['newsletter'],
      issuedAt: new Date(Date.now() - 3 * DAY),
      expiresAt: new Date(Date.now() - DAY),
    });
    return `${origin}/gdpr/${type}/${token}`;
  }

  /** A running job's page has no self-reload (WCAG 2.2.1): its "Check again" link is followed. */
  async function checkAgainUntil(page: Page, done: string): Promise<void> {
    for (let i = 0; i < 100 && (await page.locator(done).count()) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await page.getByRole('link', { name: 'Check again' }).click();
    }
    expect(await page.locator(done).count()).toBe(1);
  }

  /** The example's demo staff login, in front of the console. */
  async function login(page: Page, user: 'dpo' | 'support'): Promise<void> {
    await page.goto(`${origin}/login`);
    await page.selectOption('#user', user);
    await page.fill('#password', 'demo');
    await page.click('button[type="submit"]');
  }

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    example = createExampleApp({ baseUrl: `${origin}/gdpr`, store: new MemoryStore() });
    server.on('request', example.app);
    browser = await launchChromium();
  });

  afterAll(async () => {
    // The findings per page, for a reviewer: .tmp/e2e-screenshots/wcag-report.json.
    mkdirSync(SCREENSHOT_ROOT, { recursive: true });
    writeFileSync(
      `${SCREENSHOT_ROOT}wcag-report.json`,
      `${JSON.stringify({ report, review }, null, 2)}\n`,
    );
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await example?.gdpr.close();
  });

  it(
    'sign-up, confirmation, preference centre and unsubscribe, every state (English)',
    async () => {
      const { context, page } = await newPage('en');
      const en = { lang: 'en' };
      const email = 'ada@example.com';
      await page.goto(`${origin}/gdpr/signup`);
      await check(page, 'signup', en);
      await page.fill('#email', email);
      await page.click('button[type="submit"]');
      expect(await page.locator('h1').textContent()).toBe('Nothing was recorded');
      await check(page, 'signup-nothing-ticked', en);
      await page.goto(`${origin}/gdpr/signup`);
      await page.fill('#email', 'ada@localhost');
      await page.check('input[value="partners"]');
      await page.click('button[type="submit"]');
      expect(await page.locator('[role="alert"]').count()).toBe(1);
      await check(page, 'signup-error-invalid-email', { ...en, invalidField: '#email' });
      await page.fill('#email', email);
      await page.check('input[value="newsletter"]');
      await page.click('button[type="submit"]');
      expect(await page.locator('h1').textContent()).toBe('Check your inbox');
      await check(page, 'signup-check-inbox', en);

      const confirmUrl = await mailedLink('/gdpr/confirm/');
      await page.goto(confirmUrl);
      expect(await page.locator('h1').textContent()).toBe('Confirm your subscription');
      await check(page, 'confirm', en);
      await page.click('button[type="submit"]');
      expect(await page.locator('h1').textContent()).toBe('Subscription confirmed');
      await check(page, 'confirmed', en);
      await page.goto(confirmUrl);
      expect(await page.locator('h1').textContent()).toBe('This link was already used');
      await check(page, 'confirm-link-used', en);

      // The preference centre: three purposes and the tracking box, each with its notice.
      await page.goto(await example.gdpr.links.preferencesUrl(email));
      expect(await page.locator('input[type="checkbox"]').count()).toBe(4);
      await check(page, 'preferences', en);
      await page.check('input[value="product-news"]');
      await page.click('button[value="save"]');
      expect(await page.locator('[role="status"]').textContent()).toBe('Your choices are saved.');
      await check(page, 'preferences-saved', en);
      await page.goto(await expiredLink('preferences', email));
      expect(await page.locator('h1').textContent()).toBe('This link has expired');
      await check(page, 'preferences-error-expired', en);

      await page.goto(await example.gdpr.links.unsubscribeUrl(email, ['newsletter']));
      expect(await page.locator('h1').textContent()).toBe('Unsubscribe');
      await check(page, 'unsubscribe', en);
      await page.click('button[type="submit"]');
      expect(await page.locator('h1').textContent()).toBe('You are unsubscribed');
      await check(page, 'unsubscribed', en);
      await page.goto(await example.gdpr.links.preferencesUrl(email));
      await page.click('button[value="unsubscribe-all"]');
      expect(await page.locator('h1').textContent()).toBe('You are unsubscribed');
      await check(page, 'preferences-unsubscribed-all', en);
      await context.close();
    },
    TIMEOUT,
  );

  it(
    'data requests: form, its error, answer, verify page, confirmation, download (English)',
    async () => {
      const { context, page } = await newPage('en');
      const en = { lang: 'en' };
      const email = 'grace@example.com';
      await example.gdpr.consent.record({
        email,
        purposes: ['newsletter'],
        evidence: { action: 'affirmative', method: 'checkbox', source: 'signup-form' },
      });
      await page.goto(`${origin}/gdpr/dsar`);
      await check(page, 'dsar-form', en);
      await page.fill('#email', 'grace@localhost');
      await page.check('input[value="erasure"]');
      await page.click('button[type="submit"]');
      expect(await page.locator('[role="alert"]').count()).toBe(1);
      await check(page, 'dsar-error-invalid-email', { ...en, invalidField: '#email' });
      await page.fill('#email', email);
      await page.check('input[value="access"]');
      await page.click('button[type="submit"]');
      expect(await page.locator('h1').textContent()).toBe('Request received');
      await check(page, 'dsar-received', en);
      await page.goto(await mailedLink('/gdpr/dsar/verify/'));
      expect(await page.locator('h1').textContent()).toBe('Confirm your request');
      await check(page, 'dsar-verify', en);
      await page.click('button[type="submit"]');
      expect(await page.locator('h1').textContent()).toBe('Request confirmed');
      await check(page, 'dsar-confirmed', en);
      const downloadUrl = await mailedLink('/gdpr/dsar/download/');
      await page.goto(downloadUrl);
      expect(await page.locator('h1').textContent()).toBe('Download your data');
      await check(page, 'dsar-download', en);
      await Promise.all([page.waitForEvent('download'), page.click('button[type="submit"]')]);
      await page.goto(downloadUrl);
      await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
      expect(await page.locator('h1').textContent()).toBe('This link was already used');
      await check(page, 'error-download-used', en);
      await page.goto(`${origin}/gdpr/dsar/verify/not-a-real-token`);
      await page.click('button[type="submit"]');
      expect(await page.locator('h1').textContent()).toBe('This link does not work');
      await check(page, 'error-dsar-link-broken', en);
      await context.close();
    },
    TIMEOUT,
  );

  it(
    'error pages: forged and expired links, 404, 405, 429 (English)',
    async () => {
      const { context, page } = await newPage('en');
      const en = { lang: 'en' };
      expect((await page.goto(`${origin}/gdpr/confirm/not-a-real-token`))?.status()).toBe(400);
      await check(page, 'error-forged-link', en);
      await example.gdpr.consent.record({
        email: 'linus@example.com',
        purposes: ['newsletter'],
        evidence: { action: 'affirmative', method: 'checkbox', source: 'signup-form' },
      });
      expect((await page.goto(await expiredLink('confirm', 'linus@example.com')))?.status()).toBe(
        410,
      );
      await check(page, 'error-expired-link', en);
      expect((await page.goto(`${origin}/gdpr/nothing-here`))?.status()).toBe(404);
      await check(page, 'error-not-found', en);
      // A browser only sends GET and POST; the page a DELETE gets is still a page.
      await page.route(`${origin}/gdpr/signup`, (route) => route.continue({ method: 'DELETE' }));
      expect((await page.goto(`${origin}/gdpr/signup`))?.status()).toBe(405);
      await page.unroute(`${origin}/gdpr/signup`);
      await check(page, 'error-method-not-allowed', en);
      // The sign-up's rate limit (10 a minute per IP, fixed windows): the form comes back,
      // with a 429. Enough tries to pass a window that turns over in between.
      let status: number | undefined;
      for (let i = 0; i < 30 && status !== 429; i++) {
        await page.goto(`${origin}/gdpr/signup`);
        await page.fill('#email', `many${i}@example.com`);
        await page.check('input[value="newsletter"]');
        const [answer] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST'),
          page.click('button[type="submit"]'),
        ]);
        status = answer.status();
      }
      expect(status).toBe(429);
      await page.waitForLoadState();
      await check(page, 'signup-rate-limited', en);
      await context.close();
    },
    TIMEOUT,
  );

  it(
    'the same pages in French: lang="fr" and nothing else to fix',
    async () => {
      const { context, page } = await newPage('fr');
      const fr = { lang: 'fr' };
      const email = 'marie@example.com';
      await page.goto(`${origin}/gdpr/signup`);
      expect(await page.locator('h1').textContent()).toBe('Inscription');
      await check(page, 'fr-signup', fr);
      await page.goto(`${origin}/gdpr/dsar`);
      await page.fill('#email', 'marie@localhost');
      await page.click('button[type="submit"]');
      await check(page, 'fr-dsar-error-invalid-email', { ...fr, invalidField: '#email' });
      await example.gdpr.consent.record({
        email,
        purposes: ['newsletter', 'partners'],
        evidence: { action: 'affirmative', method: 'checkbox', source: 'signup-form' },
      });
      await page.goto(await example.gdpr.links.preferencesUrl(email));
      await check(page, 'fr-preferences', fr);
      await page.goto(await example.gdpr.links.unsubscribeUrl(email, 'all'));
      await check(page, 'fr-unsubscribe', fr);
      await page.goto(`${origin}/gdpr/nothing-here`);
      await check(page, 'fr-error-not-found', fr);
      await context.close();
    },
    TIMEOUT,
  );

  it(
    'the privacy console: login, lists, person, forms, errors, in English and French',
    async () => {
      const seeded = await seedConsole(example.gdpr, 'hedy@example.com');
      const { context, page } = await newPage('en');
      const en = { lang: 'en' };
      const base = `${origin}/admin/privacy`;
      await page.goto(`${origin}/login`);
      await check(page, 'console-login', en);
      await login(page, 'dpo');
      expect(new URL(page.url()).pathname).toBe('/admin/privacy/requests');
      await check(page, 'console-requests', en);
      await page.goto(`${base}/requests/${seeded.erasure.id}`);
      await check(page, 'console-request', en);
      await page.fill('#confirm', 'nope');
      await page.click('form[action$="/erase"] button[type="submit"]');
      expect(await page.locator('[role="alert"]').count()).toBe(1);
      await check(page, 'console-erase-refused', { ...en, invalidField: '#confirm' });
      // Blank reasons pass the browser's `required`, not the SDK (Art. 12(4)).
      await page.fill('#reject-reason', '   ');
      await page.click('form[action$="/reject"] button[type="submit"]');
      expect(await page.locator('[role="alert"]').count()).toBe(1);
      await check(page, 'console-reject-refused', { ...en, invalidField: '#reject-reason' });
      // A rectification request and a completed restriction request of the same person.
      const rectification = { ...seeded.erasure, id: randomUUID(), type: 'rectification' as const };
      const restriction = { ...seeded.erasure, id: randomUUID(), type: 'restriction' as const };
      for (const r of [rectification, restriction]) await example.gdpr.store.putDsarRequest(r, 0);
      await example.gdpr.dsar.restrict(restriction.id, 'accuracy contested', 'subject');
      await example.gdpr.dsar.complete(restriction.id, 'subject');
      await page.goto(`${base}/requests/${rectification.id}`);
      await check(page, 'console-request-rectification', en);
      await page.fill('#rectify-country', '12');
      await page.click('form[action$="/rectify"] button[type="submit"]');
      expect(await page.locator('[role="alert"]').count()).toBe(1);
      await check(page, 'console-rectify-refused', { ...en, invalidField: '#rectify-country' });
      await page.goto(`${base}/requests/${restriction.id}`);
      await check(page, 'console-request-restricted', en);
      await page.fill('#lift-how', '   ');
      await page.fill('#lift-toldAt', new Date(Date.now() - DAY).toISOString().slice(0, 10));
      await page.click('form[action$="/lift-restriction"] button[type="submit"]');
      expect(await page.locator('[role="alert"]').count()).toBe(1);
      await check(page, 'console-lift-refused', { ...en, invalidField: '#lift-how' });
      await page.goto(`${base}/person`);
      await check(page, 'console-person-lookup', en);
      await page.fill('#email', 'nobody@example.com');
      await page.click('button[type="submit"]');
      await check(page, 'console-person-not-found', { ...en, invalidField: '#email' });
      await page.goto(`${base}/person/${seeded.subjectId}`);
      await check(page, 'console-person', en);
      await page.goto(`${base}/person/${seeded.subjectId}/proof/newsletter`);
      await check(page, 'console-proof', en);
      await page.goto(`${base}/breaches`);
      await check(page, 'console-breaches', en);
      await fillBreach(page);
      await page.click('form[action$="/admin/privacy/breaches"] button[type="submit"]');
      await page.waitForURL(/\/breaches\/[^/]+$/);
      await check(page, 'console-breach', en);
      // Retention: a plan and a sweep still running (held back here) show their progress.
      const retention = example.gdpr.retention;
      const realPlan = retention.plan.bind(retention);
      let releasePlan: () => void = () => undefined;
      const planGate = new Promise<void>((resolve) => {
        releasePlan = resolve;
      });
      const plan = vi.spyOn(retention, 'plan').mockImplementation(async (options) => {
        await planGate;
        return realPlan(options);
      });
      await page.goto(`${base}/retention`);
      expect(await page.locator('[data-plan="running"]').count()).toBe(1);
      await check(page, 'console-retention-plan-running', en);
      releasePlan();
      await checkAgainUntil(page, '[data-plan="done"]');
      plan.mockRestore();
      await check(page, 'console-retention', en);
      const realSweep = retention.sweep.bind(retention);
      let finishSweep: () => void = () => undefined;
      const sweep = vi.spyOn(retention, 'sweep').mockImplementation(async (options) => {
        options?.onProgress?.({
          now: new Date(),
          scanned: 100,
          deleted: 0,
          anonymised: 0,
          archived: 0,
          failed: 0,
          batches: 1,
        });
        await new Promise<void>((resolve) => {
          finishSweep = resolve;
        });
        return realSweep(options);
      });
      await page.click('form[action$="/retention/sweep"] button[type="submit"]');
      expect(await page.locator('[data-sweep="running"]').count()).toBe(1);
      await check(page, 'console-sweep-running', en);
      finishSweep();
      await checkAgainUntil(page, '[data-sweep="done"]');
      sweep.mockRestore();
      await check(page, 'console-sweep', en);
      await page.goto(`${base}/records`);
      await check(page, 'console-records', en);
      await page.goto(`${base}/audit`);
      await check(page, 'console-audit', en);
      await page.click('button[type="submit"]');
      await check(page, 'console-audit-verified', en);
      await page.goto(`${base}/nothing-here`);
      await check(page, 'console-not-found', en);
      await page.route(`${base}/audit`, (route) => route.continue({ method: 'DELETE' }));
      expect((await page.goto(`${base}/audit`))?.status()).toBe(405);
      await page.unroute(`${base}/audit`);
      await check(page, 'console-method-not-allowed', en);

      await context.close();

      // The console in French: a staff member whose browser asks for it.
      const french = await newPage('fr');
      await login(french.page, 'dpo');
      const fr = { lang: 'fr' };
      await french.page.goto(`${base}/requests/${seeded.erasure.id}`);
      await check(french.page, 'fr-console-request', fr);
      await french.page.goto(`${base}/requests/${rectification.id}`);
      await check(french.page, 'fr-console-request-rectification', fr);
      await french.page.goto(`${base}/nothing-here`);
      // WCAG 3.1.2: the console's own words are French on a French page …
      expect(await french.page.locator('[role="alert"]').textContent()).toBe(
        'Il n’y a pas de page de la console à cette adresse.',
      );
      await check(french.page, 'fr-console-not-found', fr);
      await french.page.goto(`${base}/person/not-a-subject`);
      // … and the core's English message is marked as English.
      expect(await french.page.locator('[role="alert"] [lang="en"]').textContent()).toBe(
        'No one is on record with this id.',
      );
      await check(french.page, 'fr-console-person-unknown', fr);
      await french.page.goto(`${base}/records`);
      expect(await french.page.locator('thead').first().textContent()).toContain('Destinataires');
      await check(french.page, 'fr-console-records', fr);
      await french.context.close();

      // A support agent (view only) meets the refusal page.
      const support = await newPage('en');
      await login(support.page, 'support');
      await support.page.goto(`${base}/retention`);
      await support.page.locator('[data-plan="done"]').waitFor({ timeout: 30_000 });
      await support.page.click('form[action$="/retention/sweep"] button[type="submit"]');
      expect(await support.page.locator('[data-code="FORBIDDEN"]').count()).toBe(1);
      await check(support.page, 'console-forbidden', en);
      await support.context.close();
    },
    TIMEOUT,
  );

  it('every page meets WCAG 2.1 A and AA', () => {
    expect(Object.keys(report).length).toBeGreaterThanOrEqual(40);
    expect(Object.values(report).flat()).toEqual([]);
  });
});
