import { randomUUID } from 'node:crypto';
import type { DsarRequest, GdprMail } from '@gdpr-mail/core';
import type { Browser, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { createAuditLog, launchChromium } from './browser-audit.js';

// Issue #24: the privacy console's browser walks, shared by the Express and the Nest
// examples (both mount it at /admin/privacy behind the same demo staff login), so both
// prove the same acceptance: a DPO's whole walk, and a 403 for each action a support
// agent (view only) tries (SEED-06).

const DAY = 86_400_000;

export interface ConsoleWalk {
  browser: Browser;
  origin: string;
  gdpr: GdprMail;
  /** The name of the screenshot folder. */
  app: string;
  log: ReturnType<typeof createAuditLog>;
  email: string;
  subjectId: string;
  overdue: DsarRequest;
  erasure: DsarRequest;
}

/** What both examples' console walks start from: the seeded people and requests, and Chromium. */
export async function openConsoleWalk(options: {
  gdpr: GdprMail;
  origin: string;
  app: string;
  email: string;
}): Promise<ConsoleWalk> {
  const seeded = await seedConsole(options.gdpr, options.email);
  return { ...options, ...seeded, browser: await launchChromium(), log: createAuditLog() };
}

const TIMEOUT = 240_000;

/** The console's two walks, as tests: run through the Express example and the Nest example alike. */
export function consoleWalkTests(walk: () => ConsoleWalk): void {
  it(
    'SEED-06: a support agent (view only) gets 403 on each action',
    () => supportRefusedEachAction(walk()),
    TIMEOUT,
  );
  it(
    'a DPO finds the overdue request, extends one, exports, records a breach, sweeps, prints a proof, verifies the audit chain and erases',
    () => dpoWalk(walk()),
    TIMEOUT,
  );
}

/** A consenting person, an overdue access request and a verified erasure request. */
export async function seedConsole(
  gdpr: GdprMail,
  email: string,
): Promise<Pick<ConsoleWalk, 'subjectId' | 'overdue' | 'erasure'>> {
  const recorded = await gdpr.consent.record({
    email,
    purposes: ['newsletter'],
    evidence: { action: 'affirmative', method: 'checkbox', source: 'signup-form' },
  });
  const subjectId = recorded.subjectId!;
  const now = Date.now();
  const request = (receivedAgo: number, fields: Partial<DsarRequest>): DsarRequest => ({
    id: randomUUID(),
    type: 'access',
    status: 'received',
    subjectId,
    receivedAt: new Date(now - receivedAgo),
    dueAt: new Date(now - receivedAgo + 30 * DAY),
    sources: {},
    steps: [{ at: new Date(now - receivedAgo), action: 'received', actor: 'subject' }],
    version: 1,
    ...fields,
  });
  const overdue = request(40 * DAY, {});
  const erasure = request(2 * DAY, {
    type: 'erasure',
    status: 'identity-verified',
    verifiedAt: new Date(now - DAY),
  });
  for (const r of [overdue, erasure]) await gdpr.store.putDsarRequest(r, 0);
  return { subjectId, overdue, erasure };
}

async function loggedIn(walk: ConsoleWalk, user: 'dpo' | 'support'): Promise<Page> {
  const context = await walk.browser.newContext({
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${walk.origin}/admin/privacy`);
  // Not logged in: the example's login page, not the console.
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.selectOption('#user', user);
  await page.fill('#password', 'demo');
  await page.click('button[type="submit"]');
  expect(new URL(page.url()).pathname).toBe('/admin/privacy/requests');
  return page;
}

/** Submits the form whose action ends with `suffix`, and returns the answer's status. */
async function submit(page: Page, suffix: string): Promise<number | undefined> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(suffix)),
    page.click(`form[action$="${suffix}"] button[type="submit"]`),
  ]);
  await page.waitForLoadState();
  return response.status();
}

export async function fillBreach(page: Page): Promise<void> {
  await page.fill('#b-title', 'Laptop stolen');
  await page.fill('#b-awareAt', new Date().toISOString().slice(0, 16));
  await page.fill('#b-description', 'A laptop with a customer export was stolen.');
  await page.fill('#b-subjectCategories', 'customers');
  await page.fill('#b-approxSubjects', '120');
  await page.fill('#b-recordCategories', 'email addresses');
  await page.fill('#b-approxRecords', '120');
  await page.fill('#b-likelyConsequences', 'Phishing');
  await page.fill('#b-measures', 'Passwords rotated');
}

/** SEED-06: a support agent (view only) gets 403 on each action, and nothing changes. */
export async function supportRefusedEachAction(walk: ConsoleWalk): Promise<void> {
  const { origin, erasure, subjectId, log, app } = walk;
  const page = await loggedIn(walk, 'support');
  await page.goto(`${origin}/admin/privacy/requests/${erasure.id}`);
  await page.fill('form[action$="/extend"] textarea', 'Many systems to search');
  expect(await submit(page, '/extend')).toBe(403);
  expect(await page.locator('[data-code="FORBIDDEN"]').count()).toBe(1);
  await log.audit(page, app, 'console-forbidden');
  await page.goto(`${origin}/admin/privacy/requests/${erasure.id}`);
  expect(await submit(page, `/requests/${erasure.id}/export`)).toBe(403);
  await page.goto(`${origin}/admin/privacy/requests/${erasure.id}`);
  await page.fill('#confirm', erasure.id.slice(0, 8));
  expect(await submit(page, '/erase')).toBe(403);
  // Answering a request is an action of its own (`answer`).
  await page.goto(`${origin}/admin/privacy/requests/${erasure.id}`);
  expect(await submit(page, `/requests/${erasure.id}/complete`)).toBe(403);
  await page.goto(`${origin}/admin/privacy/requests/${erasure.id}`);
  await page.fill('#reject-reason', 'Not a customer');
  expect(await submit(page, `/requests/${erasure.id}/reject`)).toBe(403);
  await page.goto(`${origin}/admin/privacy/person/${subjectId}`);
  expect(await submit(page, `/person/${subjectId}/export`)).toBe(403);
  await page.goto(`${origin}/admin/privacy/breaches`);
  await fillBreach(page);
  expect(await submit(page, '/admin/privacy/breaches')).toBe(403);
  await page.goto(`${origin}/admin/privacy/retention`);
  expect(await submit(page, '/retention/sweep')).toBe(403);
  // Viewing is theirs.
  expect((await page.goto(`${origin}/admin/privacy/records`))?.status()).toBe(200);
  const untouched = await walk.gdpr.dsar.get(erasure.id);
  expect(untouched.extendedDueAt).toBeUndefined();
  expect(untouched.status).toBe('identity-verified');
  expect(await walk.gdpr.breaches.list()).toEqual([]);
  expect(await walk.gdpr.store.getSubject(subjectId)).toBeDefined();
  await page.context().close();
}

/**
 * A DPO finds the overdue request, extends one, exports, looks the person up, prints a
 * proof, records a breach and sees its clock, previews and runs a sweep, verifies the
 * audit chain and erases; every page audited (axe-core, 375 and 1280 px).
 */
export async function dpoWalk(walk: ConsoleWalk): Promise<void> {
  const { origin, erasure, overdue, subjectId, email, log, app, gdpr } = walk;
  const page = await loggedIn(walk, 'dpo');
  const base = `${origin}/admin/privacy`;
  // Requests by deadline: the overdue one first, marked.
  expect(await page.locator('tbody tr').first().getAttribute('class')).toBe('overdue');
  expect(await page.locator('tbody tr').first().textContent()).toContain(overdue.id.slice(0, 8));
  await log.audit(page, app, 'console-requests');

  await page.click(`a[href$="/requests/${erasure.id}"]`);
  await log.audit(page, app, 'console-request');
  await page.fill('form[action$="/extend"] textarea', 'Many systems to search');
  expect(await submit(page, '/extend')).toBe(303);
  expect(await page.locator('main').textContent()).toContain('(Extended)');
  const download = page.waitForEvent('download');
  await page.click(`form[action$="/requests/${erasure.id}/export"] button`);
  expect((await download).suggestedFilename()).toBe(`dsar-${erasure.id}.json`);

  // The person: the address goes in the form; the URL has a pseudonymous id.
  await page.goto(`${base}/person`);
  await log.audit(page, app, 'console-person-lookup');
  await page.fill('#email', email);
  await page.click('button[type="submit"]');
  expect(page.url()).toBe(`${base}/person/${subjectId}`);
  expect(page.url()).not.toContain(email.split('@')[0]!);
  await log.audit(page, app, 'console-person');
  const personExport = page.waitForEvent('download');
  await page.click(`form[action$="/person/${subjectId}/export"] button`);
  expect((await personExport).suggestedFilename()).toBe(`person-${subjectId}.json`);
  await page.click(`a[href$="/person/${subjectId}/proof/newsletter"]`);
  expect(await page.locator('h1').textContent()).toBe('Proof of consent (Art. 7(1) GDPR)');
  expect(await page.locator('main').textContent()).toContain(
    'Acme Garden SAS emails you its monthly newsletter',
  );
  await log.audit(page, app, 'console-proof');

  // A breach and its 72-hour clock.
  await page.goto(`${base}/breaches`);
  await log.audit(page, app, 'console-breaches');
  await fillBreach(page);
  expect(await submit(page, '/admin/privacy/breaches')).toBe(303);
  expect(await page.locator('main').textContent()).toMatch(/\d+ h left/);
  await log.audit(page, app, 'console-breach');
  await page.fill('#a-ref', 'CNIL-2026-42');
  expect(await submit(page, '/authority')).toBe(303);
  expect(await page.locator('main').textContent()).toContain('CNIL-2026-42');

  // Retention: the plan, then a sweep, which runs in the background; its page links to
  // itself ("Check again", no self-reload: WCAG 2.2.1) until the report shows.
  await page.goto(`${base}/retention`);
  await log.audit(page, app, 'console-retention');
  expect(await submit(page, '/retention/sweep')).toBe(303);
  for (let i = 0; i < 300 && (await page.locator('[data-sweep="done"]').count()) === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await page.getByRole('link', { name: 'Check again' }).click();
  }
  await page.locator('[data-sweep="done"]').waitFor();
  expect(await page.locator('[role="status"]').textContent()).toBe('Sweep finished.');
  await log.audit(page, app, 'console-sweep');

  await page.goto(`${base}/records`);
  await log.audit(page, app, 'console-records');
  await page.goto(`${base}/audit`);
  await log.audit(page, app, 'console-audit');
  expect(await submit(page, '/audit/verify')).toBe(200);
  expect(await page.locator('[data-chain="ok"]').count()).toBe(1);
  await log.audit(page, app, 'console-audit-verified');

  // Erasure, typed confirmation first.
  await page.goto(`${base}/requests/${erasure.id}`);
  await page.fill('#confirm', 'yes');
  expect(await submit(page, '/erase')).toBe(422);
  await log.audit(page, app, 'console-erase-refused');
  await page.fill('#confirm', erasure.id.slice(0, 8));
  expect(await submit(page, '/erase')).toBe(200);
  expect(await page.locator('[role="status"]').textContent()).toContain('Erased.');
  expect(await gdpr.store.getSubject(subjectId)).toBeUndefined();

  // French, at a phone's width too (the audit takes both).
  await page.context().setExtraHTTPHeaders({ 'accept-language': 'fr' });
  await page.goto(`${base}/requests`);
  expect(await page.locator('html').getAttribute('lang')).toBe('fr');
  await log.audit(page, app, 'console-requests-fr');

  // Every console action was audited with the staff member's id: the support agent's
  // page views, the DPO's views and changes; nothing the support agent was refused.
  const byActor: Record<string, Set<string>> = {};
  for await (const entry of gdpr.audit.entries()) {
    if (!entry.action.startsWith('console.')) continue;
    byActor[entry.actor] ??= new Set();
    byActor[entry.actor]!.add(entry.action);
    expect(JSON.stringify(entry)).not.toContain(email);
  }
  expect([...(byActor['staff:support'] ?? [])]).toEqual(['console.view']);
  expect([...(byActor['staff:dpo'] ?? [])]).toEqual(
    expect.arrayContaining([
      'console.extend',
      'console.export',
      'console.lookup',
      'console.proof',
      'console.breach.open',
      'console.breach.authority-notified',
      'console.sweep',
      'console.audit.verify',
      'console.erase',
    ]),
  );
  expect(log.problems()).toEqual([]);
  await page.context().close();
}
