import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { testConfig } from '../testing/fixtures.js';
import { createTestClock } from '../testing/test-clock.js';
import { InMemoryTransport } from '../transport/memory-transport.js';

const DAY = 86_400_000;

async function* lines(text: string): AsyncGenerator<string> {
  yield text;
}

/** Imports the addresses as a legacy list without proof: each is flagged for re-permission. */
async function importLegacy(gdpr: ReturnType<typeof createGdprMail>, ...emails: string[]) {
  await gdpr.contacts.import(lines(`email\n${emails.join('\n')}\n`), {
    basis: 'consent',
    purposes: ['newsletter'],
    list: 'Legacy',
    source: 'Old CRM',
  });
}

/** A GdprMail over a fresh memory store, or over the parts of an earlier one (`shared`). */
function setup(
  shared: Partial<{
    store: MemoryStore;
    clock: ReturnType<typeof createTestClock>;
    transport: InMemoryTransport;
  }> = {},
  overrides: Parameters<typeof testConfig>[0] = {},
) {
  const store = shared.store ?? new MemoryStore();
  const clock = shared.clock ?? createTestClock('2026-03-01T09:00:00.000Z');
  const transport = shared.transport ?? new InMemoryTransport();
  const gdpr = createGdprMail(
    testConfig({
      ...overrides,
      store,
      clock,
      transport,
      mailer: {
        from: { address: 'news@acme.test', name: 'Acme' },
        unsubscribeMailto: 'unsubscribe@acme.test',
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      },
    }),
  );
  return { gdpr, store, clock, transport };
}

/** The one link of the mail, as a person's mail client would show it. */
function linkIn(transport: InMemoryTransport, to: string): string {
  const [sent] = transport.sentTo(to);
  const text = sent?.message.text ?? '';
  const url = /https:\/\/\S+\/re-permission\/\S+/.exec(text)?.[0];
  if (!url) throw new Error(`no re-permission link mailed to ${to}`);
  return url;
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isGdprMailError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('re-permission campaign (SEED-02)', () => {
  it('mails flagged contacts one button; a click records consent with proof; silence ends marketing at the deadline', async () => {
    const { gdpr, clock, transport, store } = setup();
    await gdpr.suppression.add('left@example.org', 'unsubscribed-all');
    const imported = await gdpr.contacts.import(
      lines(
        'email,language,consent_date\n' +
          'clicker@example.org,fr,\n' +
          'silent@example.org,en,\n' +
          'proved@example.org,en,2018-04-01\n' +
          'left@example.org,en,\n',
      ),
      { basis: 'consent', purposes: ['newsletter'], list: 'Legacy', source: 'Salon X 2018' },
    );
    expect(imported).toMatchObject({ flagged: 2, consentRecorded: 1 });
    expect(imported.rejects.suppressed).toBe(1);

    const deadline = new Date(clock().getTime() + 30 * DAY);
    const report = await gdpr.repermission.send({ purposeId: 'newsletter', deadline });
    expect(report).toMatchObject({ sent: 2, failed: 0 });
    expect(transport.sent.map((s) => s.message.to.address).sort()).toEqual([
      'clicker@example.org',
      'silent@example.org',
    ]);
    const [mail] = transport.sentTo('clicker@example.org');
    expect(mail?.message.subject).toContain('Acme SAS');
    expect(mail?.message.text).toContain('Oui, je reste inscrit');
    // One button, nothing that loads on open.
    expect(mail?.message.html?.match(/href=/g)).toHaveLength(2); // the button and the privacy policy
    expect(mail?.message.html).not.toMatch(/<img/i);
    expect(mail?.message.tags).toEqual(['re-permission']);

    // Running the campaign again mails no one twice.
    expect(await gdpr.repermission.send({ purposeId: 'newsletter', deadline })).toMatchObject({
      sent: 0,
      skipped: { 'already-sent': 2 },
    });
    expect(transport.sent).toHaveLength(2);

    const url = linkIn(transport, 'clicker@example.org');
    const token = url.slice(url.lastIndexOf('/') + 1);
    expect(await gdpr.repermission.inspect(token)).toMatchObject({
      maskedEmail: 'c***@example.org',
      purposes: [{ id: 'newsletter', title: 'Monthly newsletter' }],
    });
    expect((await gdpr.consent.state('clicker@example.org', 'newsletter')).status).toBe('none');
    clock.advance(2 * DAY);
    const confirmed = await gdpr.repermission.confirm(token, { ip: '203.0.113.9' });
    expect(confirmed.purposeIds).toEqual(['newsletter']);
    expect(await code(gdpr.repermission.confirm(token))).toBe('TOKEN_USED');

    const proof = await gdpr.consent.prove('clicker@example.org', 'newsletter');
    expect(proof.state.status).toBe('granted');
    expect(proof.events.at(-1)?.proof).toMatchObject({
      method: 'double-opt-in',
      source: 're-permission',
      actor: 'subject',
      noticeVersion: '1.0',
    });
    expect(proof.notices).toHaveLength(1);
    expect(proof.chain.ok).toBe(true);

    // Before the deadline nothing expires.
    expect(await gdpr.repermission.expire()).toMatchObject({ expired: 0 });
    clock.set(new Date(deadline.getTime() + 1));
    expect(await code(gdpr.repermission.confirm(token))).toBe('TOKEN_EXPIRED');
    expect(await gdpr.repermission.expire()).toMatchObject({ expired: 1 });
    expect(await gdpr.repermission.expire()).toMatchObject({ expired: 0 });

    expect(await gdpr.canSend('clicker@example.org', 'newsletter')).toMatchObject({
      allowed: true,
      reason: 'consent-granted',
    });
    expect(await gdpr.canSend('silent@example.org', 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'repermission-expired',
    });
    // Whatever the basis: the B2B purpose does not bring them back either.
    expect(await gdpr.canSend('silent@example.org', 'b2b-prospecting')).toMatchObject({
      allowed: false,
      reason: 'repermission-expired',
    });
    const audience: string[] = [];
    for await (const member of gdpr.audience('newsletter')) audience.push(member.email);
    expect(audience.sort()).toEqual(['clicker@example.org', 'proved@example.org']);
    expect((await store.listAudit(0, 1000)).map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'repermission.sent',
        'repermission.confirmed',
        'repermission.expired',
      ]),
    );
    expect(await gdpr.audit.verify()).toMatchObject({ ok: true });
  });

  it('REQ-27: retention keeps a contact while it is being asked, and removes it once expired', async () => {
    const { gdpr, clock } = setup();
    await importLegacy(gdpr, 'asked@example.org');
    const dueCount = async () =>
      Object.values((await gdpr.retention.plan()).due).reduce((n, d) => n + d.count, 0);
    // No consent event yet: without the open re-permission it would be unlinked data (P1M).
    clock.advance(40 * DAY);
    expect(await dueCount()).toBe(0);
    await gdpr.repermission.send({
      purposeId: 'newsletter',
      deadline: new Date(clock().getTime() + 30 * DAY),
    });
    clock.advance(31 * DAY);
    expect(await dueCount()).toBe(0);
    await gdpr.repermission.expire();
    expect(await dueCount()).toBe(1);
    const swept = await gdpr.retention.sweep();
    expect(swept.deleted).toBe(1);
    expect(await gdpr.subjects.get('asked@example.org')).toBeUndefined();
  });

  it('refuses a past deadline, a transactional purpose, and a forged or wrong-type token', async () => {
    const { gdpr, clock } = setup();
    expect(
      await code(gdpr.repermission.send({ purposeId: 'newsletter', deadline: new Date(0) })),
    ).toBe('VALIDATION_FAILED');
    expect(
      await code(
        gdpr.repermission.send({
          purposeId: 'orders',
          deadline: new Date(clock().getTime() + DAY),
        }),
      ),
    ).toBe('VALIDATION_FAILED');
    expect(await code(gdpr.repermission.confirm('nope'))).toBe('TOKEN_INVALID');
    const confirmToken = gdpr.tokens.sign({
      type: 'confirm',
      subjectId: 'subject-1',
      purposes: ['newsletter'],
    });
    expect(await code(gdpr.repermission.confirm(confirmToken))).toBe('TOKEN_WRONG_TYPE');
  });

  it('skips flagged contacts who withdrew or were suppressed after the import', async () => {
    const { gdpr, clock, transport } = setup();
    await importLegacy(gdpr, 'a@example.org', 'b@example.org', 'c@example.org');
    await gdpr.consent.withdraw({
      email: 'a@example.org',
      purposes: ['newsletter'],
      evidence: { source: 'reply' },
    });
    await gdpr.suppression.add('b@example.org', 'hard-bounce');
    const report = await gdpr.repermission.send({
      purposeId: 'newsletter',
      deadline: new Date(clock().getTime() + DAY),
    });
    expect(report).toMatchObject({ sent: 1, skipped: { withdrawn: 1, suppressed: 1 } });
    expect(transport.sent.map((s) => s.message.to.address)).toEqual(['c@example.org']);
  });

  it('REQ-08: asks a flagged contact whose grant is no longer current, skips a current one', async () => {
    const parts = setup();
    const { gdpr, clock, transport } = parts;
    await importLegacy(gdpr, 'stale@example.org', 'fresh@example.org');
    const staff = {
      action: 'affirmative',
      source: 'phone',
      actor: 'staff-1',
      method: 'verbal',
    } as const;
    // Both granted to today's notice; then a new major version leaves both needing a renewal.
    await gdpr.consent.record({
      email: 'stale@example.org',
      purposes: ['newsletter'],
      evidence: staff,
    });
    await gdpr.consent.record({
      email: 'fresh@example.org',
      purposes: ['newsletter'],
      evidence: staff,
    });
    const { gdpr: bumped } = setup(parts, {
      purposes: testConfig().purposes.map((p) =>
        p.id === 'newsletter' ? { ...p, notice: { ...p.notice, version: '9.0' } } : p,
      ),
    });
    // Re-grant the fresh one to the new notice: current again.
    await bumped.consent.record({
      email: 'fresh@example.org',
      purposes: ['newsletter'],
      evidence: staff,
    });
    expect((await bumped.canSend('stale@example.org', 'newsletter')).reason).toBe('needs-refresh');
    const report = await bumped.repermission.send({
      purposeId: 'newsletter',
      deadline: new Date(clock().getTime() + DAY),
    });
    expect(report).toMatchObject({ sent: 1, skipped: { 'already-granted': 1 } });
    expect(transport.sent.map((s) => s.message.to.address)).toEqual(['stale@example.org']);
  });

  it('REQ-10: the click lifts the person\'s own "unsubscribe from all" made after the mail, not a bounce', async () => {
    const { gdpr, clock, transport, store } = setup();
    await importLegacy(gdpr, 'a@example.org', 'b@example.org');
    await gdpr.repermission.send({
      purposeId: 'newsletter',
      deadline: new Date(clock().getTime() + DAY),
    });
    // After the mail went out: one unsubscribes from everything, the other's address bounces.
    await gdpr.consent.withdraw({
      email: 'a@example.org',
      purposes: 'all',
      evidence: { source: 'list-unsubscribe' },
    });
    await gdpr.suppression.add('b@example.org', 'hard-bounce');
    const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

    await gdpr.repermission.confirm(tokenOf(linkIn(transport, 'a@example.org')));
    expect(await gdpr.suppression.check('a@example.org')).toBeUndefined();
    expect(await gdpr.canSend('a@example.org', 'newsletter')).toMatchObject({
      allowed: true,
      reason: 'consent-granted',
    });
    const audit = await store.listAudit(0, 1000);
    expect(audit.find((e) => e.action === 'repermission.confirmed')?.details).toMatchObject({
      suppressionLifted: true,
    });

    await gdpr.repermission.confirm(tokenOf(linkIn(transport, 'b@example.org')));
    expect(await gdpr.suppression.check('b@example.org')).toMatchObject({ reason: 'hard-bounce' });
    expect(await gdpr.canSend('b@example.org', 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'suppressed',
    });
  });

  it('REQ-08: a click renews a grant that is no longer current (past refreshAfter)', async () => {
    const { gdpr, clock, transport } = setup(
      {},
      {
        purposes: testConfig().purposes.map((p) =>
          p.id === 'newsletter' ? { ...p, refreshAfter: 'P1D' } : p,
        ),
      },
    );
    await importLegacy(gdpr, 'old@example.org');
    await gdpr.repermission.send({
      purposeId: 'newsletter',
      deadline: new Date(clock().getTime() + 10 * DAY),
    });
    // Meanwhile staff record a grant, which outlives refreshAfter before the person clicks.
    await gdpr.consent.record({
      email: 'old@example.org',
      purposes: ['newsletter'],
      evidence: { action: 'affirmative', source: 'phone', actor: 'staff-1', method: 'verbal' },
    });
    clock.advance(2 * DAY);
    expect((await gdpr.canSend('old@example.org', 'newsletter')).reason).toBe('needs-refresh');
    const url = linkIn(transport, 'old@example.org');
    const result = await gdpr.repermission.confirm(url.slice(url.lastIndexOf('/') + 1));
    expect(result.purposeIds).toEqual(['newsletter']);
    expect(result.events.map((e) => [e.type, e.proof.method])).toEqual([
      ['granted', 'double-opt-in'],
    ]);
    expect(await gdpr.canSend('old@example.org', 'newsletter')).toMatchObject({ allowed: true });
  });
});
