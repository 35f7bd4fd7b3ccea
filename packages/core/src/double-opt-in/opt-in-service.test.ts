import { describe, expect, it } from 'vitest';
import { hashNotice } from '../consent/notice.js';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';
import { InMemoryTransport } from '../transport/memory-transport.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');

function setup(overrides: Parameters<typeof testConfig>[0] = {}) {
  let now = T0;
  const store = new MemoryStore();
  const gdpr = createGdprMail(testConfig({ store, clock: () => now, ...overrides }));
  return { gdpr, store, setNow: (d: Date) => (now = d) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return isGdprMailError(error) ? error.code : `untyped:${String(error)}`;
  }
}

const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

describe('double opt-in', () => {
  it('REQ-16: canSend is false until confirm, and both events are in the proof chain', async () => {
    const { gdpr } = setup();
    const req = await gdpr.optIn.request('Jane@Example.com', ['newsletter'], checkboxEvidence);
    expect(req.confirmUrl).toBe(`https://app.acme.test/gdpr/confirm/${req.token}`);
    expect(req.message.to).toBe('jane@example.com');
    expect(await gdpr.canSend('jane@example.com', 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'pending-confirmation',
    });
    const confirmed = await gdpr.optIn.confirm(tokenOf(req.confirmUrl), {
      source: 'confirm-page',
      ip: '203.0.113.7',
      userAgent: 'Firefox',
    });
    expect(confirmed.confirmed).toEqual(['newsletter']);
    expect(await gdpr.canSend('jane@example.com', 'newsletter')).toMatchObject({
      allowed: true,
      reason: 'consent-granted',
    });
    const proof = await gdpr.consent.prove('jane@example.com', 'newsletter');
    expect(proof.events.map((e) => e.type)).toEqual(['requested', 'confirmed']);
    expect(proof.chain.ok).toBe(true);
    expect(proof.events[1]?.proof).toMatchObject({
      method: 'double-opt-in',
      source: 'confirm-page',
      noticeVersion: '1.0',
      noticeHash: proof.events[0]?.proof.noticeHash,
    });
    // IP and user agent only when configured (data minimisation).
    expect(proof.events[1]?.proof.ip).toBeUndefined();
  });

  it('REQ-16: records IP and user agent with the confirmation when config.proof says so', async () => {
    const { gdpr } = setup({ proof: { recordIp: true, recordUserAgent: true } });
    const req = await gdpr.optIn.request('a@example.com', ['newsletter'], checkboxEvidence);
    const { events } = await gdpr.optIn.confirm(req.token, {
      source: 'confirm-page',
      ip: '203.0.113.7',
      userAgent: 'Firefox',
    });
    expect(events[0]?.proof).toMatchObject({ ip: '203.0.113.7', userAgent: 'Firefox' });
  });

  it('REQ-18: inspect (the GET of the link) verifies, describes and changes nothing', async () => {
    const { gdpr, store } = setup();
    const req = await gdpr.optIn.request('jane@example.com', ['newsletter', 'partners'], {
      ...checkboxEvidence,
    });
    const before = store.dump();
    const page = await gdpr.optIn.inspect(req.token);
    await gdpr.optIn.inspect(req.token);
    expect(store.dump()).toBe(before);
    expect(page).toMatchObject({
      maskedEmail: 'j***@example.com',
      controllerName: 'Acme SAS',
      purposes: [
        { id: 'newsletter', title: 'Monthly newsletter', noticeVersion: '1.0' },
        { id: 'partners', title: 'Offers from our partners', noticeVersion: '1.0' },
      ],
    });
    expect(await gdpr.canSend('jane@example.com', 'newsletter')).toMatchObject({ allowed: false });
    expect(await codeOf(gdpr.optIn.inspect(`${req.token}x`))).toBe('TOKEN_INVALID');
  });

  it('REQ-18: replay fails with TOKEN_USED; tampering with TOKEN_INVALID', async () => {
    const { gdpr } = setup();
    const req = await gdpr.optIn.request('jane@example.com', ['newsletter'], checkboxEvidence);
    const tampered = req.token.replace('newsletter', 'partners');
    expect(await codeOf(gdpr.optIn.confirm(tampered))).toBe('TOKEN_INVALID');
    expect(await codeOf(gdpr.optIn.confirm(req.token))).toBe('ok');
    expect(await codeOf(gdpr.optIn.confirm(req.token))).toBe('TOKEN_USED');
    expect(await codeOf(gdpr.optIn.inspect(req.token))).toBe('TOKEN_USED');
  });

  it('REQ-18: an unsubscribe token cannot confirm, a confirm token cannot unsubscribe', async () => {
    const { gdpr } = setup();
    const req = await gdpr.optIn.request('jane@example.com', ['newsletter'], checkboxEvidence);
    const unsubscribe = tokenOf(await gdpr.links.unsubscribeUrl('jane@example.com', 'all'));
    expect(await codeOf(gdpr.optIn.confirm(unsubscribe))).toBe('TOKEN_WRONG_TYPE');
    expect(await codeOf(gdpr.unsubscribe.oneClick(req.token))).toBe('TOKEN_WRONG_TYPE');
  });

  it('REQ-18: an expired link fails with TOKEN_EXPIRED and grants nothing (default TTL 7 days)', async () => {
    const { gdpr, setNow } = setup();
    const req = await gdpr.optIn.request('jane@example.com', ['newsletter'], checkboxEvidence);
    expect(req.expiresAt).toEqual(new Date('2026-03-08T10:00:00.000Z'));
    setNow(new Date('2026-03-08T10:00:00.000Z'));
    expect(await codeOf(gdpr.optIn.confirm(req.token))).toBe('TOKEN_EXPIRED');
    expect(await codeOf(gdpr.optIn.inspect(req.token))).toBe('TOKEN_EXPIRED');
    expect(await gdpr.canSend('jane@example.com', 'newsletter')).toMatchObject({ allowed: false });
  });

  it('REQ-18: 50 parallel confirms of one token: exactly 1 success, 49 TOKEN_USED, one confirmed per purpose', async () => {
    const { gdpr } = setup();
    const req = await gdpr.optIn.request(
      'jane@example.com',
      ['newsletter', 'partners'],
      checkboxEvidence,
    );
    const codes = await Promise.all(
      Array.from({ length: 50 }, () => codeOf(gdpr.optIn.confirm(req.token))),
    );
    expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
    expect(codes.filter((c) => c === 'TOKEN_USED')).toHaveLength(49);
    const history = await gdpr.consent.history('jane@example.com');
    const confirmed = history.filter((e) => e.type === 'confirmed');
    expect(confirmed.map((e) => e.purposeId).sort()).toEqual(['newsletter', 'partners']);
  });

  it('REQ-18: pending requests past their TTL are expired and never-confirmed subjects deleted', async () => {
    const { gdpr, store, setNow } = setup();
    const stale = await gdpr.optIn.request('gone@example.com', ['newsletter'], checkboxEvidence);
    await gdpr.consent.record({
      email: 'kept@example.com',
      purposes: ['partners'],
      evidence: checkboxEvidence,
    });
    const kept = await gdpr.optIn.request('kept@example.com', ['newsletter'], checkboxEvidence);
    setNow(new Date('2026-03-05T10:00:00.000Z'));
    const fresh = await gdpr.optIn.request('fresh@example.com', ['newsletter'], checkboxEvidence);
    setNow(new Date('2026-03-09T00:00:00.000Z'));

    const result = await gdpr.optIn.purgeExpired({ batchSize: 1 });
    expect(result).toMatchObject({ expired: 2, subjectsDeleted: 1 });
    expect(await store.getSubject(stale.subjectId)).toBeUndefined();
    expect(store.dump()).not.toContain('gone@example.com');
    expect((await gdpr.consent.state('kept@example.com', 'newsletter')).status).toBe('expired');
    expect((await gdpr.consent.state('kept@example.com', 'partners')).status).toBe('granted');
    expect(await store.getPendingOptIn(kept.nonce)).toBeUndefined();
    expect(await store.getPendingOptIn(fresh.nonce)).toBeDefined();
    expect(await codeOf(gdpr.optIn.confirm(fresh.token))).toBe('ok');
    expect(await gdpr.optIn.purgeExpired()).toMatchObject({ expired: 0, subjectsDeleted: 0 });
  });

  it('REQ-18, REQ-25, REQ-27: the purge keeps a customer, a held person and one with mail on record', async () => {
    const transport = new InMemoryTransport();
    const { gdpr, store, setNow } = setup({
      transport,
      mailer: { from: { address: 'news@acme.test' } },
    });
    const customer = 'customer@example.com';
    const held = 'held@example.com';
    const ordered = 'ordered@example.com';
    const stranger = 'stranger@example.com';
    await gdpr.subjects.upsert(customer, {
      customer: { saleRef: 'S-1', categories: ['garden'], objectionOfferedAt: T0 },
    });
    await gdpr.subjects.upsert(held, {});
    await gdpr.subjects.hold(held, 'litigation 2026-17');
    await gdpr.subjects.upsert(ordered, {});
    expect(
      await gdpr.mailer.send({ to: ordered, purposeId: 'orders', subject: 'Order', text: 'x' }),
    ).toMatchObject({ status: 'sent' });
    for (const email of [customer, held, ordered, stranger]) {
      const request = await gdpr.optIn.request(email, ['newsletter'], checkboxEvidence);
      // The confirmation mail's own delivery record does not keep anyone.
      await gdpr.mailer.sendSystem(request.message, {
        kind: 'double-opt-in',
        idempotencyKey: request.nonce,
      });
    }
    setNow(new Date('2026-03-09T00:00:00.000Z'));

    expect(await gdpr.optIn.purgeExpired()).toMatchObject({ expired: 4, subjectsDeleted: 1 });
    expect(await gdpr.subjects.get(stranger)).toBeUndefined();
    expect(store.dump()).not.toContain(stranger);
    expect((await gdpr.subjects.get(customer))?.profile.customer).toMatchObject({ saleRef: 'S-1' });
    expect(await gdpr.canSend(customer, 'customer-offers')).toMatchObject({
      allowed: true,
      reason: 'soft-opt-in',
    });
    expect((await gdpr.subjects.get(held))?.profile.legalHold?.reason).toBe('litigation 2026-17');
    const orderedSubject = await gdpr.subjects.get(ordered);
    expect(orderedSubject).toBeDefined();
    const deliveries = await store.listDeliveries({ subjectId: orderedSubject!.id, limit: 10 });
    expect(deliveries.map((d) => d.purposeId).sort()).toEqual(['orders', 'system:double-opt-in']);
    for (const email of [customer, held, ordered]) {
      expect((await gdpr.consent.state(email, 'newsletter')).status).toBe('expired');
    }
  });

  it('REQ-18: a hold that has run out no longer keeps a never-confirmed address', async () => {
    const { gdpr, setNow } = setup();
    await gdpr.subjects.upsert('was-held@example.com', {});
    await gdpr.subjects.hold('was-held@example.com', 'claim', new Date('2026-03-02T00:00:00.000Z'));
    await gdpr.optIn.request('was-held@example.com', ['newsletter'], checkboxEvidence);
    setNow(new Date('2026-03-09T00:00:00.000Z'));
    expect(await gdpr.optIn.purgeExpired()).toMatchObject({ expired: 1, subjectsDeleted: 1 });
  });

  it('REQ-05, REQ-16: a confirmation is recorded as double-opt-in whatever method the caller names', async () => {
    const { gdpr } = setup();
    const req = await gdpr.optIn.request('jane@example.com', ['newsletter'], checkboxEvidence);
    const { events } = await gdpr.optIn.confirm(req.token, {
      source: 'confirm-page',
      method: 'api',
    });
    expect(events[0]?.proof).toMatchObject({ method: 'double-opt-in', source: 'confirm-page' });
    expect((await gdpr.consent.state('jane@example.com', 'newsletter')).method).toBe(
      'double-opt-in',
    );
  });

  it('REQ-18: pending sign-ups are rate-limited per address', async () => {
    const { gdpr, setNow } = setup({
      doubleOptIn: { defaultLocale: 'en', maxRequestsPerDay: 2 },
    });
    await gdpr.optIn.request('jane@example.com', ['newsletter'], checkboxEvidence);
    setNow(new Date(T0.getTime() + 1000));
    await gdpr.optIn.request('jane@example.com', ['newsletter'], checkboxEvidence);
    setNow(new Date(T0.getTime() + 2000));
    expect(
      await codeOf(gdpr.optIn.request('jane@example.com', ['newsletter'], checkboxEvidence)),
    ).toBe('RATE_LIMITED');
    setNow(new Date(T0.getTime() + 86_400_000 + 1000));
    expect(
      await codeOf(gdpr.optIn.request('jane@example.com', ['newsletter'], checkboxEvidence)),
    ).toBe('ok');
  });

  it('REQ-28: no confirmation for an erased, bounced or stopped address; an own unsubscribe gives way', async () => {
    const { gdpr, store } = setup();
    for (const [email, reason] of [
      ['erased@example.com', 'erased'],
      ['bounced@example.com', 'hard-bounce'],
      ['complained@example.com', 'complaint'],
      ['stopped@example.com', 'manual'],
    ] as const) {
      await gdpr.suppression.add(email, reason);
      const before = store.dump();
      expect(await codeOf(gdpr.optIn.request(email, ['newsletter'], checkboxEvidence))).toBe(
        'SUPPRESSED',
      );
      expect(store.dump()).toBe(before);
    }
    await gdpr.suppression.add('left@example.com', 'unsubscribed-all');
    expect(
      await codeOf(gdpr.optIn.request('left@example.com', ['newsletter'], checkboxEvidence)),
    ).toBe('ok');
  });

  it('REQ-16: a request needs an affirmative act and a consent-based purpose', async () => {
    const { gdpr, store } = setup();
    const before = store.dump();
    expect(
      await codeOf(gdpr.optIn.request('a@example.com', ['newsletter'], { source: 'x' } as never)),
    ).toBe('CONSENT_NOT_AFFIRMATIVE');
    expect(await codeOf(gdpr.optIn.request('a@example.com', ['orders'], checkboxEvidence))).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      await codeOf(gdpr.optIn.request('not-an-address', ['newsletter'], checkboxEvidence)),
    ).toBe('INVALID_EMAIL');
    expect(store.dump()).toBe(before);
  });

  it('REQ-17: an app template with a promo block is refused and nothing is written', async () => {
    const { gdpr, store } = setup();
    const before = store.dump();
    const code = await codeOf(
      gdpr.optIn.request('a@example.com', ['newsletter'], checkboxEvidence, {
        template: (input) => ({
          subject: 'Confirm',
          text: `Confirm: ${input.confirmUrl}`,
          html: `<a href="${input.confirmUrl}">Confirm</a><div class="promo"><a href="https://shop.acme.test/sale">-50% today</a></div>`,
        }),
      }),
    );
    expect(code).toBe('TEMPLATE_REJECTED');
    expect(store.dump()).toBe(before);
  });

  it('REQ-17: an app template that returns no mail is refused with TEMPLATE_REJECTED and nothing is written', async () => {
    const { gdpr, store } = setup();
    const before = store.dump();
    for (const returned of [null, undefined, 'Confirm here']) {
      const code = await codeOf(
        gdpr.optIn.request('a@example.com', ['newsletter'], checkboxEvidence, {
          template: () => returned as unknown as { subject: string; text: string; html: string },
        }),
      );
      expect(code).toBe('TEMPLATE_REJECTED');
    }
    expect(store.dump()).toBe(before);
  });

  it('REQ-17: the built-in mail speaks the subject language and an app can add words', async () => {
    const { gdpr } = setup({
      doubleOptIn: {
        defaultLocale: 'en',
        maxRequestsPerDay: 5,
        messages: { en: { action: 'Yes, sign me up' } },
      },
    });
    const fr = await gdpr.optIn.request('fr@example.com', ['newsletter'], checkboxEvidence, {
      locale: 'fr',
    });
    expect(fr.message.subject).toBe('Merci de confirmer votre inscription auprès de Acme SAS');
    expect(fr.message.text).toContain(fr.confirmUrl);
    const en = await gdpr.optIn.request('en@example.com', ['newsletter'], checkboxEvidence);
    expect(en.message.html).toContain('Yes, sign me up');
  });

  it('REQ-08, REQ-16: signing up again after a new major notice and confirming renews the grant to the text shown', async () => {
    const store = new MemoryStore();
    const before = createGdprMail(testConfig({ store, clock: () => T0 }));
    const first = await before.optIn.request('jane@example.com', ['newsletter'], checkboxEvidence);
    await before.optIn.confirm(first.token);

    const text = 'Acme SAS sends you its weekly newsletter. Withdraw at any time.';
    const purposes = testConfig().purposes.map((p) =>
      p.id === 'newsletter' ? { ...p, notice: { version: '2.0', text } } : p,
    );
    const later = new Date(T0.getTime() + 86_400_000);
    const gdpr = createGdprMail(testConfig({ store, clock: () => later, purposes }));
    expect((await gdpr.canSend('jane@example.com', 'newsletter')).reason).toBe('needs-refresh');

    // The old grant stands while the new request waits: asking again revokes nothing.
    const again = await gdpr.optIn.request('jane@example.com', ['newsletter'], checkboxEvidence);
    expect((await gdpr.canSend('jane@example.com', 'newsletter')).reason).toBe('needs-refresh');
    const result = await gdpr.optIn.confirm(again.token);
    expect(result.confirmed).toEqual(['newsletter']);
    expect(result.events.map((e) => [e.type, e.proof.method, e.proof.noticeVersion])).toEqual([
      ['granted', 'double-opt-in', '2.0'],
    ]);
    expect(await gdpr.canSend('jane@example.com', 'newsletter')).toMatchObject({
      allowed: true,
      reason: 'consent-granted',
    });
    const proof = await gdpr.consent.prove('jane@example.com', 'newsletter');
    expect(proof.events.map((e) => e.type)).toEqual([
      'requested',
      'confirmed',
      'requested',
      'granted',
    ]);
    expect(proof.chain.ok).toBe(true);

    // A sign-up by someone whose grant is current changes nothing, as before.
    const current = await gdpr.optIn.request('jane@example.com', ['newsletter'], checkboxEvidence);
    expect(await codeOf(gdpr.optIn.confirm(current.token))).toBe('OPT_IN_NOT_PENDING');
  });

  it('REQ-05, REQ-18: after a notice change the confirm page shows the text the sign-up showed, the one the confirmation records', async () => {
    const store = new MemoryStore();
    const before = createGdprMail(testConfig({ store, clock: () => T0 }));
    const request = await before.optIn.request(
      'jane@example.com',
      ['newsletter'],
      checkboxEvidence,
    );
    const shown = testConfig().purposes.find((p) => p.id === 'newsletter')!.notice.text;

    const purposes = testConfig().purposes.map((p) =>
      p.id === 'newsletter'
        ? { ...p, notice: { version: '1.1', text: `${p.notice.text} Now weekly.` } }
        : p,
    );
    const gdpr = createGdprMail(testConfig({ store, clock: () => T0, purposes }));
    const dump = store.dump();
    const page = await gdpr.optIn.inspect(request.token);
    expect(page.purposes).toEqual([
      { id: 'newsletter', title: 'Monthly newsletter', noticeVersion: '1.0', noticeText: shown },
    ]);
    expect(store.dump()).toBe(dump);
    const { events } = await gdpr.optIn.confirm(request.token);
    expect(events[0]?.proof).toMatchObject({ noticeVersion: '1.0', noticeHash: hashNotice(shown) });
  });
});
