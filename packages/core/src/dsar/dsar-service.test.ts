import { describe, expect, it } from 'vitest';
import { checkboxEvidence, type testConfig } from '../testing/fixtures.js';
import { testGdpr } from '../testing/test-gdpr.js';
import type { DsarDataSource } from './data-source.js';

const email = 'camille@example.org';
const DAY = 86_400_000;

function setup(overrides: Parameters<typeof testConfig>[0] = {}) {
  const { gdpr, store, transport, clock } = testGdpr(overrides);
  const linkIn = (to: string, path: string) => {
    const mails = transport.sentTo(to);
    const text = mails.at(-1)?.message.text ?? '';
    const url = new RegExp(`(https://\\S+${path}/\\S+)`).exec(text)?.[1];
    return url ? url.slice(url.lastIndexOf('/') + 1) : undefined;
  };
  return { gdpr, store, transport, clock, linkIn };
}

async function verifiedRequest(
  ctx: ReturnType<typeof setup>,
  type: 'access' | 'erasure' | 'rectification' | 'restriction' | 'objection' = 'access',
) {
  await ctx.gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
  await ctx.gdpr.dsar.request({ email, type });
  const token = ctx.linkIn(email, '/dsar/verify')!;
  return ctx.gdpr.dsar.verify(token);
}

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return out;
}

describe('DSAR identity verification (REQ-21)', () => {
  it('mails the link to the address on file and answers identically for unknown addresses', async () => {
    const ctx = setup();
    await ctx.gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    const known = await ctx.gdpr.dsar.request({ email: ' Camille@Example.ORG ', type: 'access' });
    const unknown = await ctx.gdpr.dsar.request({ email: 'nobody@example.org', type: 'access' });
    expect(known).toEqual(unknown);
    expect(ctx.transport.sentTo(email)).toHaveLength(1);
    expect(ctx.transport.sentTo('nobody@example.org')).toHaveLength(0);
    expect(await ctx.gdpr.dsar.list()).toHaveLength(1);
  });

  it('gives no data before verification, and the link works once', async () => {
    const ctx = setup();
    await ctx.gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await ctx.gdpr.dsar.request({ email, type: 'access' });
    const [request] = await ctx.gdpr.dsar.list();
    await expect(text(ctx.gdpr.dsar.exportJson(request!.id))).rejects.toMatchObject({
      code: 'DSAR_NOT_VERIFIED',
    });
    await expect(ctx.gdpr.dsar.erase(request!.id)).rejects.toMatchObject({
      code: 'DSAR_NOT_VERIFIED',
    });
    const token = ctx.linkIn(email, '/dsar/verify')!;
    expect((await ctx.gdpr.dsar.verify(token)).status).toBe('identity-verified');
    await expect(ctx.gdpr.dsar.verify(token)).rejects.toMatchObject({ code: 'TOKEN_USED' });
    await expect(ctx.gdpr.dsar.verify(`${token}x`)).rejects.toMatchObject({
      code: 'TOKEN_INVALID',
    });
  });

  it('rate-limits per address silently and per IP loudly', async () => {
    const ctx = setup({ dsar: { perAddressPerDay: 1, perIpPerHour: 2 } });
    await ctx.gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await ctx.gdpr.dsar.request({ email, type: 'access', ip: '198.51.100.7' });
    expect(await ctx.gdpr.dsar.request({ email, type: 'access', ip: '198.51.100.7' })).toEqual({
      received: true,
    });
    expect(ctx.transport.sentTo(email)).toHaveLength(1);
    await expect(
      ctx.gdpr.dsar.request({ email, type: 'access', ip: '198.51.100.7' }),
    ).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
  });
});

describe('DSAR deadlines (REQ-20, SEED-12)', () => {
  it('is due one calendar month after receipt; extension only within that month; every step recorded', async () => {
    const ctx = setup();
    const request = await verifiedRequest(ctx);
    expect(request.dueAt.toISOString()).toBe('2026-04-01T09:00:00.000Z');
    ctx.clock.advance(31 * DAY + 3_600_000); // past the one-month deadline (day 32)
    await expect(ctx.gdpr.dsar.extend(request.id, 'Volume of data')).rejects.toMatchObject({
      code: 'DSAR_EXTENSION_REFUSED',
    });
    const fresh = setup();
    const early = await verifiedRequest(fresh);
    fresh.clock.advance(20 * DAY);
    const extended = await fresh.gdpr.dsar.extend(early.id, 'Many sources to search');
    expect(extended.extendedDueAt?.toISOString()).toBe('2026-06-01T09:00:00.000Z');
    expect(extended.steps.map((s) => s.action)).toEqual([
      'received',
      'identity-verified',
      'notice-mailed',
      'extended',
    ]);
    const mailed = fresh.transport.sentTo(email).length;
    await expect(fresh.gdpr.dsar.extend(early.id, 'again')).rejects.toMatchObject({
      code: 'DSAR_EXTENSION_REFUSED',
    });
    // A refused extension tells the person nothing.
    expect(fresh.transport.sentTo(email)).toHaveLength(mailed);
  });

  it('REQ-21: a request the person never confirmed cannot be marked answered', async () => {
    const ctx = setup();
    await ctx.gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await ctx.gdpr.dsar.request({ email, type: 'access' });
    const [pending] = await ctx.gdpr.dsar.list();
    await expect(ctx.gdpr.dsar.complete(pending!.id, 'dpo')).rejects.toMatchObject({
      code: 'DSAR_NOT_VERIFIED',
    });
    const after = await ctx.gdpr.dsar.get(pending!.id);
    expect(after.status).toBe('received');
    expect(after.steps.map((s) => s.action)).toEqual(['received']);
  });

  it('lists overdue and due-soon requests', async () => {
    const ctx = setup();
    const request = await verifiedRequest(ctx);
    expect(await ctx.gdpr.dsar.overdue()).toEqual([]);
    ctx.clock.advance(25 * DAY);
    expect((await ctx.gdpr.dsar.dueSoon(7)).map((r) => r.id)).toEqual([request.id]);
    ctx.clock.advance(10 * DAY);
    expect((await ctx.gdpr.dsar.overdue()).map((r) => r.id)).toEqual([request.id]);
    await ctx.gdpr.dsar.complete(request.id);
    expect(await ctx.gdpr.dsar.overdue()).toEqual([]);
    const actions = [];
    for await (const entry of ctx.gdpr.audit.entries()) actions.push(entry.action);
    expect(actions).toEqual(
      expect.arrayContaining(['dsar.received', 'dsar.identity-verified', 'dsar.completed']),
    );
  });
});

describe('DSAR notices: an extension or a refusal is told to the person (REQ-20)', () => {
  const last = (ctx: ReturnType<typeof setup>) => ctx.transport.sentTo(email).at(-1)!.message;

  it('REQ-20: an extension mails the new deadline and the reasons before it is recorded', async () => {
    const ctx = setup();
    const request = await verifiedRequest(ctx, 'erasure');
    const before = ctx.transport.sentTo(email).length;
    const extended = await ctx.gdpr.dsar.extend(request.id, 'Backups on {due} tapes', 'dpo');
    expect(ctx.transport.sentTo(email)).toHaveLength(before + 1);
    const mail = last(ctx);
    expect(mail.subject).toBe(
      'Acme SAS: we need more time for your request for the erasure of your data',
    );
    expect(mail.text).toContain('by June 1, 2026 at the latest');
    // The reason is written as given: a placeholder in it is not filled.
    expect(mail.text).toContain('Why we need more time: Backups on {due} tapes');
    expect(mail.html).toContain('Backups on {due} tapes');
    expect(mail.headers?.['List-Unsubscribe']).toBeUndefined();
    expect(extended.steps.slice(-2)).toMatchObject([
      { action: 'notice-mailed', actor: 'system' },
      { action: 'extended', actor: 'dpo', detail: 'Backups on {due} tapes' },
    ]);
    const audited = [];
    for await (const entry of ctx.gdpr.audit.entries()) {
      if (entry.action === 'dsar.extended') audited.push(entry.details);
    }
    expect(audited).toEqual([expect.objectContaining({ notified: true })]);
  });

  it('REQ-20: a refusal mails its reasons and the right to complain, naming the configured authority, in the person’s language', async () => {
    const ctx = setup({
      records: {
        supervisoryAuthority: { name: 'CNIL', url: 'https://www.cnil.fr/fr/plaintes' },
      },
      // The mail invites a reply: it reaches the reply address, not the sender.
      mailer: {
        from: { address: 'no-reply@acme.test' },
        replyTo: { address: 'dpo@acme.test' },
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      },
    });
    await ctx.gdpr.subjects.upsert(email, { language: 'fr' });
    const request = await verifiedRequest(ctx, 'access');
    const rejected = await ctx.gdpr.dsar.reject(
      request.id,
      'Demande manifestement excessive',
      'dpo',
    );
    expect(rejected.status).toBe('rejected');
    const mail = last(ctx);
    expect(mail.subject).toBe('Acme SAS : notre réponse à votre demande (copie de vos données)');
    expect(mail.text).toContain('pour ces raisons : Demande manifestement excessive');
    expect(mail.text).toContain('réclamation auprès de CNIL (https://www.cnil.fr/fr/plaintes)');
    expect(mail.replyTo).toMatchObject({ address: 'dpo@acme.test' });
    expect(rejected.steps.map((s) => s.action).slice(-2)).toEqual(['notice-mailed', 'rejected']);

    const other = setup();
    const plain = await verifiedRequest(other, 'objection');
    await other.gdpr.dsar.reject(plain.id, 'Not our customer');
    expect(last(other).text).toContain(
      'lodge a complaint with a data protection authority, in particular in the country where you live',
    );
  });

  it('REQ-20: a notice that cannot leave records nothing; notify: false records that it was told another way', async () => {
    const ctx = setup();
    const request = await verifiedRequest(ctx, 'access');
    ctx.transport.failFor(email, 'transient', { retryable: true, times: 1 });
    await expect(ctx.gdpr.dsar.reject(request.id, 'Excessive')).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
    });
    expect((await ctx.gdpr.dsar.get(request.id)).status).toBe('identity-verified');

    await ctx.gdpr.suppression.add(email, 'hard-bounce');
    await expect(ctx.gdpr.dsar.extend(request.id, 'Complex')).rejects.toMatchObject({
      code: 'SUPPRESSED',
    });
    const unchanged = await ctx.gdpr.dsar.get(request.id);
    expect(unchanged.extendedDueAt).toBeUndefined();
    expect(unchanged.steps.map((s) => s.action)).toEqual(['received', 'identity-verified']);

    const sent = ctx.transport.sentTo(email).length;
    const rejected = await ctx.gdpr.dsar.reject(request.id, 'Told by post', 'dpo', {
      notify: false,
    });
    expect(ctx.transport.sentTo(email)).toHaveLength(sent);
    expect(rejected.steps.map((s) => s.action).slice(-2)).toEqual([
      'notice-not-mailed',
      'rejected',
    ]);
    // The audit log says whether the person was mailed, not only the request's steps.
    const audited = [];
    for await (const entry of ctx.gdpr.audit.entries()) {
      if (entry.action === 'dsar.rejected') audited.push(entry.details);
    }
    expect(audited).toEqual([expect.objectContaining({ notified: false })]);
    await expect(
      ctx.gdpr.dsar.reject(request.id, 'again', 'dpo', { notify: 'no' as never }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('DSAR export (REQ-22, REQ-23)', () => {
  const orders: DsarDataSource = {
    name: 'orders',
    columns: ['id', 'total', 'note'],
    async *export() {
      yield { id: 'A-1', total: 42.5, note: 'gift, "wrapped"' };
      yield { id: 'A-2', total: 10, note: '=SUM(A1)' };
    },
  };

  it('exports a JSON bundle with the Art. 15 facts and every source, and RFC 4180 CSV', async () => {
    const ctx = setup();
    ctx.gdpr.dsar.registerSource(orders);
    ctx.gdpr.dsar.registerSource({
      name: 'broken',
      async *export() {
        yield { partial: true };
        throw new Error('database is down');
      },
    });
    const request = await verifiedRequest(ctx);
    const bundle = JSON.parse(await text(ctx.gdpr.dsar.exportJson(request.id)));
    expect(bundle.format).toBe('gdpr-mail/dsar-export@1');
    expect(bundle.subject.email).toBe(email);
    expect(bundle.facts.purposes.length).toBeGreaterThan(0);
    expect(bundle.facts.rights).toHaveLength(6);
    expect(bundle.facts.complaint).toBeTruthy();
    expect(bundle.sources['consent-ledger'][0]).toMatchObject({
      type: 'granted',
      purposeId: 'newsletter',
    });
    expect(bundle.sources.orders).toHaveLength(2);
    expect(bundle.sources.broken).toEqual([{ partial: true }]);
    expect(bundle.failures).toEqual({ broken: 'Error' });
    expect((await ctx.gdpr.dsar.get(request.id)).sources.broken).toMatchObject({
      status: 'failed',
      attempts: 1,
    });
    const csv = await text(ctx.gdpr.dsar.exportCsv(request.id, 'orders'));
    expect(csv).toBe('id,total,note\r\nA-1,42.5,"gift, ""wrapped"""\r\nA-2,10,\'=SUM(A1)\r\n');
  });

  it('REQ-22: the export returns the recorded IP and user agent and the stored name and phone (issue #18)', async () => {
    const ctx = setup({ proof: { recordIp: true, recordUserAgent: true } });
    await ctx.gdpr.consent.record({
      email,
      purposes: ['newsletter'],
      evidence: { ...checkboxEvidence, ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (Test)' },
    });
    await ctx.gdpr.subjects.upsert(email, { name: 'Camille Martin', phone: '+33 6 12 34 56 78' });
    const request = await verifiedRequest(ctx);
    const bundle = JSON.parse(await text(ctx.gdpr.dsar.exportJson(request.id)));
    expect(bundle.subject.profile).toMatchObject({
      name: 'Camille Martin',
      phone: '+33 6 12 34 56 78',
    });
    expect(bundle.sources['consent-ledger'][0]).toMatchObject({
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (Test)',
    });
    const csv = await text(ctx.gdpr.dsar.exportCsv(request.id, 'consent-ledger'));
    const [header, first] = csv.split('\r\n');
    expect(header!.split(',').slice(-2)).toEqual(['ip', 'userAgent']);
    expect(first).toContain('203.0.113.7');
    expect(first).toContain('Mozilla/5.0 (Test)');
  });

  it('delivers through an expiring, single-use download link mailed to the address on file', async () => {
    const ctx = setup();
    const request = await verifiedRequest(ctx);
    await ctx.gdpr.dsar.sendDownloadLink(request.id);
    const token = ctx.linkIn(email, '/dsar/download')!;
    const { body } = await ctx.gdpr.dsar.download(token);
    expect(JSON.parse(await text(body)).request.id).toBe(request.id);
    await expect(ctx.gdpr.dsar.download(token)).rejects.toMatchObject({ code: 'TOKEN_USED' });
    // The copy was read to the end: the request is answered, by the person's download.
    const answered = await ctx.gdpr.dsar.get(request.id);
    expect(answered.status).toBe('completed');
    expect(answered.steps.at(-1)).toMatchObject({ action: 'completed', actor: 'subject' });
    expect(await ctx.gdpr.dsar.overdue()).toEqual([]);

    const next = await verifiedRequest(ctx);
    await ctx.gdpr.dsar.sendDownloadLink(next.id);
    const late = ctx.linkIn(email, '/dsar/download')!;
    ctx.clock.advance(8 * DAY);
    await expect(ctx.gdpr.dsar.download(late)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('REQ-20: a download that stops early, or whose bundle lacks a failed source, leaves the request open', async () => {
    const ctx = setup();
    let failing = true;
    ctx.gdpr.dsar.registerSource({
      name: 'orders',
      async *export() {
        yield { id: 'A-1' };
        if (failing) throw new Error('database is down');
      },
    });
    const request = await verifiedRequest(ctx);
    await ctx.gdpr.dsar.sendDownloadLink(request.id);
    const { body } = await ctx.gdpr.dsar.download(ctx.linkIn(email, '/dsar/download')!);
    expect(JSON.parse(await text(body)).failures).toEqual({ orders: 'Error' });
    expect((await ctx.gdpr.dsar.get(request.id)).status).toBe('in-progress');

    // A reader that stops after the first chunk completes nothing either.
    failing = false;
    await ctx.gdpr.dsar.sendDownloadLink(request.id);
    const partial = await ctx.gdpr.dsar.download(ctx.linkIn(email, '/dsar/download')!);
    for await (const _chunk of partial.body) break;
    expect((await ctx.gdpr.dsar.get(request.id)).status).toBe('in-progress');

    // The source fixed, a full download answers the request.
    await ctx.gdpr.dsar.sendDownloadLink(request.id);
    const full = await ctx.gdpr.dsar.download(ctx.linkIn(email, '/dsar/download')!);
    await text(full.body);
    expect((await ctx.gdpr.dsar.get(request.id)).status).toBe('completed');
  });

  it('SEED-08: an admin export needs the authorisation hook and is audited', async () => {
    const ctx = setup({ dsar: { authorize: (actor) => actor === 'admin:dpo' } });
    await ctx.gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await expect(text(ctx.gdpr.dsar.adminExport(email, 'admin:intern'))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const bundle = JSON.parse(await text(ctx.gdpr.dsar.adminExport(email, 'admin:dpo')));
    expect(bundle.subject.email).toBe(email);
    const actions = [];
    for await (const entry of ctx.gdpr.audit.entries()) actions.push([entry.action, entry.actor]);
    expect(actions).toContainEqual(['dsar.admin-export', 'admin:dpo']);
  });
});

describe('DSAR erasure (REQ-25, REQ-26)', () => {
  it('erases every source, keeps only the keyed hash, tells processors, and returns a certificate', async () => {
    const ctx = setup();
    const erased: string[] = [];
    ctx.gdpr.dsar.registerSource({
      name: 'crm',
      async erase(s) {
        erased.push(s.subjectId);
        return 3;
      },
    });
    ctx.gdpr.dsar.registerSource({
      name: 'invoices',
      async erase() {
        return 1;
      },
    });
    const told: string[] = [];
    ctx.gdpr.dsar.registerProcessor({
      name: 'Mailjet',
      async eraseContact(address) {
        told.push(address);
        return { ok: true };
      },
    });
    const request = await verifiedRequest(ctx, 'erasure');
    const certificate = await ctx.gdpr.dsar.erase(request.id, {
      legalHolds: [
        {
          source: 'invoices',
          reason: 'French commercial code: invoices kept 10 years (Art. 17(3)(b))',
        },
      ],
    });
    expect(certificate.sources).toMatchObject({
      crm: { status: 'erased', count: 3 },
      invoices: { status: 'held' },
      'consent-ledger': { status: 'erased' },
    });
    expect(certificate.processors).toEqual({ Mailjet: { ok: true } });
    expect(told).toEqual([email]);
    expect(certificate.kept.map((k) => k.why).join(' ')).toContain('commercial code');
    expect(await ctx.gdpr.subjects.get(email)).toBeUndefined();
    expect(await ctx.gdpr.suppression.check(email)).toMatchObject({ reason: 'erased' });
    expect(await ctx.gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'suppressed',
    });
    expect(ctx.store.dump().toLowerCase()).not.toContain('camille');
    expect((await ctx.gdpr.dsar.get(request.id)).status).toBe('completed');
    expect((await ctx.gdpr.audit.verify()).ok).toBe(true);
  });

  it('a failing source stops the erasure short of deleting the person, and is recorded', async () => {
    const ctx = setup();
    ctx.gdpr.dsar.registerSource({
      name: 'crm',
      async erase() {
        throw new Error('timeout');
      },
    });
    const request = await verifiedRequest(ctx, 'erasure');
    const certificate = await ctx.gdpr.dsar.erase(request.id);
    expect(certificate.sources.crm).toMatchObject({ status: 'failed' });
    expect(await ctx.gdpr.subjects.get(email)).toBeDefined();
    expect((await ctx.gdpr.dsar.get(request.id)).sources.crm).toMatchObject({
      status: 'failed',
      attempts: 1,
    });
  });
});

describe('DSAR erasure refusals (REQ-25)', () => {
  async function auditActions(ctx: ReturnType<typeof setup>) {
    const actions: string[] = [];
    for await (const entry of ctx.gdpr.audit.entries()) actions.push(entry.action);
    return actions;
  }

  for (const type of ['access', 'portability'] as const) {
    it(`REQ-25: a verified ${type} request erases nothing and stays as it was`, async () => {
      const ctx = setup();
      const erased: string[] = [];
      const told: string[] = [];
      ctx.gdpr.dsar.registerSource({
        name: 'crm',
        async erase(s) {
          erased.push(s.subjectId);
          return 1;
        },
      });
      ctx.gdpr.dsar.registerProcessor({
        name: 'Mailjet',
        async eraseContact(address) {
          told.push(address);
          return { ok: true };
        },
      });
      await ctx.gdpr.consent.record({
        email,
        purposes: ['newsletter'],
        evidence: checkboxEvidence,
      });
      await ctx.gdpr.dsar.request({ email, type });
      const request = await ctx.gdpr.dsar.verify(ctx.linkIn(email, '/dsar/verify')!);
      const audit = await auditActions(ctx);

      await expect(ctx.gdpr.dsar.erase(request.id)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { requestId: request.id, type },
      });
      expect(erased).toEqual([]);
      expect(told).toEqual([]);
      expect(await ctx.gdpr.subjects.get(email)).toBeDefined();
      expect(await ctx.gdpr.suppression.check(email)).toBeUndefined();
      expect((await ctx.gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
      expect(await ctx.gdpr.dsar.get(request.id)).toEqual(request);
      expect(await auditActions(ctx)).toEqual(audit);
    });
  }

  it('REQ-25: a legal hold naming no registered app source is refused before anything is erased', async () => {
    const ctx = setup();
    const erased: string[] = [];
    ctx.gdpr.dsar.registerSource({
      name: 'orders',
      async erase(s) {
        erased.push(s.subjectId);
        return 1;
      },
    });
    const request = await verifiedRequest(ctx, 'erasure');
    // A typo'd or unregistered source, and one of the SDK's own records: none can be held.
    for (const source of ['invoices', 'consent-ledger']) {
      await expect(
        ctx.gdpr.dsar.erase(request.id, {
          legalHolds: [
            { source: 'orders', reason: 'Commercial code: kept 10 years' },
            { source, reason: 'Commercial code: kept 10 years' },
          ],
        }),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { requestId: request.id, sources: [source] },
      });
    }
    await expect(
      ctx.gdpr.dsar.erase(request.id, { legalHolds: [{ source: 'orders', reason: ' ' }] }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(erased).toEqual([]);
    expect(await ctx.gdpr.subjects.get(email)).toBeDefined();
    expect(await ctx.gdpr.dsar.get(request.id)).toEqual(request);

    // Named right, the hold is honoured and the rest erased.
    const certificate = await ctx.gdpr.dsar.erase(request.id, {
      legalHolds: [{ source: 'orders', reason: 'Commercial code: kept 10 years' }],
    });
    expect(certificate.sources.orders).toEqual({
      status: 'held',
      reason: 'Commercial code: kept 10 years',
    });
    expect(erased).toEqual([]);
    expect(await ctx.gdpr.subjects.get(email)).toBeUndefined();
  });

  it('REQ-25: the certificate says the suppression entry and the audit log are kept, not erased', async () => {
    const ctx = setup();
    const request = await verifiedRequest(ctx, 'erasure');
    const certificate = await ctx.gdpr.dsar.erase(request.id);
    expect(certificate.sources).toEqual({
      'consent-ledger': { status: 'erased' },
      deliveries: { status: 'erased' },
      suppression: { status: 'held', reason: expect.stringContaining('keyed hash') },
      audit: { status: 'held', reason: expect.stringContaining('pseudonymous') },
    });
    expect(await ctx.gdpr.suppression.check(email)).toMatchObject({ reason: 'erased' });
    const refs: (string | undefined)[] = [];
    for await (const entry of ctx.gdpr.audit.entries()) refs.push(entry.subjectRef);
    expect(refs).toContain(request.subjectId);
  });
});

describe('DSAR steps (SEED-12)', () => {
  it('SEED-12: a CSV export is recorded on the request and in the audit log, as the JSON one is', async () => {
    const ctx = setup();
    ctx.gdpr.dsar.registerSource({
      name: 'orders',
      async *export() {
        yield { id: 'A-1', total: 42.5 };
        yield { id: 'A-2', total: 10 };
      },
    });
    const request = await verifiedRequest(ctx);
    const csv = await text(ctx.gdpr.dsar.exportCsv(request.id, 'orders'));
    expect(csv).toBe('id,total\r\nA-1,42.5\r\nA-2,10\r\n');
    const after = await ctx.gdpr.dsar.get(request.id);
    expect(after.status).toBe('in-progress');
    expect(after.steps.map((s) => [s.action, s.detail])).toEqual([
      ['received', undefined],
      ['identity-verified', undefined],
      ['exported', 'csv: orders'],
    ]);
    expect(after.sources.orders).toEqual({ status: 'done', attempts: 1, count: 2 });
    const exported = [];
    for await (const entry of ctx.gdpr.audit.entries()) {
      if (entry.action === 'dsar.exported') exported.push(entry);
    }
    expect(exported).toHaveLength(1);
    expect(exported[0]).toMatchObject({
      subjectRef: request.subjectId,
      details: { requestId: request.id, type: 'access' },
    });
  });

  it('SEED-12: a CSV export read only in part records no step', async () => {
    const ctx = setup();
    const request = await verifiedRequest(ctx);
    for await (const _chunk of ctx.gdpr.dsar.exportCsv(request.id, 'consent-ledger')) break;
    expect((await ctx.gdpr.dsar.get(request.id)).steps.map((s) => s.action)).toEqual([
      'received',
      'identity-verified',
    ]);
  });
});

describe('DSAR mails per address (REQ-21)', () => {
  it('REQ-21: first requests use up dsar.perAddressPerDay too, yet are always mailed; repeats over it are not', async () => {
    const ctx = setup({ dsar: { perAddressPerDay: 2 } });
    await ctx.gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await ctx.gdpr.dsar.request({ email, type: 'access' });
    await ctx.gdpr.dsar.request({ email, type: 'erasure' });
    await ctx.gdpr.dsar.request({ email, type: 'objection' }); // over the allowance, still mailed
    expect(ctx.transport.sentTo(email)).toHaveLength(3);
    // A repeat finds the day's allowance used up by the first requests: no re-send.
    await ctx.gdpr.dsar.request({ email, type: 'access' });
    expect(ctx.transport.sentTo(email)).toHaveLength(3);
    ctx.clock.advance(DAY);
    await ctx.gdpr.dsar.request({ email, type: 'access' });
    expect(ctx.transport.sentTo(email)).toHaveLength(4);
  });
});

describe('rectification, restriction, objection (REQ-11, REQ-24)', () => {
  it('restrict blocks sending until lifted with a notice; rectify keeps the change in the steps', async () => {
    const ctx = setup();
    const request = await verifiedRequest(ctx, 'restriction');
    await ctx.gdpr.dsar.restrict(request.id, 'accuracy contested');
    expect(await ctx.gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'restricted',
    });
    await expect(
      ctx.gdpr.dsar.liftRestriction(request.id, undefined as never),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await ctx.gdpr.dsar.liftRestriction(request.id, {
      toldAt: new Date('2026-03-05T00:00:00.000Z'),
      how: 'email',
    });
    expect((await ctx.gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
    const rectified = await ctx.gdpr.dsar.rectify(request.id, { country: 'BE' });
    expect((await ctx.gdpr.subjects.get(email))?.profile.country).toBe('BE');
    expect(rectified.steps.at(-1)).toMatchObject({
      action: 'rectified',
      detail: 'fields: country',
    });
  });

  it('REQ-24: a restriction applied and completed through the link can still be lifted, once, with a notice', async () => {
    const ctx = setup();
    const request = await verifiedRequest(ctx, 'restriction');
    await ctx.gdpr.dsar.restrict(request.id, 'requested by the person');
    // As the verification route does: the request is answered once the restriction holds.
    await ctx.gdpr.dsar.complete(request.id, 'subject');
    expect((await ctx.gdpr.canSend(email, 'newsletter')).reason).toBe('restricted');
    const lifted = await ctx.gdpr.dsar.liftRestriction(
      request.id,
      { toldAt: new Date('2026-03-05T00:00:00.000Z'), how: 'email' },
      'dpo',
    );
    expect(lifted.status).toBe('completed');
    expect(lifted.steps.at(-1)).toMatchObject({ action: 'restriction-lifted', actor: 'dpo' });
    expect((await ctx.gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
    // Nothing left to lift: the completed request is closed; another completed request (no
    // restriction step) cannot lift either.
    await expect(
      ctx.gdpr.dsar.liftRestriction(request.id, { toldAt: new Date(), how: 'email' }),
    ).rejects.toMatchObject({ code: 'DSAR_CLOSED' });
    const access = await verifiedRequest(ctx, 'access');
    await ctx.gdpr.dsar.complete(access.id);
    await ctx.gdpr.dsar.restrict((await verifiedRequest(ctx, 'restriction')).id, 'again');
    await expect(
      ctx.gdpr.dsar.liftRestriction(access.id, { toldAt: new Date(), how: 'email' }),
    ).rejects.toMatchObject({ code: 'DSAR_CLOSED' });
    // Neither an open request that restricted no one, nor the first request (lifted already)
    // lifts the second restriction: only the request that made it.
    const open = await verifiedRequest(ctx, 'objection');
    await expect(
      ctx.gdpr.dsar.liftRestriction(open.id, { toldAt: new Date(), how: 'email' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      ctx.gdpr.dsar.liftRestriction(request.id, { toldAt: new Date(), how: 'email' }),
    ).rejects.toMatchObject({ code: 'DSAR_CLOSED' });
    expect((await ctx.gdpr.canSend(email, 'newsletter')).reason).toBe('restricted');
  });

  it('objection through a request stops every marketing purpose', async () => {
    const ctx = setup();
    const request = await verifiedRequest(ctx, 'objection');
    await ctx.gdpr.dsar.object(request.id);
    expect(await ctx.gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'objected',
    });
  });
});

describe('export bundle schema', () => {
  it('validates against the JSON Schema shipped in the package', async () => {
    const { readFileSync } = await import('node:fs');
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const addFormats = (await import('ajv-formats')).default;
    const schema = JSON.parse(
      readFileSync(new URL('../../schemas/dsar-export.schema.json', import.meta.url), 'utf8'),
    );
    const ajv = new Ajv2020({ allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const ctx = setup();
    const request = await verifiedRequest(ctx);
    const bundle = JSON.parse(await text(ctx.gdpr.dsar.exportJson(request.id)));
    expect(validate(bundle), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...bundle, format: 'other' })).toBe(false);
  });
});
