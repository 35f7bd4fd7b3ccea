import { constants, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '@gdpr-mail/core';
import { requireService } from '@gdpr-mail/core/testing';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ExampleApp } from '../../../examples/express-app/src/app.js';
import { createExampleApp } from '../../../examples/express-app/src/app.js';

const CHROMIUM = '/usr/bin/chromium';
// Skips with the reason locally; fails under GDPR_MAIL_REQUIRE_SERVICES=1 (CI installs it).
const browserGate = await requireService(
  `Chromium at ${CHROMIUM} (apt-get install -y chromium)`,
  () => access(CHROMIUM, constants.X_OK),
);

browserGate.describe('example app in headless Chromium', () => {
  let server: Server;
  let example: ExampleApp;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const email = 'ada@example.com';
  // Issue #21: a page that makes the browser log an error (a favicon 404, a CSP refusal) fails.
  const browserErrors: string[] = [];

  beforeAll(async () => {
    // The links the app mails must point at the port it got, so listen first.
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    example = createExampleApp({ baseUrl: `${origin}/gdpr`, store: new MemoryStore() });
    server.on('request', example.app);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-gpu',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    page = await browser.newPage();
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

  async function openNewestMail(): Promise<void> {
    // Sign-ups and DSAR requests are mailed after the answer, from the outbox (#19).
    await example.gdpr.outbox.idle();
    await page.goto(`${origin}/dev/inbox`);
    await page.locator('tbody tr').first().locator('a').click();
  }

  async function sendNewsletter(): Promise<string> {
    await page.goto(`${origin}/dev/inbox`);
    await page.fill('input[name="email"]', email);
    await page.click('button:has-text("Send the newsletter")');
    return (await page.locator('.note').textContent()) ?? '';
  }

  it('signup → dev inbox → confirm → preferences → unsubscribe', async () => {
    // Signup with two of the three purposes ticked; nothing is pre-ticked.
    await page.goto(`${origin}/gdpr/signup`);
    expect(await page.locator('input[type="checkbox"]:checked').count()).toBe(0);
    expect(await page.locator('input[type="checkbox"]').count()).toBe(3);
    await page.fill('#email', email);
    await page.check('input[value="newsletter"]');
    await page.check('input[value="partners"]');
    await page.click('button[type="submit"]');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Check your inbox');
    expect((await example.gdpr.canSend(email, 'newsletter')).allowed).toBe(false);

    // The confirmation mail, opened from the dev inbox; its link leads to an interstitial.
    await openNewestMail();
    const confirmLink = page.locator('a[href*="/gdpr/confirm/"]');
    const confirmUrl = (await confirmLink.getAttribute('href'))!;
    await confirmLink.click();
    expect(await page.locator('h1').textContent()).toBe('Confirm your subscription');
    expect((await example.gdpr.canSend(email, 'newsletter')).allowed).toBe(false);
    await page.click('button[type="submit"]');
    expect(await page.locator('h1').textContent()).toBe('Subscription confirmed');
    expect((await example.gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
    expect((await example.gdpr.canSend(email, 'partners')).allowed).toBe(true);
    expect((await example.gdpr.canSend(email, 'product-news')).allowed).toBe(false);
    // Opened again, the spent link says so in plain words and leads back to the site.
    await page.goto(confirmUrl);
    expect(await page.locator('h1').textContent()).toBe('This link was already used');
    await page.click('a:has-text("Back to the website")');
    expect(await page.locator('h1').textContent()).toBe('Acme Garden');

    // The newsletter carries the preference centre link: swap partners for product news.
    expect(await sendNewsletter()).toContain('Newsletter sent');
    await openNewestMail();
    await page.click('a:has-text("Manage your preferences")');
    expect(await page.locator('input[value="newsletter"]').isChecked()).toBe(true);
    expect(await page.locator('input[value="partners"]').isChecked()).toBe(true);
    await page.uncheck('input[value="partners"]');
    await page.check('input[value="product-news"]');
    await page.click('button[value="save"]');
    expect(await page.locator('[role="status"]').first().textContent()).toBe(
      'Your choices are saved.',
    );
    expect((await example.gdpr.canSend(email, 'partners')).allowed).toBe(false);
    expect((await example.gdpr.canSend(email, 'product-news')).allowed).toBe(true);

    // Unsubscribe from the newsletter: the link shows a page, its button acts.
    await openNewestMail();
    await page.click('a:has-text("Unsubscribe")');
    expect(await page.locator('h1').textContent()).toBe('Unsubscribe');
    expect((await example.gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
    await page.click('button[type="submit"]');
    expect(await page.locator('h1').textContent()).toBe('You are unsubscribed');
    expect((await example.gdpr.canSend(email, 'newsletter')).allowed).toBe(false);
    expect((await example.gdpr.canSend(email, 'product-news')).allowed).toBe(true);

    expect(await sendNewsletter()).toContain('Not sent');
    expect(example.inbox.mails.map((m) => m.kind)).toEqual(['double-opt-in', 'newsletter']);
  });

  it('honest pages: nothing ticked, a refused address kept in the form, the privacy notice one click away', async () => {
    await page.goto(`${origin}/gdpr/signup`);
    await page.fill('#email', 'grace@example.com');
    await page.click('button[type="submit"]');
    expect(await page.locator('h1').textContent()).toBe('Nothing was recorded');
    await page.click('a:has-text("Back to the form")');
    expect(await page.locator('h1').textContent()).toBe('Sign up');

    // The browser accepts this address; the server does not: the form comes back as typed.
    await page.fill('#email', 'grace@localhost');
    await page.check('input[value="partners"]');
    await page.click('button[type="submit"]');
    expect(await page.locator('[role="alert"]').textContent()).toContain(
      'This email address does not look right',
    );
    expect(await page.inputValue('#email')).toBe('grace@localhost');
    expect(await page.locator('input[value="partners"]').isChecked()).toBe(true);
    expect(await page.locator('input[value="newsletter"]').isChecked()).toBe(false);
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
    expect(browserErrors).toEqual([]);
  });

  it('DSAR: export downloaded and parsed → erasure → a new signup of the address is blocked', async () => {
    // Access: the request form, the link mailed to the address on file, a single-use download.
    await page.goto(`${origin}/gdpr/dsar`);
    await page.fill('#email', email);
    await page.check('input[value="access"]');
    await page.click('button[type="submit"]');
    expect(await page.locator('h1').textContent()).toBe('Request received');
    await openNewestMail();
    await page.locator('a[href*="/gdpr/dsar/verify/"]').click();
    expect(await page.locator('h1').textContent()).toBe('Confirm your request');
    await page.click('button[type="submit"]');
    expect(await page.locator('h1').textContent()).toBe('Request confirmed');
    await openNewestMail();
    await page.locator('a[href*="/gdpr/dsar/download/"]').click();
    expect(await page.locator('h1').textContent()).toBe('Download your data');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button[type="submit"]'),
    ]);
    const bundle = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(bundle.format).toBe('gdpr-mail/dsar-export@1');
    expect(bundle.subject.email).toBe(email);
    expect(bundle.sources['consent-ledger'].length).toBeGreaterThan(0);

    // Erasure: confirmed from the mailed link; only the keyed hash stays.
    await page.goto(`${origin}/gdpr/dsar`);
    await page.fill('#email', email);
    await page.check('input[value="erasure"]');
    await page.click('button[type="submit"]');
    await openNewestMail();
    // The mail says which request it confirms, and that an erasure cannot be undone.
    expect(await page.locator('body').textContent()).toContain('cannot be recovered');
    await page.locator('a[href*="/gdpr/dsar/verify/"]').click();
    await page.click('button[type="submit"]');
    expect(await page.locator('h1').textContent()).toBe('Request confirmed');
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
  });
});
