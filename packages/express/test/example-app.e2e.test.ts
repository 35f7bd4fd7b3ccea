import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '@gdpr-mail/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ExampleApp } from '../../../examples/express-app/src/app.js';
import { createExampleApp } from '../../../examples/express-app/src/app.js';
import {
  auditErrorPages,
  browserGate,
  createAuditLog,
  expectAuditsClean,
  expectErrorPage,
  launchChromium,
  REQUIRED_PAGES,
} from './browser-audit.js';
import { walkDataCopyRequest, walkHonestSignup } from './example-flows.js';

const APP = 'express';
// Each audited page costs about a second (axe, two screenshots): the flows get room for it.
const AUDITED_TIMEOUT = 180_000;

browserGate.describe('example app in headless Chromium', () => {
  let server: Server;
  let example: ExampleApp;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const email = 'ada@example.com';
  // Issue #21: a page that makes the browser log an error (a favicon 404, a CSP refusal) fails.
  const browserErrors: string[] = [];
  // Issue #21: axe-core, 375 px overflow and screenshots for every page the flows pass through.
  const log = createAuditLog();
  const audit = (name: string, options?: { exclude?: string[] }) =>
    log.audit(page, APP, name, options);

  beforeAll(async () => {
    // The links the app mails must point at the port it got, so listen first.
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    example = createExampleApp({ baseUrl: `${origin}/gdpr`, store: new MemoryStore() });
    server.on('request', example.app);
    browser = await launchChromium();
    // axe-core opens a page of its own in the context: pages come from a context, not the browser.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('console', (message) => {
      const at = page.url();
      // The gdpr-mail pages only (the dev inbox is the example's own); a page's own
      // 4xx status (a form sent back, a spent link) is its answer, not a fault.
      if (message.type() !== 'error' || !new URL(at).pathname.startsWith('/gdpr/')) return;
      if (message.location().url === at) return;
      browserErrors.push(`${at}: ${message.location().url} ${message.text()}`);
    });
    // Fail on the step that hangs, well inside the test timeout.
    page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await example?.gdpr.close();
  });

  /** Opens the newest mail's page in the dev inbox, then (unless `headers`) its HTML body. */
  async function openNewestMail(view: 'body' | 'headers' = 'body'): Promise<void> {
    // Sign-ups and DSAR requests are mailed after the answer, from the outbox (#19).
    await example.gdpr.outbox.idle();
    await page.goto(`${origin}/dev/inbox`);
    await page.locator('ul.mails li').first().locator('a').click();
    if (view === 'body') await page.click('a:has-text("Open the HTML body on its own page")');
  }

  const walk = () => ({ page, origin, audit, openNewestMail: () => openNewestMail() });

  async function sendNewsletter(): Promise<string> {
    await page.goto(`${origin}/dev/inbox`);
    await page.fill('input[name="email"]', email);
    await page.click('button:has-text("Send the newsletter")');
    return (await page.locator('.note').textContent()) ?? '';
  }

  it(
    'signup → dev inbox → confirm → preferences → unsubscribe',
    async () => {
      await page.goto(`${origin}/`);
      await audit('home');
      // Signup with two of the three purposes ticked; nothing is pre-ticked.
      await page.goto(`${origin}/gdpr/signup`);
      await audit('signup');
      expect(await page.locator('input[type="checkbox"]:checked').count()).toBe(0);
      expect(await page.locator('input[type="checkbox"]').count()).toBe(3);
      await page.fill('#email', email);
      await page.check('input[value="newsletter"]');
      await page.check('input[value="partners"]');
      await page.click('button[type="submit"]');
      await expect.poll(() => page.locator('h1').textContent()).toBe('Check your inbox');
      await audit('signup-check-inbox');
      // The page that ends the signup leads on.
      expect(await page.locator('.next a').getAttribute('href')).toBe(`${origin}/`);
      expect((await example.gdpr.canSend(email, 'newsletter')).allowed).toBe(false);

      // The dev inbox: the mail's headers, the DKIM / RFC 8058 panel and the raw source.
      await example.gdpr.outbox.idle();
      await page.goto(`${origin}/dev/inbox`);
      await audit('dev-inbox');
      await openNewestMail('headers');
      await audit('dev-inbox-mail', { exclude: ['iframe'] });
      const headerValue = (name: string) =>
        page.locator(`dl.headers dt:text-is("${name}") + dd`).textContent();
      expect(await headerValue('From')).toBe('Acme Garden <news@acme-garden.example>');
      expect(await headerValue('To')).toBe(email);
      expect(await headerValue('Subject')).toContain('Acme Garden');
      expect(await headerValue('DKIM-Signature')).toMatch(/d=acme-garden\.example;.*s=dev;/s);
      expect(await page.locator('pre.raw').last().textContent()).toContain('DKIM-Signature: ');
      const mailUrl = page.url();

      // The confirmation mail's body; its link leads to an interstitial.
      await page.click('a:has-text("Open the HTML body on its own page")');
      await audit('mail-double-opt-in');
      const confirmLink = page.locator('a[href*="/gdpr/confirm/"]');
      const confirmUrl = (await confirmLink.getAttribute('href'))!;
      await confirmLink.click();
      expect(await page.locator('h1').textContent()).toBe('Confirm your subscription');
      // Consent is confirmed to a text: each purpose shows it here too.
      expect(await page.locator('#notice-newsletter').textContent()).toContain(
        'Acme Garden SAS emails you its monthly newsletter',
      );
      await audit('confirm');
      expect((await example.gdpr.canSend(email, 'newsletter')).allowed).toBe(false);
      await page.click('button[type="submit"]');
      expect(await page.locator('h1').textContent()).toBe('Subscription confirmed');
      expect(await page.locator('.next a').textContent()).toBe('Back to the website');
      await audit('confirmed');
      expect((await example.gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
      expect((await example.gdpr.canSend(email, 'partners')).allowed).toBe(true);
      expect((await example.gdpr.canSend(email, 'product-news')).allowed).toBe(false);
      // Opened again, the spent link says so in plain words and leads back to the site.
      await page.goto(confirmUrl);
      expect(await page.locator('h1').textContent()).toBe('This link was already used');
      await audit('confirm-link-used');
      await page.click('a:has-text("Back to the website")');
      expect(await page.locator('h1').textContent()).toBe('Acme Garden');

      // The newsletter carries the preference centre link: swap partners for product news.
      expect(await sendNewsletter()).toContain('Newsletter sent');
      await openNewestMail('headers');
      // A mail sent under consent passes every check the SMTP tests make; http on
      // localhost is the one development-only note.
      const statuses = await page
        .locator('ul.checks li')
        .evaluateAll((items) =>
          items.map(
            (li) =>
              `${li.className}: ${li.querySelector('.status')?.nextSibling?.textContent?.trim()}`,
          ),
        );
      expect(statuses).toEqual([
        'note: List-Unsubscribe is one HTTPS URI',
        'pass: List-Unsubscribe-Post is List-Unsubscribe=One-Click',
        'pass: DKIM signs List-Unsubscribe and List-Unsubscribe-Post',
        'pass: The DKIM signature verifies',
      ]);
      expect(await headerValue('List-Unsubscribe')).toMatch(
        /^<http:\/\/127\.0\.0\.1:\d+\/gdpr\/u\/[^>]+>$/,
      );
      expect(await headerValue('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      await audit('dev-inbox-newsletter', { exclude: ['iframe'] });
      await page.click('a:has-text("Open the HTML body on its own page")');
      await audit('mail-newsletter');
      await page.click('a:has-text("Manage your preferences")');
      expect(await page.locator('input[value="newsletter"]').isChecked()).toBe(true);
      expect(await page.locator('input[value="partners"]').isChecked()).toBe(true);
      // The tracking box shows its notice, the text a proof of that consent names (issue #21).
      const trackingNotice = (await page.locator('#notice-open-tracking').textContent()) ?? '';
      expect(trackingNotice).toContain('Acme Garden SAS measures whether you open and click');
      expect(
        await page.locator('input[value="open-tracking"]').getAttribute('aria-describedby'),
      ).toBe('notice-open-tracking');
      await audit('preferences');
      await page.uncheck('input[value="partners"]');
      await page.check('input[value="product-news"]');
      await page.check('input[value="open-tracking"]');
      await page.click('button[value="save"]');
      expect(await page.locator('[role="status"]').first().textContent()).toBe(
        'Your choices are saved.',
      );
      await audit('preferences-saved');
      expect((await example.gdpr.canSend(email, 'partners')).allowed).toBe(false);
      expect((await example.gdpr.canSend(email, 'product-news')).allowed).toBe(true);
      const proof = await example.gdpr.consent.prove(email, 'open-tracking');
      const shown = proof.notices.find((n) => n.purposeId === 'open-tracking');
      expect(trackingNotice).toContain(shown?.text);

      // Unsubscribe from the newsletter: the link shows a page, its button acts.
      await openNewestMail();
      await page.click('a:has-text("Unsubscribe")');
      expect(await page.locator('h1').textContent()).toBe('Unsubscribe');
      await audit('unsubscribe');
      expect((await example.gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
      await page.click('button[type="submit"]');
      expect(await page.locator('h1').textContent()).toBe('You are unsubscribed');
      expect(await page.locator('.next a').textContent()).toBe('Back to the website');
      await audit('unsubscribed');
      expect((await example.gdpr.canSend(email, 'newsletter')).allowed).toBe(false);
      expect((await example.gdpr.canSend(email, 'product-news')).allowed).toBe(true);

      expect(await sendNewsletter()).toContain('Not sent');
      expect(example.inbox.mails.map((m) => m.kind)).toEqual(['double-opt-in', 'newsletter']);
      // The first mail's page still shows the same source (signed once).
      await page.goto(mailUrl);
      expect(await headerValue('To')).toBe(email);
    },
    AUDITED_TIMEOUT,
  );

  it(
    'honest pages: nothing ticked, a refused address kept in the form, the privacy notice one click away',
    async () => {
      await walkHonestSignup(walk(), 'grace');
      // Fixed and sent again from the page it came back on: its fresh CSRF pair is accepted.
      await page.fill('#email', 'grace@example.com');
      await page.click('button[type="submit"]');
      await expect.poll(() => page.locator('h1').textContent()).toBe('Check your inbox');

      // Both forms link the shop's privacy notice, which exists.
      for (const form of ['/gdpr/signup', '/gdpr/dsar']) {
        await page.goto(`${origin}${form}`);
        await page.locator('form a[href$="/privacy"]').click();
        expect(await page.locator('h1').textContent()).toBe('Privacy notice');
      }
      await audit('privacy');
      expect(browserErrors).toEqual([]);
    },
    AUDITED_TIMEOUT,
  );

  it(
    'error pages: plain words, no raw code, a way back to the site',
    async () => {
      await auditErrorPages(page, `${origin}/gdpr`, `${origin}/`, audit);
      // The DSAR link's GET only shows a button (scanners prefetch links); its POST tells.
      await page.goto(`${origin}/gdpr/dsar/verify/not-a-real-token`);
      await page.click('button[type="submit"]');
      await expectErrorPage(page, 'This link does not work', `${origin}/`);
      await audit('error-dsar-link-broken');
      expect(browserErrors).toEqual([]);
    },
    AUDITED_TIMEOUT,
  );

  it(
    'DSAR: export downloaded and parsed → erasure → a new signup of the address is blocked',
    async () => {
      // Access: the request form, the link mailed to the address on file, a single-use download.
      const downloadUrl = await walkDataCopyRequest(walk(), email);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('button[type="submit"]'),
      ]);
      const bundle = JSON.parse(readFileSync((await download.path())!, 'utf8'));
      expect(bundle.format).toBe('gdpr-mail/dsar-export@1');
      expect(bundle.subject.email).toBe(email);
      expect(bundle.sources['consent-ledger'].length).toBeGreaterThan(0);
      // The single-use download pressed again: plain words and a way on, not TOKEN_USED.
      await page.goto(downloadUrl);
      const [again] = await Promise.all([
        page.waitForNavigation(),
        page.click('button[type="submit"]'),
      ]);
      expect(again?.status()).toBeGreaterThanOrEqual(400);
      expect(await page.locator('h1').textContent()).toBe('This link was already used');
      expect(await page.locator('main').textContent()).not.toContain('TOKEN_USED');
      await audit('error-download-used');

      // Erasure: confirmed from the mailed link; only the keyed hash stays.
      await page.goto(`${origin}/gdpr/dsar`);
      await page.fill('#email', email);
      await page.check('input[value="erasure"]');
      await page.click('button[type="submit"]');
      await openNewestMail();
      // The mail says which request it confirms, and that an erasure cannot be undone.
      expect(await page.locator('h1').textContent()).toBe(
        'Confirm your request for the erasure of your data',
      );
      expect(await page.locator('body').textContent()).toContain('cannot be recovered');
      await audit('mail-dsar-erasure');
      await page.locator('a[href*="/gdpr/dsar/verify/"]').click();
      await page.click('button[type="submit"]');
      expect(await page.locator('h1').textContent()).toBe('Request confirmed');
      await audit('dsar-erased');
      expect(await example.gdpr.subjects.get(email)).toBeUndefined();
      expect(await example.gdpr.suppression.check(email)).toMatchObject({ reason: 'erased' });

      // Signing up again answers as usual but mails nothing: the erasure suppression holds.
      const mailsBefore = example.inbox.mails.length;
      await page.goto(`${origin}/gdpr/signup`);
      await page.fill('#email', email);
      await page.check('input[value="newsletter"]');
      await page.click('button[type="submit"]');
      await expect.poll(() => page.locator('h1').textContent()).toBe('Check your inbox');
      await example.gdpr.outbox.idle();
      expect(example.inbox.mails.length).toBe(mailsBefore);
      expect(browserErrors).toEqual([]);
    },
    AUDITED_TIMEOUT,
  );

  it('axe-core: 0 serious or critical violations and no sideways scroll at 375 px on every page', () => {
    expectAuditsClean(log, REQUIRED_PAGES);
  });
});
