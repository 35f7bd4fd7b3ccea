import { createHmac, randomUUID } from 'node:crypto';
import type { DsarRequest, GdprMail, SweepReport } from '@gdpr-mail/core';
import { createGdprMail, InMemoryTransport, isGdprMailError } from '@gdpr-mail/core';
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
  agent: ['view', 'answer'],
};

interface Setup {
  gdpr: GdprMail;
  handler: GdprConsole;
  /** Every mail the SDK sent, to the person among others. */
  transport: InMemoryTransport;
  subjectId: string;
  overdue: DsarRequest;
  erasure: DsarRequest;
  /** Stores one more request of the person: received on 20 Feb, due 20 Mar, unless overridden. */
  put(overrides: Partial<DsarRequest>): Promise<DsarRequest>;
}

async function setup(pageSize = 25): Promise<Setup> {
  const clock = createTestClock('2026-03-01T09:00:00.000Z');
  const transport = new InMemoryTransport();
  const gdpr = createGdprMail(
    testConfig({
      clock,
      transport,
      mailer: {
        from: { address: 'privacy@acme.test' },
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      },
      dsar: { authorize: (actor) => actor === 'user:dpo' },
    }),
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
  const put = async (overrides: Partial<DsarRequest>) => {
    const stored = request(overrides);
    await gdpr.store.putDsarRequest(stored, 0);
    return stored;
  };
  return { gdpr, handler, transport, subjectId: subjectId!, overdue, erasure, put };
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

describe('answering a request from the console', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });

  const verifiedAt = new Date('2026-02-21T10:00:00.000Z');
  const VERIFIED = { status: 'identity-verified', verifiedAt } as const;
  const ANSWER_FORMS = [
    'extend',
    'send-link',
    'export',
    'rectify',
    'lift-restriction',
    'complete',
    'erase',
    'reject',
  ] as const;

  /** The answer forms a request's page offers, by the end of their action. */
  async function formsOn(dpo: Awaited<ReturnType<typeof session>>, id: string) {
    const page = await (await dpo.get(`/requests/${id}`)).text();
    return ANSWER_FORMS.filter((form) => page.includes(`action="${BASE}/requests/${id}/${form}"`));
  }

  /** A verified restriction request whose restriction was applied, then completed (as the routes do). */
  async function restrictedRequest(): Promise<DsarRequest> {
    const request = await s.put({ type: 'restriction', ...VERIFIED });
    await s.gdpr.dsar.restrict(request.id, 'accuracy contested', 'subject');
    return s.gdpr.dsar.complete(request.id, 'subject');
  }

  async function consoleAudit(action: string) {
    return (await auditActions(s.gdpr)).filter((e) => e.action === action);
  }

  it('shows each answer form only where core would take it', async () => {
    const dpo = await session(s.handler, 'dpo');
    const access = await s.put({ type: 'access', ...VERIFIED });
    const portability = await s.put({ type: 'portability', ...VERIFIED });
    const rectification = await s.put({ type: 'rectification', ...VERIFIED });
    const restriction = await restrictedRequest();
    const rejected = await s.put({ ...VERIFIED, status: 'rejected' });
    // Not confirmed, and past its first month (no extension any more, Art. 12(3)): it can only
    // be refused.
    expect(await formsOn(dpo, s.overdue.id)).toEqual(['reject']);
    expect(await formsOn(dpo, s.erasure.id)).toEqual([
      'extend',
      'export',
      'complete',
      'erase',
      'reject',
    ]);
    expect(await formsOn(dpo, access.id)).toEqual([
      'extend',
      'send-link',
      'export',
      'complete',
      'reject',
    ]);
    expect(await formsOn(dpo, portability.id)).toContain('send-link');
    expect(await formsOn(dpo, rectification.id)).toEqual([
      'extend',
      'export',
      'rectify',
      'complete',
      'reject',
    ]);
    // Completed once applied: only the lift is left.
    expect(await formsOn(dpo, restriction.id)).toEqual(['lift-restriction']);
    expect(await formsOn(dpo, rejected.id)).toEqual([]);

    // Every field has its label; the French page has its own words.
    for (const { id: requestId } of [rectification, restriction, s.erasure]) {
      const page = await (await dpo.get(`/requests/${requestId}`)).text();
      for (const [, id] of page.matchAll(/<(?:input|textarea) id="([^"]+)"/g)) {
        expect(page, id).toContain(`<label for="${id}"`);
      }
    }
    const fr = await session(s.handler, 'dpo', 'fr');
    const french = await (await fr.get(`/requests/${access.id}`)).text();
    for (const words of [
      'Marquer comme traitée',
      'Refuser la demande',
      'Envoyer le lien de téléchargement',
    ]) {
      expect(french).toContain(words);
    }
    expect(await (await fr.get(`/requests/${rectification.id}`)).text()).toContain('Rectifier');
    expect(await (await fr.get(`/requests/${restriction.id}`)).text()).toContain(
      'Lever la limitation',
    );
  });

  it('REQ-20, SEED-06: marks a verified request answered, audited with its actor', async () => {
    const dpo = await session(s.handler, 'dpo');
    const done = await dpo.post(`/requests/${s.erasure.id}/complete`);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${BASE}/requests/${s.erasure.id}`);
    const after = await s.gdpr.dsar.get(s.erasure.id);
    expect(after.status).toBe('completed');
    expect(after.steps.at(-1)).toMatchObject({ action: 'completed', actor: 'user:dpo' });
    expect(await consoleAudit('console.complete')).toEqual([
      expect.objectContaining({ actor: 'user:dpo', subjectRef: s.subjectId }),
    ]);
    expect((await consoleAudit('console.complete'))[0]!.text).toContain(s.erasure.id);
    // Answered: out of the open list, no answer form left.
    expect(await (await dpo.get('/requests')).text()).not.toContain(s.erasure.id.slice(0, 8));
    expect(await formsOn(dpo, s.erasure.id)).toEqual([]);
    // A second POST (another tab) is told the request is closed.
    const again = await dpo.post(`/requests/${s.erasure.id}/complete`);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('data-code="DSAR_CLOSED"');
    expect(await consoleAudit('console.complete')).toHaveLength(1);
  });

  it('REQ-21: does not mark answered a request the person never confirmed: 409, nothing changed', async () => {
    const dpo = await session(s.handler, 'dpo');
    const refused = await dpo.post(`/requests/${s.overdue.id}/complete`);
    expect(refused.status).toBe(409);
    const page = await refused.text();
    expect(page).toContain('data-code="DSAR_NOT_VERIFIED"');
    expect(page).toContain('has not confirmed this request yet');
    const after = await s.gdpr.dsar.get(s.overdue.id);
    expect(after.status).toBe('received');
    expect(after.version).toBe(s.overdue.version);
    expect(await consoleAudit('console.complete')).toEqual([]);
  });

  it('REQ-20: an extension mails the person its deadline and reasons when ticked; a mail that cannot leave extends nothing', async () => {
    const dpo = await session(s.handler, 'dpo');
    const reason = 'Three archived systems to search.';
    await s.gdpr.suppression.add(ADDRESS, 'hard-bounce');
    const suppressed = await dpo.post(`/requests/${s.erasure.id}/extend`, {
      reason,
      notify: '1',
    });
    expect(suppressed.status).toBe(409);
    const page = await suppressed.text();
    expect(page).toContain('data-code="SUPPRESSED"');
    expect(page).toContain('Not extended');
    expect(page).toContain(`>${reason}</textarea>`);
    expect(page).toMatch(/id="extend-notify"[^>]* aria-invalid="true" aria-describedby="flash"/);
    expect((await s.gdpr.dsar.get(s.erasure.id)).extendedDueAt).toBeUndefined();
    expect(await consoleAudit('console.extend')).toEqual([]);

    await s.gdpr.suppression.remove(ADDRESS);
    const ok = await dpo.post(`/requests/${s.erasure.id}/extend`, { reason, notify: '1' });
    expect(ok.status).toBe(303);
    const mails = s.transport.sentTo(ADDRESS);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.message.text).toContain(`Why we need more time: ${reason}`);
    const after = await s.gdpr.dsar.get(s.erasure.id);
    expect(after.steps.slice(-2).map((step) => step.action)).toEqual(['notice-mailed', 'extended']);
    expect((await consoleAudit('console.extend'))[0]!.text).toContain('"notified":true');
  });

  it('REQ-20: refuses a request with its reasons, mailing them and the right to complain to the person', async () => {
    const dpo = await session(s.handler, 'dpo');
    const reason = 'The same request was answered on 15 February.';
    // Not confirmed: a refusal is still an answer the person is owed (Art. 12(4)).
    const refused = await dpo.post(`/requests/${s.overdue.id}/reject`, { reason, notify: '1' });
    expect(refused.status).toBe(303);
    const after = await s.gdpr.dsar.get(s.overdue.id);
    expect(after.status).toBe('rejected');
    expect(after.rejectionReason).toBe(reason);
    expect(after.steps.find((step) => step.action === 'rejected')?.actor).toBe('user:dpo');
    const mails = s.transport.sentTo(ADDRESS);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.message.text).toContain(reason);
    expect(mails[0]!.message.text).toMatch(/complaint/i);
    const audited = await consoleAudit('console.reject');
    expect(audited.map((e) => [e.actor, e.subjectRef])).toEqual([['user:dpo', s.subjectId]]);
    expect(audited[0]!.text).toContain('"notified":true');
    expect(audited[0]!.text).toContain(s.overdue.id);
  });

  it('REQ-20: refuses without a mail when the box is unticked (the person was told another way)', async () => {
    const dpo = await session(s.handler, 'dpo');
    const refused = await dpo.post(`/requests/${s.erasure.id}/reject`, {
      reason: 'Told by phone: the account is needed for the open order.',
    });
    expect(refused.status).toBe(303);
    expect((await s.gdpr.dsar.get(s.erasure.id)).status).toBe('rejected');
    expect(s.transport.sentTo(ADDRESS)).toEqual([]);
    expect((await consoleAudit('console.reject'))[0]!.text).toContain('"notified":false');
  });

  it('REQ-20: a refusal without its reasons is refused: 422 on the reasons field, nothing mailed', async () => {
    const dpo = await session(s.handler, 'dpo');
    const refused = await dpo.post(`/requests/${s.erasure.id}/reject`, {
      reason: '  ',
      notify: '1',
    });
    expect(refused.status).toBe(422);
    const page = await refused.text();
    expect(page).toContain('data-code="VALIDATION_FAILED"');
    expect(page).toMatch(
      /id="reject-reason" name="reason" required maxlength="2000" aria-invalid="true" aria-describedby="flash"/,
    );
    expect((await s.gdpr.dsar.get(s.erasure.id)).status).toBe('identity-verified');
    expect(s.transport.sentTo(ADDRESS)).toEqual([]);
    expect(await consoleAudit('console.reject')).toEqual([]);
  });

  it('REQ-20: a refusal whose mail cannot leave records nothing and says to tell the person another way', async () => {
    const dpo = await session(s.handler, 'dpo');
    const reason = 'Manifestly excessive: the fifth request this month.';
    // The transport refuses once: nothing is recorded, the address is not on the page.
    s.transport.failFor(ADDRESS, 'transient', {
      retryable: true,
      message: `451 try later <${ADDRESS}>`,
      times: 1,
    });
    const failed = await dpo.post(`/requests/${s.erasure.id}/reject`, { reason, notify: '1' });
    expect(failed.status).toBe(502);
    const failedPage = await failed.text();
    expect(failedPage).toContain('the email could not be sent');
    expect(failedPage).not.toContain(ADDRESS);
    expect((await s.gdpr.dsar.get(s.erasure.id)).status).toBe('identity-verified');

    // The address bounced since: the mailer refuses it.
    await s.gdpr.suppression.add(ADDRESS, 'hard-bounce');
    const suppressed = await dpo.post(`/requests/${s.erasure.id}/reject`, {
      reason,
      notify: '1',
    });
    expect(suppressed.status).toBe(409);
    const page = await suppressed.text();
    expect(page).toContain('data-code="SUPPRESSED"');
    expect(page).toContain('untick the email box');
    // The reasons typed are kept for the next try; the box is tied to the problem.
    expect(page).toContain(`>${reason}</textarea>`);
    expect(page).toMatch(/id="reject-notify"[^>]* aria-invalid="true" aria-describedby="flash"/);
    expect((await s.gdpr.dsar.get(s.erasure.id)).status).toBe('identity-verified');
    expect(await consoleAudit('console.reject')).toEqual([]);

    // Told by post instead: unticked, it is recorded.
    expect((await dpo.post(`/requests/${s.erasure.id}/reject`, { reason })).status).toBe(303);
    expect((await s.gdpr.dsar.get(s.erasure.id)).status).toBe('rejected');
    expect(s.transport.sentTo(ADDRESS)).toEqual([]);
  });

  it('SEED-12: mails the download link of a verified access request, never showing it on the page', async () => {
    const dpo = await session(s.handler, 'dpo');
    const access = await s.put({ type: 'access', ...VERIFIED });
    const sent = await dpo.post(`/requests/${access.id}/send-link`);
    // Redirected: a reload of the answer does not mail a second link.
    expect(sent.status).toBe(303);
    const location = sent.headers.get('location')!;
    expect(location).toBe(`${BASE}/requests/${access.id}?done=link-sent`);
    const page = await (await dpo.get(location.slice(BASE.length))).text();
    expect(page).toContain('Download link sent to the person.');
    const mails = s.transport.sentTo(ADDRESS);
    expect(mails).toHaveLength(1);
    const link = /https:\/\/\S+\/dsar\/download\/(\S+)/.exec(mails[0]!.message.text ?? '');
    expect(link).not.toBeNull();
    // A bearer link to the person's data: in their mailbox only.
    expect(page).not.toContain(link![1]!);
    expect(page).not.toContain('/dsar/download/');
    const after = await s.gdpr.dsar.get(access.id);
    expect(after.steps.at(-1)?.action).toBe('download-link-sent');
    expect(after.status).toBe('identity-verified');
    const audited = await consoleAudit('console.send-link');
    expect(audited.map((e) => [e.actor, e.subjectRef])).toEqual([['user:dpo', s.subjectId]]);
    expect(audited[0]!.text).not.toContain(link![1]!);
    for (const entry of await auditActions(s.gdpr)) expect(entry.text).not.toContain(link![1]!);
    expect(JSON.stringify(capturedLogLines().lines)).not.toContain(link![1]!);
  });

  it('SEED-12: sends no link for an erasure request, nor for an address the mailer refuses', async () => {
    const dpo = await session(s.handler, 'dpo');
    const notACopy = await dpo.post(`/requests/${s.erasure.id}/send-link`);
    expect(notACopy.status).toBe(422);
    expect(await notACopy.text()).toContain('only access and portability requests');
    const unverified = await s.put({ type: 'portability' });
    const notConfirmed = await dpo.post(`/requests/${unverified.id}/send-link`);
    expect(notConfirmed.status).toBe(409);
    expect(await notConfirmed.text()).toContain('data-code="DSAR_NOT_VERIFIED"');

    const access = await s.put({ type: 'access', ...VERIFIED });
    await s.gdpr.suppression.add(ADDRESS, 'complaint');
    const refused = await dpo.post(`/requests/${access.id}/send-link`);
    expect(refused.status).toBe(409);
    const page = await refused.text();
    expect(page).toContain('data-code="SUPPRESSED"');
    expect(page).toContain('mark the request answered');
    // The request stays open, with its button to mark it answered once told another way.
    expect(await formsOn(dpo, access.id)).toContain('complete');
    expect(s.transport.sentTo(ADDRESS)).toEqual([]);
    expect(await consoleAudit('console.send-link')).toEqual([]);
  });

  it('REQ-24: rectifies the fields filled in and keeps the others, values in the POST body only', async () => {
    const dpo = await session(s.handler, 'dpo');
    const rectification = await s.put({ type: 'rectification', ...VERIFIED });
    const done = await dpo.post(`/requests/${rectification.id}/rectify`, {
      name: 'Camille Durand',
      phone: '',
      country: 'be',
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${BASE}/requests/${rectification.id}`);
    const profile = (await s.gdpr.store.getSubject(s.subjectId))!.profile;
    expect(profile.name).toBe('Camille Durand');
    expect(profile.country).toBe('BE');
    expect(profile.phone).toBeUndefined();
    const after = await s.gdpr.dsar.get(rectification.id);
    expect(after.steps.at(-1)).toMatchObject({
      action: 'rectified',
      actor: 'user:dpo',
      detail: 'fields: name, country',
    });
    // Still open: marking it answered is the DPO's next step.
    expect(after.status).toBe('identity-verified');
    const audited = await consoleAudit('console.rectify');
    expect(audited.map((e) => [e.actor, e.subjectRef])).toEqual([['user:dpo', s.subjectId]]);
    expect(audited[0]!.text).toContain('"fields":["name","country"]');
    for (const entry of await auditActions(s.gdpr)) expect(entry.text).not.toContain('Durand');
    expect(JSON.stringify(capturedLogLines().lines)).not.toContain('Durand');
  });

  it('REQ-24: an empty rectification, a bad country or a request of another type changes nothing', async () => {
    const dpo = await session(s.handler, 'dpo');
    const rectification = await s.put({ type: 'rectification', ...VERIFIED });
    const empty = await dpo.post(`/requests/${rectification.id}/rectify`, {
      name: ' ',
      phone: '',
      country: '',
    });
    expect(empty.status).toBe(422);
    const emptyPage = await empty.text();
    expect(emptyPage).toContain('Change at least one field');
    for (const id of ['rectify-name', 'rectify-phone', 'rectify-country']) {
      expect(emptyPage).toMatch(new RegExp(`id="${id}"[^>]* aria-invalid="true"`));
    }

    const badCountry = await dpo.post(`/requests/${rectification.id}/rectify`, {
      name: 'Camille Durand',
      country: 'FRA',
    });
    expect(badCountry.status).toBe(422);
    const page = await badCountry.text();
    expect(page).toContain('data-code="VALIDATION_FAILED"');
    expect(page).toContain('country: must be an ISO 3166-1 alpha-2 code');
    expect(page).toMatch(/id="rectify-country"[^>]* aria-invalid="true" aria-describedby="flash"/);
    expect(page).not.toMatch(/id="rectify-name"[^>]* aria-invalid/);
    // The values posted are not echoed back.
    expect(page).not.toContain('Durand');
    expect(page).not.toContain('FRA');

    const access = await s.put({ type: 'access', ...VERIFIED });
    const notRectification = await dpo.post(`/requests/${access.id}/rectify`, {
      name: 'Camille Durand',
    });
    expect(notRectification.status).toBe(422);
    expect(await notRectification.text()).toContain('not a rectification request');
    expect((await s.gdpr.store.getSubject(s.subjectId))!.profile.name).toBeUndefined();
    expect(await consoleAudit('console.rectify')).toEqual([]);
  });

  it('REQ-24: lifts a restriction once the person was told, on its completed request', async () => {
    const dpo = await session(s.handler, 'dpo');
    const restriction = await restrictedRequest();
    const lift = `/requests/${restriction.id}/lift-restriction`;
    // Completed, it left the open list: the person's page is where it is found.
    const requestsPage = await (await dpo.get('/requests')).text();
    expect(requestsPage).not.toContain(`/requests/${restriction.id}"`);
    const personPage = await (await dpo.get(`/person/${s.subjectId}`)).text();
    expect(personPage).toContain(`href="${BASE}/requests/${restriction.id}"`);
    for (const toldAt of ['', 'yesterday', '2026-02-31', '2026-03-02']) {
      const refused = await dpo.post(lift, { how: 'email', toldAt });
      expect(refused.status, toldAt).toBe(422);
      expect(await refused.text()).toMatch(
        /id="lift-toldAt"[^>]* aria-invalid="true" aria-describedby="flash"/,
      );
    }
    const noHow = await dpo.post(lift, { how: '', toldAt: '2026-02-28' });
    expect(noHow.status).toBe(422);
    expect(await noHow.text()).toMatch(/id="lift-how"[^>]* aria-invalid="true"/);
    expect((await s.gdpr.store.getSubject(s.subjectId))!.profile.restriction).toBeDefined();

    const lifted = await dpo.post(lift, { how: 'email', toldAt: '2026-02-28' });
    expect(lifted.status).toBe(303);
    expect((await s.gdpr.store.getSubject(s.subjectId))!.profile.restriction).toBeUndefined();
    const after = await s.gdpr.dsar.get(restriction.id);
    expect(after.steps.at(-1)).toMatchObject({
      action: 'restriction-lifted',
      actor: 'user:dpo',
      detail: 'told 2026-02-28T00:00:00.000Z by email',
    });
    expect(after.status).toBe('completed');
    const audited = await consoleAudit('console.lift-restriction');
    expect(audited.map((e) => [e.actor, e.subjectRef])).toEqual([['user:dpo', s.subjectId]]);
    // Lifted: the form is gone, and a second POST lifts nothing.
    expect(await formsOn(dpo, restriction.id)).toEqual([]);
    const again = await dpo.post(lift, { how: 'email', toldAt: '2026-02-28' });
    expect(again.status).toBe(422);
    expect(await consoleAudit('console.lift-restriction')).toHaveLength(1);
  });

  it('REQ-24: lifts nothing from a request that never restricted the person, even while another did', async () => {
    const dpo = await session(s.handler, 'dpo');
    await restrictedRequest();
    expect(await formsOn(dpo, s.erasure.id)).not.toContain('lift-restriction');
    const refused = await dpo.post(`/requests/${s.erasure.id}/lift-restriction`, {
      how: 'email',
      toldAt: '2026-02-28',
    });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('has no restriction in force');
    expect((await s.gdpr.store.getSubject(s.subjectId))!.profile.restriction).toBeDefined();
    expect(await consoleAudit('console.lift-restriction')).toEqual([]);
  });

  it('SEED-06: a viewer gets 403 on every answer, and `answer` does not send links (an export)', async () => {
    const access = await s.put({ type: 'access', ...VERIFIED });
    const rectification = await s.put({ type: 'rectification', ...VERIFIED });
    const restriction = await restrictedRequest();
    const attempts = (user: Awaited<ReturnType<typeof session>>) =>
      [
        () => user.post(`/requests/${s.erasure.id}/complete`),
        () => user.post(`/requests/${s.erasure.id}/reject`, { reason: 'No', notify: '1' }),
        () => user.post(`/requests/${access.id}/send-link`),
        () => user.post(`/requests/${rectification.id}/rectify`, { name: 'Camille Durand' }),
        () =>
          user.post(`/requests/${restriction.id}/lift-restriction`, {
            how: 'email',
            toldAt: '2026-02-28',
          }),
      ] as const;
    const viewer = await session(s.handler, 'viewer');
    for (const attempt of attempts(viewer)) {
      const response = await attempt();
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('data-code="FORBIDDEN"');
    }
    // An agent may answer but not hand data over.
    const agent = await session(s.handler, 'agent');
    expect((await attempts(agent)[2]()).status).toBe(403);
    // Nothing the viewer or the agent was refused happened.
    expect((await s.gdpr.dsar.get(s.erasure.id)).status).toBe('identity-verified');
    expect((await s.gdpr.dsar.get(access.id)).steps).toHaveLength(1);
    const subject = (await s.gdpr.store.getSubject(s.subjectId))!;
    expect(subject.profile.name).toBeUndefined();
    expect(subject.profile.restriction).toBeDefined();
    expect(s.transport.sentTo(ADDRESS)).toEqual([]);
    expect((await auditActions(s.gdpr)).filter((e) => e.action.startsWith('console.'))).toEqual([]);

    expect((await attempts(agent)[0]()).status).toBe(303);
    expect((await consoleAudit('console.complete')).map((e) => e.actor)).toEqual(['user:agent']);
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
