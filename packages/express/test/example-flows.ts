import type { Page } from 'playwright-core';
import { expect } from 'vitest';

// The walks both examples' browser tests make (Express and Nest serve the same
// pages): each step checked, each page audited under the name REQUIRED_PAGES uses.

export interface Walk {
  page: Page;
  /** The app's origin, e.g. `http://127.0.0.1:3000`; the routes are under `/gdpr`. */
  origin: string;
  audit: (name: string) => Promise<void>;
  /** Opens the newest mail's HTML body from the dev inbox. */
  openNewestMail: () => Promise<void>;
}

/**
 * Issue #21's honest pages: no box ticked says nothing was recorded and leads
 * back to the form; an address the server refuses comes back as typed, with
 * the person's own ticks, in plain words (the code never shown).
 */
export async function walkHonestSignup(walk: Walk, name: string): Promise<void> {
  const { page, origin, audit } = walk;
  await page.goto(`${origin}/gdpr/signup`);
  await page.fill('#email', `${name}@example.com`);
  await page.click('button[type="submit"]');
  expect(await page.locator('h1').textContent()).toBe('Nothing was recorded');
  await audit('signup-nothing-ticked');
  await page.click('a:has-text("Back to the form")');
  expect(await page.locator('h1').textContent()).toBe('Sign up');

  // The browser accepts this address; the server does not: the form comes back as typed.
  await page.fill('#email', `${name}@localhost`);
  await page.check('input[value="partners"]');
  await page.click('button[type="submit"]');
  expect(await page.locator('[role="alert"]').textContent()).toContain(
    'This email address does not look right',
  );
  await audit('signup-error-invalid-email');
  expect(await page.inputValue('#email')).toBe(`${name}@localhost`);
  expect(await page.locator('input[value="partners"]').isChecked()).toBe(true);
  expect(await page.locator('input[value="newsletter"]').isChecked()).toBe(false);
  // The code stays out of sight: an attribute for support, never words on the page.
  expect(await page.locator('body').textContent()).not.toContain('INVALID_EMAIL');
}

/**
 * An access request from the form to the download page: the mailed link names
 * the request (title and heading), the verify page's button confirms it, and
 * the download link arrives. Returns the download link, left open.
 */
export async function walkDataCopyRequest(walk: Walk, email: string): Promise<string> {
  const { page, origin, audit, openNewestMail } = walk;
  await page.goto(`${origin}/gdpr/dsar`);
  await audit('dsar-form');
  await page.fill('#email', email);
  await page.check('input[value="access"]');
  await page.click('button[type="submit"]');
  expect(await page.locator('h1').textContent()).toBe('Request received');
  expect(await page.locator('.next a').textContent()).toBe('Back to the website');
  await audit('dsar-received');
  await openNewestMail();
  expect(await page.title()).toContain('confirm your request for a copy of your data');
  expect(await page.locator('h1').textContent()).toBe(
    'Confirm your request for a copy of your data',
  );
  await audit('mail-dsar-access');
  await page.locator('a[href*="/gdpr/dsar/verify/"]').click();
  expect(await page.locator('h1').textContent()).toBe('Confirm your request');
  await audit('dsar-verify');
  await page.click('button[type="submit"]');
  expect(await page.locator('h1').textContent()).toBe('Request confirmed');
  await audit('dsar-confirmed');
  await openNewestMail();
  await audit('mail-dsar-ready');
  const downloadLink = page.locator('a[href*="/gdpr/dsar/download/"]');
  const downloadUrl = (await downloadLink.getAttribute('href')) ?? '';
  await downloadLink.click();
  expect(await page.locator('h1').textContent()).toBe('Download your data');
  await audit('dsar-download');
  return downloadUrl;
}
