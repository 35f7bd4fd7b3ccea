import { randomUUID } from 'node:crypto';
import type { DsarRequest } from '@gdpr-mail/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ExampleApp } from '../../../examples/nest-app/src/app.js';
import { browserGate, createAuditLog, launchChromium } from '../../express/test/browser-audit.js';
import { startNestExample } from './example-server.js';

// Issue #24: the privacy console of the Nest example in Chromium, behind the example's
// own (demo) staff login; axe-core at 375 and 1280 px on the pages it passes.
const APP = 'nest-console';
const TIMEOUT = 240_000;
const DAY = 86_400_000;

browserGate.describe('privacy console in headless Chromium (Nest example)', () => {
  let example: ExampleApp;
  let origin: string;
  let browser: Browser;
  let subjectId: string;
  let request: DsarRequest;
  const email = 'hedy@example.com';
  const log = createAuditLog();

  beforeAll(async () => {
    ({ example, origin } = await startNestExample());
    const recorded = await example.gdpr.consent.record({
      email,
      purposes: ['newsletter'],
      evidence: { action: 'affirmative', method: 'checkbox', source: 'signup-form' },
    });
    subjectId = recorded.subjectId!;
    const received = new Date(Date.now() - 2 * DAY);
    request = {
      id: randomUUID(),
      type: 'access',
      status: 'identity-verified',
      subjectId,
      receivedAt: received,
      dueAt: new Date(received.getTime() + 30 * DAY),
      verifiedAt: received,
      sources: {},
      steps: [{ at: received, action: 'received', actor: 'subject' }],
      version: 1,
    };
    await example.gdpr.store.putDsarRequest(request, 0);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await example?.app.close();
  });

  async function loggedIn(user: 'dpo' | 'support'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${origin}/admin/privacy`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.selectOption('#user', user);
    await page.fill('#password', 'demo');
    await page.click('button[type="submit"]');
    expect(new URL(page.url()).pathname).toBe('/admin/privacy/requests');
    return page;
  }

  async function submit(page: Page, suffix: string): Promise<number | undefined> {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(suffix)),
      page.click(`form[action$="${suffix}"] button[type="submit"]`),
    ]);
    await page.waitForLoadState();
    return response.status();
  }

  it(
    'SEED-06: support may look but not extend or sweep; the DPO extends, finds the person, sweeps and verifies the chain',
    async () => {
      const support = await loggedIn('support');
      await support.goto(`${origin}/admin/privacy/requests/${request.id}`);
      await support.fill('form[action$="/extend"] textarea', 'Many systems');
      expect(await submit(support, '/extend')).toBe(403);
      await support.goto(`${origin}/admin/privacy/retention`);
      expect(await submit(support, '/retention/sweep')).toBe(403);
      await support.context().close();

      const page = await loggedIn('dpo');
      await log.audit(page, APP, 'console-requests');
      await page.click(`a[href$="/requests/${request.id}"]`);
      await page.fill('form[action$="/extend"] textarea', 'Many systems');
      expect(await submit(page, '/extend')).toBe(303);
      expect(await page.locator('main').textContent()).toContain('(Extended)');
      await log.audit(page, APP, 'console-request');
      await page.goto(`${origin}/admin/privacy/person`);
      await page.fill('#email', email);
      await page.click('button[type="submit"]');
      expect(page.url()).toBe(`${origin}/admin/privacy/person/${subjectId}`);
      await log.audit(page, APP, 'console-person');
      await page.goto(`${origin}/admin/privacy/retention`);
      expect(await submit(page, '/retention/sweep')).toBe(303);
      await page.locator('[data-sweep="done"]').waitFor({ timeout: 30_000 });
      await log.audit(page, APP, 'console-sweep');
      await page.goto(`${origin}/admin/privacy/audit`);
      expect(await submit(page, '/audit/verify')).toBe(200);
      expect(await page.locator('[data-chain="ok"]').count()).toBe(1);
      await log.audit(page, APP, 'console-audit-verified');
      expect(log.problems()).toEqual([]);
      await page.context().close();
    },
    TIMEOUT,
  );
});
