import { createHmac, randomUUID } from 'node:crypto';
import type { DsarRequest, GdprMail, SweepReport } from '@gdpr-mail/core';
import { createGdprMail, isGdprMailError } from '@gdpr-mail/core';
import { canonicalJson } from '@gdpr-mail/core/http';
import {
  capturedLogLines,
  checkboxEvidence,
  createTestClock,
  testConfig,
} from '@gdpr-mail/core/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConsoleAction, GdprConsole } from './index.js';
import { CONSOLE_ACTIONS, createGdprConsole } from './index.js';

const ORIGIN = 'https://app.acme.test';
const BASE = '/admin/privacy';
const ADDRESS = 'camille.martin@example.org';
const PROOF_SECRET = 'console-proof-secret-0123456789abcdef';

/** Who may do what: the app's own roles, read by the hook from its session (here a header). */
const RIGHTS: Record<string, readonly ConsoleAction[]> = {
  dpo: CONSOLE_ACTIONS,
  viewer: ['view'],
};

interface Setup {
  gdpr: GdprMail;
  handler: GdprConsole;
  subjectId: string;
  overdue: DsarRequest;
  erasure: DsarRequest;
}

async function setup(pageSize = 25): Promise<Setup> {
  const clock = createTestClock('2026-03-01T09:00:00.000Z');
  const gdpr = createGdprMail(
    testConfig({ clock, dsar: { authorize: (actor) => actor === 'user:dpo' } }),
  );
  const { subjectId } = await gdpr.consent.record({
    email: ADDRESS,
    purposes: ['newsletter'],
    evidence: { ...checkboxEvidence, ip: '203.0.113.7' },
  });
  const request = (overrides: Partial<DsarRequest>): DsarRequest => ({
    id: randomUUID(),
    type: 'access',
    status: 'received',
    subjectId: subjectId!,
    receivedAt: new Date('2026-02-20T10:00:00.000Z'),
    dueAt: new Date('2026-03-20T10:00:00.000Z'),
    sources: {},
    steps: [{ at: new Date('2026-02-20T10:00:00.000Z'), action: 'received', actor: 'subject' }],
    version: 1,
    ...overrides,
  });
  const overdue = request({
    receivedAt: new Date('2026-01-10T10:00:00.000Z'),
    dueAt: new Date('2026-02-10T10:00:00.000Z'),
  });
  const erasure = request({
    type: 'erasure',
    status: 'identity-verified',
    verifiedAt: new Date('2026-02-21T10:00:00.000Z'),
  });
  for (const r of [overdue, erasure]) await gdpr.store.putDsarRequest(r, 0);
  const handler = createGdprConsole(gdpr, {
    basePath: BASE,
    pageSize,
    proofSecret: PROOF_SECRET,
    authorize: (req, action) => {
      const user = req.headers.get('x-user') ?? '';
      return RIGHTS[user]?.includes(action) ? `user:${user}` : null;
    },
  });
  return { gdpr, handler, subjectId: subjectId!, overdue, erasure };
}

/** A browser session of one user: the CSRF cookie and field from a first page. */
async function session(handler: GdprConsole, user: string, language = 'en') {
  const headers = { 'x-user': user, 'accept-language': language };
  const first = await handler(
    new Request(`${ORIGIN}${BASE}/audit`, { headers: { ...headers, 'x-user': 'dpo' } }),
  );
  const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await first.text())![1]!;
  return {
    get: (path: string) =>
      handler(new Request(`${ORIGIN}${BASE}${path}`, { headers: { ...headers, cookie } })),
    post: (path: string, fields: Record<string, string> = {}, withCsrf = true) =>
      handler(
        new Request(`${ORIGIN}${BASE}${path}`, {
          method: 'POST',
          headers: {
            ...headers,
            cookie,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams(withCsrf ? { _csrf: csrf, ...fields } : fields).toString(),
        }),
      ),
  };
}

async function auditActions(gdpr: GdprMail) {
  const out: { action: string; actor: string; subjectRef?: string; text: string }[] = [];
  for await (const e of gdpr.audit.entries()) {
    out.push({
      action: e.action,
      actor: e.actor,
      subjectRef: e.subjectRef,
      text: JSON.stringify(e),
    });
  }
  return out;
}

describe('createGdprConsole', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });

  it('refuses to mount without an authorize hook (CONFIG_INVALID)', () => {
    expect(() => createGdprConsole(s.gdpr, {} as never)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    try {
      createGdprConsole(s.gdpr, { authorize: 'yes' } as never);
    } catch (error) {
      expect(isGdprMailError(error, 'CONFIG_INVALID')).toBe(true);
    }
  });

  it('refuses a pageSize that is not a whole number from 1 to 1000 (CONFIG_INVALID)', () => {
    const authorize = () => 'dpo';
    for (const pageSize of [0, -5, 2.5, Number.NaN, 1001]) {
      expect(() => createGdprConsole(s.gdpr, { authorize, pageSize })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    }
    expect(() => createGdprConsole(s.gdpr, { authorize, pageSize: 1 })).not.toThrow();
  });

  it('renders every page, in English and French, without any script', async () => {
    const dpo = await session(s.handler, 'dpo');
    const breach = await dpo.post('/breaches', breachFields());
    const breachId = breach.headers.get('location')!.split('/').at(-1)!;
    const pages = [
      '/requests',
      `/requests/${s.overdue.id}`,
      '/person',
      `/person/${s.subjectId}`,
      `/person/${s.subjectId}/proof/newsletter`,
      '/breaches',
      `/breaches/${breachId}`,
      '/retention',
      '/records',
      '/audit',
    ];
    for (const path of pages) {
      const response = await dpo.get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(response.headers.get('cache-control')).toBe('no-store');
      const page = await response.text();
      expect(page).toContain('<html lang="en">');
      expect(page).not.toMatch(/<script|\son[a-z]+=|https?:\/\/(?!app\.acme)/i);
      expect(page).toContain('<meta name="viewport"');
    }
    const fr = await session(s.handler, 'dpo', 'fr-FR,fr;q=0.9');
    const page = await (await fr.get('/requests')).text();
    expect(page).toContain('<html lang="fr">');
    expect(page).toContain('Demandes ouvertes par échéance');
    expect(await (await fr.get('/breaches')).text()).toContain('Registre des violations');
  });

  it('lists open requests by deadline with days left, overdue ones marked', async () => {
    const dpo = await session(s.handler, 'dpo');
    const page = await (await dpo.get('/requests')).text();
    const overdueAt = page.indexOf(s.overdue.id.slice(0, 8));
    const erasureAt = page.indexOf(s.erasure.id.slice(0, 8));
    expect(overdueAt).toBeGreaterThan(0);
    expect(overdueAt).toBeLessThan(erasureAt);
    // Due 10 Feb 10:00, now 1 Mar 09:00: 18 whole days late; the other, due 20 Mar, has 20 days left (counted up).
    expect(page).toContain('<tr class="overdue">');
    expect(page).toContain('Overdue (18)');
    expect(page).toMatch(/<td>20<\/td><\/tr>/);
  });

  it('pages the request list by keyset, never loading it whole', async () => {
    const small = await setup(2);
    for (let i = 0; i < 3; i++) {
      await small.gdpr.store.putDsarRequest(
        { ...small.erasure, id: randomUUID(), type: 'access', version: 1 },
        0,
      );
    }
    const dpo = await session(small.handler, 'dpo');
    const seen: string[] = [];
    let path: string | undefined = '/requests';
    for (let page = 0; page < 5 && path; page++) {
      const text: string = await (await dpo.get(path)).text();
      seen.push(...[...text.matchAll(/requests\/([0-9a-f-]{36})"/g)].map((m) => m[1]!));
      const next: string | undefined = /rel="next" href="([^"]+)"/.exec(text)?.[1];
      path = next?.replaceAll('&amp;', '&').slice(BASE.length);
      if (path) expect(path).toMatch(/^\/requests\?after=/);
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect(seen[0]).toBe(small.overdue.id);
    const bad = await dpo.get('/requests?after=nonsense');
    expect(bad.status).toBe(400);
  });

  it('SEED-06: refuses each action with 403 to a user without the right, audits the actor of each done', async () => {
    const viewer = await session(s.handler, 'viewer');
    const attempts: [ConsoleAction, () => Promise<Response>][] = [
      ['extend', () => viewer.post(`/requests/${s.erasure.id}/extend`, { reason: 'complex' })],
      ['export', () => viewer.post(`/requests/${s.erasure.id}/export`)],
      ['export', () => viewer.post(`/person/${s.subjectId}/export`)],
      ['erase', () => viewer.post(`/requests/${s.erasure.id}/erase`, { confirm: 'x' })],
      ['breach', () => viewer.post('/breaches', breachFields())],
      ['sweep', () => viewer.post('/retention/sweep')],
    ];
    for (const [action, attempt] of attempts) {
      const response = await attempt();
      expect(response.status, action).toBe(403);
      expect(await response.text()).toContain('data-code="FORBIDDEN"');
    }
    expect((await viewer.get('/requests')).status).toBe(200);
    const stranger = await session(s.handler, 'nobody');
    for (const path of ['/requests', '/person', '/breaches', '/retention', '/records', '/audit']) {
      expect((await stranger.get(path)).status, path).toBe(403);
    }
    // Nothing the viewer tried happened.
    expect((await s.gdpr.dsar.get(s.erasure.id)).extendedDueAt).toBeUndefined();
    expect(await s.gdpr.breaches.list()).toEqual([]);
    expect((await auditActions(s.gdpr)).filter((e) => e.action.startsWith('console.'))).toEqual([]);

    const dpo = await session(s.handler, 'dpo');
    expect(
      (await dpo.post(`/requests/${s.erasure.id}/extend`, { reason: 'Many sources' })).status,
    ).toBe(303);
    expect((await dpo.post('/breaches', breachFields())).status).toBe(303);
    expect((await dpo.post('/retention/sweep')).status).toBe(303);
    const done = (await auditActions(s.gdpr)).filter((e) => e.action.startsWith('console.'));
    expect(done.map((e) => [e.action, e.actor])).toEqual([
      ['console.extend', 'user:dpo'],
      ['console.breach.open', 'user:dpo'],
      ['console.sweep', 'user:dpo'],
    ]);
  });

  it('refuses a form without its CSRF field, or with one of another session', async () => {
    const dpo = await session(s.handler, 'dpo');
    const missing = await dpo.post('/breaches', breachFields(), false);
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('data-code="CSRF_FAILED"');
    const other = await session(s.handler, 'dpo');
    const forged = await s.handler(
      new Request(`${ORIGIN}${BASE}/retention/sweep`, {
        method: 'POST',
        headers: {
          'x-user': 'dpo',
          cookie: 'gdpr_console_csrf=aaaaaaaaaaaaaaaaaaaaaaaa',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `_csrf=${encodeURIComponent(/value="([^"]+)"/.exec(await (await other.get('/audit')).text())![1]!)}`,
      }),
    );
    expect(forged.status).toBe(403);
    expect(await s.gdpr.breaches.list()).toEqual([]);
  });

  it('finds a person by a POSTed address: the URL, the audit and the logs hold a pseudonymous id only', async () => {
    const dpo = await session(s.handler, 'dpo');
    const found = await dpo.post('/person', { email: ADDRESS.toUpperCase() });
    expect(found.status).toBe(303);
    const location = found.headers.get('location')!;
    expect(location).toBe(`${BASE}/person/${s.subjectId}`);
    expect(location).not.toContain('camille');
    const page = await (await dpo.get(`/person/${s.subjectId}`)).text();
    expect(page).toContain('newsletter');
    expect(page).toContain('may be sent');
    expect(page).toContain('Not suppressed');
    // Links on the page carry ids, never the address.
    for (const [, href] of page.matchAll(/(?:href|action)="([^"]+)"/g))
      expect(href).not.toContain('@');
    const unknown = await dpo.post('/person', { email: 'nobody@example.org' });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).not.toContain('nobody@example.org');
    const audit = await auditActions(s.gdpr);
    expect(audit.filter((e) => e.action.startsWith('console.')).map((e) => e.action)).toEqual([
      'console.lookup',
      'console.view',
    ]);
    for (const entry of audit) expect(entry.text).not.toContain('camille');
    expect(JSON.stringify(capturedLogLines().lines)).not.toContain('camille');
  });

  it('shows the latest deliveries of a person, newest first, not the first keys', async () => {
    // Keys in time order: the store pages by key, so its first 20 are the oldest here.
    const records = Array.from({ length: 25 }, (_, i) => {
      const at = new Date(Date.UTC(2026, 0, 1 + i, 9));
      return {
        idempotencyKey: `mail:k-${String(i).padStart(2, '0')}`,
        messageId: `<m${i}@acme.test>`,
        subjectId: s.subjectId,
        purposeId: 'newsletter',
        transport: 'memory',
        status: 'accepted' as const,
        retryable: false,
        attempts: 1,
        createdAt: at,
        updatedAt: at,
      };
    });
    await s.gdpr.store.claimDeliveries(records);
    const dpo = await session(s.handler, 'dpo');
    const page = await (await dpo.get(`/person/${s.subjectId}`)).text();
    const shown = [...page.matchAll(/<td>(2026-01-\d\d) 09:00 UTC<\/td>/g)].map((m) => m[1]);
    expect(shown).toHaveLength(20);
    expect(shown[0]).toBe('2026-01-25');
    expect(shown.at(-1)).toBe('2026-01-06');
  });

  it('prints a proof of consent and hands it as signed JSON', async () => {
    const dpo = await session(s.handler, 'dpo');
    const printable = await (await dpo.get(`/person/${s.subjectId}/proof/newsletter`)).text();
    expect(printable).toContain('Proof of consent (Art. 7(1) GDPR)');
    expect(printable).toContain('Acme SAS sends you its monthly newsletter.');
    expect(printable).toContain('The ledger chain is intact.');
    const response = await dpo.get(`/person/${s.subjectId}/proof/newsletter.json`);
    expect(response.headers.get('content-disposition')).toContain('attachment');
    const { proof, signature } = (await response.json()) as {
      proof: { subjectId: string; events: unknown[]; state: { status: string } };
      signature: { alg: string; value: string };
    };
    expect(proof.subjectId).toBe(s.subjectId);
    expect(proof.state.status).toBe('granted');
    expect(signature.alg).toBe('HS256');
    const expected = createHmac('sha256', PROOF_SECRET)
      .update(canonicalJson(proof))
      .digest('base64url');
    expect(signature.value).toBe(expected);
  });

  it('REQ-20: extends a deadline with a reason, enforcing the rule', async () => {
    const dpo = await session(s.handler, 'dpo');
    const noReason = await dpo.post(`/requests/${s.erasure.id}/extend`, { reason: ' ' });
    expect(noReason.status).toBe(422);
    // Received on 10 Jan: a month has passed, no extension any more (Art. 12(3)).
    const late = await dpo.post(`/requests/${s.overdue.id}/extend`, { reason: 'Complex' });
    expect(late.status).toBe(422);
    expect(await late.text()).toContain('within one month');
    const ok = await dpo.post(`/requests/${s.erasure.id}/extend`, { reason: 'Many sources' });
    expect(ok.status).toBe(303);
    const detail = await (await dpo.get(`/requests/${s.erasure.id}`)).text();
    expect(detail).toContain('2026-05-20 (Extended)');
    expect(detail).toContain('Many sources');
  });

  it('SEED-08: downloads a request export and a person export', async () => {
    const dpo = await session(s.handler, 'dpo');
    const download = await dpo.post(`/requests/${s.erasure.id}/export`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="dsar-${s.erasure.id}.json"`,
    );
    expect(await download.text()).toContain(ADDRESS);
    const person = await dpo.post(`/person/${s.subjectId}/export`);
    expect(person.status).toBe(200);
    expect(await person.text()).toContain(ADDRESS);
    // A request whose identity is not verified has nothing to export yet.
    expect((await dpo.post(`/requests/${s.overdue.id}/export`)).status).toBe(409);
  });

  it('offers the export on open verified requests only, not on a closed one it would refuse', async () => {
    const dpo = await session(s.handler, 'dpo');
    const exportForm = `action="${BASE}/requests/${s.erasure.id}/export"`;
    expect(await (await dpo.get(`/requests/${s.erasure.id}`)).text()).toContain(exportForm);
    const current = await s.gdpr.dsar.get(s.erasure.id);
    await s.gdpr.store.putDsarRequest(
      { ...current, status: 'rejected', version: current.version + 1 },
      current.version,
    );
    expect(await (await dpo.get(`/requests/${s.erasure.id}`)).text()).not.toContain(exportForm);
    // What the button would have led to.
    expect((await dpo.post(`/requests/${s.erasure.id}/export`)).status).toBe(409);
  });

  it('erases only after the typed confirmation', async () => {
    const dpo = await session(s.handler, 'dpo');
    const wrong = await dpo.post(`/requests/${s.erasure.id}/erase`, { confirm: 'yes' });
    expect(wrong.status).toBe(422);
    expect(await s.gdpr.store.getSubject(s.subjectId)).toBeDefined();
    const done = await dpo.post(`/requests/${s.erasure.id}/erase`, {
      confirm: s.erasure.id.slice(0, 8),
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Erased.');
    expect(await s.gdpr.store.getSubject(s.subjectId)).toBeUndefined();
  });

  it('REQ-25: erases on an erasure request only: a verified access request is refused, nothing erased', async () => {
    const access: DsarRequest = {
      ...s.erasure,
      id: randomUUID(),
      type: 'access',
    };
    await s.gdpr.store.putDsarRequest(access, 0);
    const dpo = await session(s.handler, 'dpo');
    const page = await dpo.get(`/requests/${access.id}`);
    expect(await page.text()).not.toContain(`action="${BASE}/requests/${access.id}/erase"`);
    // A hand-made POST with the right code: the form being hidden is no protection.
    const refused = await dpo.post(`/requests/${access.id}/erase`, {
      confirm: access.id.slice(0, 8),
    });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('not an erasure request: nothing was erased');
    expect(await s.gdpr.store.getSubject(s.subjectId)).toBeDefined();
    expect((await auditActions(s.gdpr)).map((e) => e.action)).not.toContain('console.erase');
    expect((await s.gdpr.dsar.get(access.id)).status).toBe('identity-verified');
  });

  it('REQ-33: records a breach, shows its 72-hour clock and records the decisions', async () => {
    const dpo = await session(s.handler, 'dpo');
    const created = await dpo.post('/breaches', breachFields());
    const path = created.headers.get('location')!.slice(BASE.length);
    const detail = await (await dpo.get(path)).text();
    // Aware at 08:00, now 09:00: 71 hours left.
    expect(detail).toContain('71 h left');
    expect((await dpo.post(`${path}/authority`, { reference: 'CNIL-42' })).status).toBe(303);
    expect((await dpo.post(`${path}/subjects`, { note: 'mailed' })).status).toBe(303);
    expect((await dpo.post(`${path}/close`, { note: 'done' })).status).toBe(303);
    const closed = await s.gdpr.breaches.get(path.split('/').at(-1)!);
    expect(closed.status).toBe('closed');
    expect(closed.authorityReference).toBe('CNIL-42');
    expect(closed.phases.map((p) => p.actor)).toEqual(Array(4).fill('user:dpo'));
    const invalid = await dpo.post('/breaches', { ...breachFields(), title: '' });
    expect(invalid.status).toBe(400);
  });

  it('previews the retention plan, runs a sweep, verifies the audit chain and serves the records', async () => {
    const dpo = await session(s.handler, 'dpo');
    await vi.waitFor(async () => {
      expect(await (await dpo.get('/retention')).text()).toContain('Subjects scanned');
    });
    const started = await dpo.post('/retention/sweep');
    expect(started.status).toBe(303);
    expect(started.headers.get('location')).toBe(`${BASE}/retention/sweep`);
    const swept = await (await dpo.get('/retention/sweep')).text();
    expect(swept).toContain('Sweep finished.');
    expect(swept).not.toContain('http-equiv="refresh"');
    const verified = await (await dpo.post('/audit/verify')).text();
    expect(verified).toContain('data-chain="ok"');
    const records = await (await dpo.get('/records')).text();
    expect(records).toContain('Monthly newsletter');
    const json = await dpo.get('/records/processing-activities.json');
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(JSON.parse(await json.text())).toBeTypeOf('object');
  });

  it('runs a long sweep in the background: one at a time, a progress page with a link to check again (no self-reload, no script)', async () => {
    let finish: (report: SweepReport) => void = () => undefined;
    let progress: ((report: SweepReport) => void) | undefined;
    const report = (scanned: number): SweepReport => ({
      now: new Date(),
      scanned,
      deleted: 0,
      anonymised: 0,
      archived: 0,
      failed: 0,
      batches: scanned / 100,
    });
    const sweep = vi.spyOn(s.gdpr.retention, 'sweep').mockImplementation(async (options) => {
      progress = options?.onProgress;
      return new Promise<SweepReport>((resolve) => {
        finish = resolve;
      });
    });
    const dpo = await session(s.handler, 'dpo');
    expect(await (await dpo.get('/retention/sweep')).text()).toContain('No sweep has been started');
    expect((await dpo.post('/retention/sweep')).status).toBe(303);
    progress?.(report(200));
    const running = await (await dpo.get('/retention/sweep')).text();
    expect(running).toContain('data-sweep="running"');
    // A page that reloads itself fails WCAG 2.2.1 (timing adjustable): the DPO checks again.
    expect(running).not.toContain('http-equiv="refresh"');
    expect(running).toContain(`<a href="${BASE}/retention/sweep">Check again</a>`);
    expect(running).toContain('<dd>200</dd>');
    expect(running).not.toContain('<script');
    // The plan page links to the running sweep instead of offering a second one.
    expect(await (await dpo.get('/retention')).text()).not.toContain(
      'action="/admin/privacy/retention/sweep"',
    );
    expect((await dpo.post('/retention/sweep')).status).toBe(303);
    expect(sweep).toHaveBeenCalledTimes(1);

    finish(report(500));
    await vi.waitFor(async () => {
      expect(await (await dpo.get('/retention/sweep')).text()).toContain('data-sweep="done"');
    });
    const done = await (await dpo.get('/retention/sweep')).text();
    expect(done).toContain('<dd>500</dd>');
    expect(done).not.toContain('http-equiv="refresh"');
    const started = (await auditActions(s.gdpr)).filter((e) => e.action === 'console.sweep');
    expect(started.map((e) => e.actor)).toEqual(['user:dpo']);
  });

  it('computes the retention plan in the background: the page answers at once and links to itself until the plan shows', async () => {
    const real = s.gdpr.retention.plan.bind(s.gdpr.retention);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const plan = vi.spyOn(s.gdpr.retention, 'plan').mockImplementation(async (options) => {
      await gate;
      return real(options);
    });
    const dpo = await session(s.handler, 'dpo');
    const computing = await (await dpo.get('/retention')).text();
    expect(computing).toContain('data-plan="running"');
    expect(computing).not.toContain('http-equiv="refresh"');
    expect(computing).toContain(`<a href="${BASE}/retention">Check again</a>`);
    expect(computing).not.toContain('<script');
    // Visits while it runs start nothing more.
    await dpo.get('/retention');
    expect(plan).toHaveBeenCalledTimes(1);
    release();
    await vi.waitFor(async () => {
      expect(await (await dpo.get('/retention')).text()).toContain('data-plan="done"');
    });
    expect(await (await dpo.get('/retention')).text()).not.toContain('http-equiv="refresh"');
    expect(plan).toHaveBeenCalledTimes(1);
    // Asked again, and after a sweep, it is computed anew.
    expect((await dpo.post('/retention/plan')).status).toBe(303);
    expect(plan).toHaveBeenCalledTimes(2);
    await dpo.post('/retention/sweep');
    await vi.waitFor(async () => {
      expect(await (await dpo.get('/retention/sweep')).text()).toContain('data-sweep="done"');
    });
    await vi.waitFor(async () => {
      expect(await (await dpo.get('/retention')).text()).toContain('data-plan="done"');
    });
    expect(plan).toHaveBeenCalledTimes(3);
  });

  it('shows a sweep that failed with its code, and lets the next one start', async () => {
    const sweep = vi
      .spyOn(s.gdpr.retention, 'sweep')
      .mockRejectedValueOnce(Object.assign(new Error('down'), { code: 'STORE_FAILURE' }));
    const dpo = await session(s.handler, 'dpo');
    await dpo.post('/retention/sweep');
    const failed = await (await dpo.get('/retention/sweep')).text();
    expect(failed).toContain('data-sweep="failed"');
    expect(failed).toContain('data-code="STORE_FAILURE"');
    await dpo.post('/retention/sweep');
    expect(sweep).toHaveBeenCalledTimes(2);
    expect(await (await dpo.get('/retention/sweep')).text()).toContain('data-sweep="done"');
  });
});

function breachFields(): Record<string, string> {
  return {
    title: 'Laptop stolen',
    awareAt: '2026-03-01T08:00',
    description: 'A laptop with an export was stolen.',
    subjectCategories: 'customers, prospects',
    approxSubjects: '120',
    recordCategories: 'email addresses',
    approxRecords: '120',
    likelyConsequences: 'Phishing',
    measures: 'Disk encryption checked; passwords rotated',
    risk: 'risk',
  };
}
