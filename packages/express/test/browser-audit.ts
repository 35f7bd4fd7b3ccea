import { constants, mkdirSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { requireService } from '@gdpr-mail/core/testing';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { expect } from 'vitest';

// Issue #21: every page of the examples checked in a real browser, with axe-core,
// at a phone's width and a desktop's, and left as screenshots for a reviewer.

export const CHROMIUM = '/usr/bin/chromium';

/** Skips with the reason locally; fails under GDPR_MAIL_REQUIRE_SERVICES=1 (CI installs it). */
export const browserGate = await requireService(
  `Chromium at ${CHROMIUM} (apt-get install -y chromium)`,
  () => access(CHROMIUM, constants.X_OK),
);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/** Where the screenshots go: the repository's gitignored .tmp/ folder. */
export const SCREENSHOT_ROOT = fileURLToPath(
  new URL('../../../.tmp/e2e-screenshots/', import.meta.url),
);

export const WIDTHS = [375, 1280] as const;

export interface PageAudit {
  name: string;
  /** axe violations of impact serious or critical: `rule-id (impact): target`. */
  violations: string[];
  /** At 375 px: how many CSS pixels the page is wider than the screen (0 = no horizontal scroll). */
  overflow375: number;
}

/**
 * Audits the page the browser shows now, as `name`: axe-core (serious and
 * critical only, the bar the issue sets), horizontal overflow at 375 px, and a
 * full-page screenshot at 375 px and 1280 px under SCREENSHOT_ROOT/<app>/.
 * `exclude` names frames axe cannot enter (a sandboxed mail body, audited on
 * its own page).
 */
export async function auditPage(
  page: Page,
  app: string,
  name: string,
  options: { exclude?: string[] } = {},
): Promise<PageAudit> {
  const folder = `${SCREENSHOT_ROOT}${app}/`;
  mkdirSync(folder, { recursive: true });
  let overflow375 = 0;
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    if (width === 375) {
      // A string, run in the page: the test files are typed without the DOM library.
      overflow375 = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
    }
    await page.screenshot({ path: `${folder}${name}-${width}.png`, fullPage: true });
  }
  let builder = new AxeBuilder({ page });
  for (const selector of options.exclude ?? []) builder = builder.exclude(selector);
  const results = await builder.analyze();
  const violations = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}`));
  return { name, violations, overflow375 };
}

/** Collects the audits of a run; `problems()` lists what fails the bar, for one assertion. */
export function createAuditLog() {
  const audits: PageAudit[] = [];
  return {
    audits,
    async audit(page: Page, app: string, name: string, options?: { exclude?: string[] }) {
      audits.push(await auditPage(page, app, name, options));
    },
    problems(): string[] {
      return audits.flatMap((a) => [
        ...a.violations.map((v) => `${a.name}: ${v}`),
        ...(a.overflow375 > 0 ? [`${a.name}: ${a.overflow375}px wider than a 375px screen`] : []),
      ]);
    },
    names(): string[] {
      return audits.map((a) => a.name);
    },
  };
}

/** Links that do not work and a page that does not exist: `[path under the mount, audit name, title]`. */
export const ERROR_PAGE_CASES: ReadonlyArray<readonly [path: string, name: string, title: string]> =
  [
    ['/confirm/not-a-real-token', 'error-confirm-link-broken', 'This link does not work'],
    ['/u/not-a-real-token', 'error-unsubscribe-link-broken', 'This link does not work'],
    ['/preferences/not-a-real-token', 'error-preferences-link-broken', 'This link does not work'],
    ['/nothing-here', 'error-not-found', 'Page not found'],
  ];

/**
 * An error page as issue #21 wants it, on the page the browser shows now: its
 * title, words with no raw code (`TOKEN_USED` …) and a way back to the site.
 */
export async function expectErrorPage(page: Page, title: string, siteUrl: string): Promise<void> {
  expect(await page.locator('h1').textContent()).toBe(title);
  expect(await page.locator('main').textContent()).not.toMatch(/[A-Z]{3,}_[A-Z_]+/);
  expect(await page.locator('.next a').getAttribute('href')).toBe(siteUrl);
}

/** Opens each of ERROR_PAGE_CASES under `mount`, checks it is an error page and audits it. */
export async function auditErrorPages(
  page: Page,
  mount: string,
  siteUrl: string,
  audit: (name: string) => Promise<void>,
): Promise<void> {
  for (const [path, name, title] of ERROR_PAGE_CASES) {
    const response = await page.goto(`${mount}${path}`);
    expect(response?.status(), path).toBeGreaterThanOrEqual(400);
    await expectErrorPage(page, title, siteUrl);
    await audit(name);
  }
}

/** The pages issue #21 names, which every example's run must have audited. */
export const REQUIRED_PAGES = [
  'signup',
  'signup-nothing-ticked',
  'signup-error-invalid-email',
  'confirm',
  'preferences',
  'unsubscribe',
  'dsar-form',
  'dsar-verify',
  'dsar-download',
  'error-not-found',
  'dev-inbox',
  'dev-inbox-mail',
];

/** The closing assertion of a run: every required page audited, none over the bar. */
export function expectAuditsClean(
  log: ReturnType<typeof createAuditLog>,
  required: readonly string[],
): void {
  expect(log.names()).toEqual(expect.arrayContaining([...required]));
  expect(log.problems()).toEqual([]);
}
