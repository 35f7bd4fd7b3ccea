import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ExampleApp } from '../../../examples/nest-app/src/app.js';
import {
  auditErrorPages,
  browserGate,
  createAuditLog,
  expectAuditsClean,
  launchChromium,
  REQUIRED_PAGES,
} from '../../express/test/browser-audit.js';
import { walkDataCopyRequest, walkHonestSignup } from '../../express/test/example-flows.js';
import { startNestExample } from './example-server.js';

const APP = 'nest';
// Each audited page costs about a second (axe, two screenshots): the flows get room for it.
const AUDITED_TIMEOUT = 180_000;

// Issue #21: the Nest example in headless Chromium, every page checked with axe-core,
// at 375 px for sideways scroll, and left as screenshots under .tmp/e2e-screenshots/nest.
browserGate.describe('Nest example app in headless Chromium', () => {
  let example: ExampleApp;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const email = 'lin@example.com';
  const log = createAuditLog();
  const audit = (name: string, options?: { exclude?: string[] }) =>
    log.audit(page, APP, name, options);

  beforeAll(async () => {
    ({ example, origin } = await startNestExample());
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await example?.app.close();
  });

  const walk = () => ({ page, origin, audit, openNewestMail });

  async function openNewestMail(): Promise<void> {
    await example.gdpr.outbox.idle();
    await page.goto(`${origin}/dev/inbox`);
    await page.locator('ul.mails li').first().locator('a').click();
    await page.click('a:has-text("Open the HTML body on its own page")');
  }

  it(
    'signup → the member page refused in HTML → confirm → the member page opens',
    async () => {
      await page.goto(`${origin}/`);
      await audit('home');
      // Before any consent, a browser gets an HTML 403 page with a way in, not raw JSON.
      const refused = await page.goto(`${origin}/members/tips?as=${email}`);
      expect(refused?.status()).toBe(403);
      expect(refused?.headers()['content-type']).toMatch(/^text\/html/);
      expect(await page.locator('h1').textContent()).toBe(
        'This page is for newsletter subscribers',
      );
      await audit('members-forbidden');
      await page.click('a:has-text("Subscribe to the newsletter")');
      expect(await page.locator('h1').textContent()).toBe('Sign up');
      await audit('signup');

      await page.fill('#email', email);
      await page.check('input[value="newsletter"]');
      await page.click('button[type="submit"]');
      await expect.poll(() => page.locator('h1').textContent()).toBe('Check your inbox');
      await audit('signup-check-inbox');

      await example.gdpr.outbox.idle();
      await page.goto(`${origin}/dev/inbox`);
      await audit('dev-inbox');
      await page.locator('ul.mails li').first().locator('a').click();
      expect(await page.locator('dl.headers dt:text-is("To") + dd').textContent()).toBe(email);
      await audit('dev-inbox-mail', { exclude: ['iframe'] });
      await page.click('a:has-text("Open the HTML body on its own page")');
      await audit('mail-double-opt-in');
      await page.locator('a[href*="/gdpr/confirm/"]').click();
      expect(await page.locator('h1').textContent()).toBe('Confirm your subscription');
      await audit('confirm');
      await page.click('button[type="submit"]');
      expect(await page.locator('h1').textContent()).toBe('Subscription confirmed');
      await audit('confirmed');

      const allowed = await page.goto(`${origin}/members/tips?as=${email}`);
      expect(allowed?.status()).toBe(200);
      // API clients keep the problem JSON.
      const api = await fetch(`${origin}/members/tips?as=nobody@example.com`, {
        headers: { accept: 'application/json' },
      });
      expect(api.status).toBe(403);
      expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await api.json()) as { code?: string }).code).toBe('CONSENT_REQUIRED');
    },
    AUDITED_TIMEOUT,
  );

  it(
    'newsletter → preferences (with the tracking notice) → unsubscribe',
    async () => {
      await page.goto(`${origin}/dev/inbox`);
      await page.fill('input[name="email"]', email);
      await page.click('button:has-text("Send the newsletter")');
      expect(await page.locator('.note').textContent()).toContain('Newsletter sent');
      await example.gdpr.outbox.idle();
      await page.locator('ul.mails li').first().locator('a').click();
      expect(await page.locator('ul.checks li.fail').count()).toBe(0);
      await audit('dev-inbox-newsletter', { exclude: ['iframe'] });
      await page.click('a:has-text("Open the HTML body on its own page")');
      await audit('mail-newsletter');
      await page.click('a:has-text("Manage your preferences")');
      expect(await page.locator('#notice-open-tracking').textContent()).toContain(
        'measures whether you open and click',
      );
      await audit('preferences');
      await page.check('input[value="product-news"]');
      await page.click('button[value="save"]');
      expect(await page.locator('[role="status"]').first().textContent()).toBe(
        'Your choices are saved.',
      );
      await audit('preferences-saved');

      await openNewestMail();
      await page.click('a:has-text("Unsubscribe")');
      expect(await page.locator('h1').textContent()).toBe('Unsubscribe');
      await audit('unsubscribe');
      await page.click('button[type="submit"]');
      expect(await page.locator('h1').textContent()).toBe('You are unsubscribed');
      expect(await page.locator('.next a').textContent()).toBe('Back to the website');
      await audit('unsubscribed');
    },
    AUDITED_TIMEOUT,
  );

  it(
    'honest pages and error pages',
    async () => {
      await walkHonestSignup(walk(), 'mei');

      await auditErrorPages(page, `${origin}/gdpr`, `${origin}/`, audit);
      await page.goto(`${origin}/privacy`);
      await audit('privacy');
    },
    AUDITED_TIMEOUT,
  );

  it(
    'DSAR: access request → verify → download page',
    async () => {
      await walkDataCopyRequest(walk(), email);
    },
    AUDITED_TIMEOUT,
  );

  it('axe-core: 0 serious or critical violations and no sideways scroll at 375 px on every page', () => {
    expectAuditsClean(log, [...REQUIRED_PAGES, 'members-forbidden']);
  });
});
