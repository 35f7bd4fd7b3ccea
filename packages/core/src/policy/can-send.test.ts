import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';

const email = 'camille@example.org';

function setup(overrides: Parameters<typeof testConfig>[0] = {}) {
  const store = new MemoryStore();
  return { gdpr: createGdprMail(testConfig({ store, ...overrides })), store };
}

const customer = {
  saleRef: 'ORDER-1001',
  categories: ['garden'],
  objectionOfferedAt: new Date('2026-01-10T00:00:00.000Z'),
};

describe('canSend: soft opt-in (REQ-06)', () => {
  it('allows an existing customer of similar products who was offered objection', async () => {
    const { gdpr } = setup();
    await gdpr.subjects.upsert(email, { customer });
    expect(await gdpr.canSend(email, 'customer-offers')).toMatchObject({
      allowed: true,
      reason: 'soft-opt-in',
    });
    expect(
      await gdpr.canSend(email, 'customer-offers', { productCategory: 'garden' }),
    ).toMatchObject({ allowed: true });
  });

  it('blocks non-customers, dissimilar categories, and other purposes', async () => {
    const { gdpr } = setup();
    expect(await gdpr.canSend('prospect@example.org', 'customer-offers')).toMatchObject({
      allowed: false,
      reason: 'not-a-customer',
    });
    await gdpr.subjects.upsert(email, { customer: { ...customer, categories: ['kitchen'] } });
    expect(await gdpr.canSend(email, 'customer-offers')).toMatchObject({
      allowed: false,
      reason: 'dissimilar-product',
    });
    await gdpr.subjects.upsert(email, { customer });
    expect(
      await gdpr.canSend(email, 'customer-offers', { productCategory: 'tools' }),
    ).toMatchObject({
      allowed: false,
      reason: 'dissimilar-product',
    });
    // Soft opt-in does not extend to a consent-based purpose (recital 47 does not override).
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'no-consent',
    });
  });

  it('stops on withdrawal', async () => {
    const { gdpr } = setup();
    await gdpr.subjects.upsert(email, { customer });
    await gdpr.consent.withdraw({
      email,
      purposes: ['customer-offers'],
      evidence: { source: 'link' },
    });
    expect(await gdpr.canSend(email, 'customer-offers')).toMatchObject({
      allowed: false,
      reason: 'withdrawn',
    });
  });
});

describe('canSend: B2B (REQ-07)', () => {
  const informed = {
    country: 'FR',
    professional: { informedAt: new Date('2026-01-02T00:00:00.000Z') },
  };

  it('blocks an untagged FR B2B send and allows it with professional relevance', async () => {
    const { gdpr } = setup();
    await gdpr.subjects.upsert('j.martin@client.fr', informed);
    expect(await gdpr.canSend('j.martin@client.fr', 'b2b-prospecting')).toMatchObject({
      allowed: false,
      reason: 'b2b-professional-relevance-missing',
    });
    expect(
      await gdpr.canSend('j.martin@client.fr', 'b2b-prospecting', { professionalRelevance: true }),
    ).toMatchObject({ allowed: true, reason: 'b2b-opt-out' });
  });

  it('requires the person to have been informed', async () => {
    const { gdpr } = setup();
    await gdpr.subjects.upsert('j.martin@client.fr', { country: 'FR' });
    expect(
      await gdpr.canSend('j.martin@client.fr', 'b2b-prospecting', { professionalRelevance: true }),
    ).toMatchObject({ allowed: false, reason: 'b2b-not-informed' });
  });

  it('requires consent where the member state does (DE) and for unknown countries', async () => {
    const { gdpr } = setup();
    await gdpr.subjects.upsert('k.schmidt@kunde.de', { ...informed, country: 'DE' });
    expect(
      await gdpr.canSend('k.schmidt@kunde.de', 'b2b-prospecting', { professionalRelevance: true }),
    ).toMatchObject({ allowed: false, reason: 'b2b-consent-required' });
    expect(
      await gdpr.canSend('someone@unknown.example', 'b2b-prospecting', {
        professionalRelevance: true,
      }),
    ).toMatchObject({ allowed: false, reason: 'b2b-consent-required' });
    await gdpr.consent.record({
      email: 'k.schmidt@kunde.de',
      purposes: ['b2b-prospecting'],
      evidence: checkboxEvidence,
    });
    expect(await gdpr.canSend('k.schmidt@kunde.de', 'b2b-prospecting')).toMatchObject({
      allowed: true,
      reason: 'consent-granted',
    });
  });

  it('treats generic role addresses as not personal, and honours config overrides', async () => {
    const { gdpr } = setup({ b2b: { rules: { DE: 'opt-out' } } });
    expect(await gdpr.canSend('contact@client.fr', 'b2b-prospecting')).toMatchObject({
      allowed: true,
      reason: 'b2b-generic-address',
    });
    await gdpr.subjects.upsert('k.schmidt@kunde.de', { ...informed, country: 'DE' });
    expect(
      await gdpr.canSend('k.schmidt@kunde.de', 'b2b-prospecting', { professionalRelevance: true }),
    ).toMatchObject({ allowed: true, reason: 'b2b-opt-out' });
  });
});

describe('canSend: objection (REQ-11)', () => {
  it('an objection denies every marketing purpose, whatever the basis, but not transactional mail', async () => {
    const { gdpr } = setup();
    await gdpr.subjects.upsert(email, {
      country: 'FR',
      customer,
      professional: { informedAt: new Date('2026-01-01T00:00:00.000Z') },
    });
    await gdpr.consent.record({
      email,
      purposes: ['newsletter', 'partners'],
      evidence: checkboxEvidence,
    });
    await gdpr.consent.object({ email, evidence: { source: 'reply-to-mail', method: 'reply' } });
    for (const purpose of ['newsletter', 'partners', 'customer-offers', 'b2b-prospecting']) {
      expect(await gdpr.canSend(email, purpose, { professionalRelevance: true })).toMatchObject({
        allowed: false,
        reason: 'objected',
      });
    }
    expect(await gdpr.canSend(email, 'orders')).toMatchObject({
      allowed: true,
      reason: 'contract',
    });
  });

  it('has no balancing hook: no context makes an objector mailable', async () => {
    const { gdpr } = setup();
    await gdpr.subjects.upsert(email, { customer });
    await gdpr.consent.object({ email, evidence: { source: 'api' } });
    expect(
      await gdpr.canSend(email, 'customer-offers', {
        productCategory: 'garden',
        professionalRelevance: true,
      }),
    ).toMatchObject({ allowed: false, reason: 'objected' });
    const again = await gdpr.consent.object({ email, evidence: { source: 'api' } });
    expect(again.events).toEqual([]);
  });
});

describe('canSend: minors (REQ-19)', () => {
  it('FR age 14 needs parental consent, BE 13 does not, unknown country uses 16', async () => {
    const { gdpr } = setup();
    const cases = [
      {
        who: 'fr14@example.org',
        profile: { country: 'FR', ageBracket: '14' as const },
        allowed: false,
      },
      {
        who: 'fr15@example.org',
        profile: { country: 'FR', ageBracket: '15' as const },
        allowed: true,
      },
      {
        who: 'be13@example.org',
        profile: { country: 'BE', ageBracket: '13' as const },
        allowed: true,
      },
      { who: 'xx15@example.org', profile: { ageBracket: '15' as const }, allowed: false },
      { who: 'xx16@example.org', profile: { ageBracket: '16-17' as const }, allowed: true },
      {
        who: 'de15@example.org',
        profile: { country: 'DE', ageBracket: '15' as const },
        allowed: false,
      },
    ];
    for (const c of cases) {
      await gdpr.subjects.upsert(c.who, c.profile);
      await gdpr.consent.record({
        email: c.who,
        purposes: ['newsletter'],
        evidence: checkboxEvidence,
      });
      const decision = await gdpr.canSend(c.who, 'newsletter');
      expect({ who: c.who, allowed: decision.allowed }).toEqual({ who: c.who, allowed: c.allowed });
      if (!c.allowed) expect(decision.reason).toBe('minor-without-parental-consent');
    }
    await gdpr.subjects.upsert('fr14@example.org', {
      parentalConsent: {
        at: new Date('2026-01-20T00:00:00.000Z'),
        method: 'parent-email-verified',
      },
    });
    expect((await gdpr.canSend('fr14@example.org', 'newsletter')).allowed).toBe(true);
  });

  it('can deny consent-based mail when the age bracket is unknown', async () => {
    const { gdpr } = setup({ minors: { unknownAge: 'deny' } });
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'age-unknown',
    });
  });
});

describe('canSend: suppression (REQ-28) and restriction', () => {
  it('a suppressed address is denied whatever its consent', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({
      email,
      purposes: ['newsletter', 'partners'],
      evidence: checkboxEvidence,
    });
    expect(await gdpr.suppression.add(email, 'hard-bounce', { source: 'smtp' })).toBe(true);
    for (const purpose of ['newsletter', 'partners', 'orders']) {
      expect(await gdpr.canSend(email, purpose)).toMatchObject({
        allowed: false,
        reason: 'suppressed',
        suppression: 'hard-bounce',
      });
    }
  });

  it('unsubscribe-from-all stops marketing but not order confirmations', async () => {
    const { gdpr } = setup();
    await gdpr.suppression.add(email, 'unsubscribed-all');
    expect((await gdpr.canSend(email, 'newsletter')).allowed).toBe(false);
    expect(await gdpr.canSend(email, 'orders')).toMatchObject({
      allowed: true,
      reason: 'contract',
    });
  });

  it('the suppression store holds no plaintext address, in any case or spacing', async () => {
    const { gdpr, store } = setup();
    await gdpr.suppression.add('  Camille@Example.ORG ', 'complaint');
    expect(await gdpr.suppression.check(email)).toMatchObject({ reason: 'complaint' });
    const dump = store.dump().toLowerCase();
    expect(dump).not.toContain('camille');
    expect(dump).not.toContain('example.org');
    expect(gdpr.suppression.hash(email)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('uses a keyed hash: another pepper gives another hash', () => {
    const a = createGdprMail(testConfig());
    const b = createGdprMail(
      testConfig({ secrets: { pepper: 'another-pepper-0123456789-abcdefghijk' } }),
    );
    expect(a.suppression.hash(email)).not.toBe(b.suppression.hash(email));
  });

  it('refuses to lift an erasure suppression but lifts a manual one', async () => {
    const { gdpr } = setup();
    await gdpr.suppression.add(email, 'erased');
    await expect(gdpr.suppression.remove(email)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await gdpr.suppression.add('other@example.org', 'manual');
    expect(await gdpr.suppression.remove('other@example.org')).toBe(true);
  });

  it('a restricted subject gets no marketing and no contract mail (Art. 18)', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.subjects.upsert(email, {
      restriction: { at: new Date(), reason: 'accuracy contested' },
    });
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'restricted',
    });
    expect(await gdpr.canSend(email, 'orders')).toMatchObject({
      allowed: false,
      reason: 'restricted',
    });
    await gdpr.subjects.upsert(email, { restriction: null });
    expect((await gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
  });
});

describe('canSend: consent basis', () => {
  it('withdraw after grant denies', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    expect((await gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
    await gdpr.consent.withdraw({ email, purposes: ['newsletter'], evidence: { source: 'link' } });
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'withdrawn',
    });
  });

  it('rejects unknown purposes with a typed error', async () => {
    const { gdpr } = setup();
    await expect(gdpr.canSend(email, 'nope')).rejects.toMatchObject({ code: 'UNKNOWN_PURPOSE' });
  });
});
