import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';
import { createTestClock } from '../testing/test-clock.js';
import { verifyConsentChain } from './ledger.js';
import { hashNotice } from './notice.js';

const email = 'camille@example.org';

function setup(overrides: Parameters<typeof testConfig>[0] = {}) {
  const store = new MemoryStore();
  const clock = createTestClock();
  const gdpr = createGdprMail(testConfig({ store, clock, ...overrides }));
  return { gdpr, store, clock };
}

async function rejectionCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isGdprMailError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('consent.record', () => {
  it('REQ-01: refuses consent without an affirmative act, and stores nothing', async () => {
    const { gdpr, store } = setup();
    const before = store.dump();
    expect(
      await rejectionCode(
        gdpr.consent.record({
          email,
          purposes: ['newsletter'],
          evidence: { source: 'form' } as never,
        }),
      ),
    ).toBe('CONSENT_NOT_AFFIRMATIVE');
    expect(
      await rejectionCode(
        gdpr.consent.record({
          email,
          purposes: ['newsletter'],
          evidence: { action: 'implied', source: 'form' } as never,
        }),
      ),
    ).toBe('CONSENT_NOT_AFFIRMATIVE');
    expect(store.dump()).toBe(before);
  });

  it('REQ-01: refuses a pre-ticked box', async () => {
    const { gdpr, store } = setup();
    const before = store.dump();
    const code = await rejectionCode(
      gdpr.consent.record({
        email,
        purposes: ['newsletter'],
        evidence: { ...checkboxEvidence, ui: { preChecked: true } },
      }),
    );
    expect(code).toBe('CONSENT_PRECHECKED');
    expect(store.dump()).toBe(before);
    expect((await gdpr.canSend(email, 'newsletter')).allowed).toBe(false);
  });

  it('REQ-02: granting one purpose leaves the others ungranted', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    expect((await gdpr.consent.state(email, 'newsletter')).status).toBe('granted');
    expect((await gdpr.consent.state(email, 'partners')).status).toBe('none');
    expect(await gdpr.canSend(email, 'partners')).toMatchObject({
      allowed: false,
      reason: 'no-consent',
    });
  });

  it('REQ-02/REQ-03: one control for several purposes, or consent bundled with terms, is refused', async () => {
    const { gdpr } = setup();
    expect(
      await rejectionCode(
        gdpr.consent.record({
          email,
          purposes: ['newsletter', 'partners'],
          evidence: { ...checkboxEvidence, ui: { singleControl: true } },
        }),
      ),
    ).toBe('CONSENT_BUNDLED');
    expect(
      await rejectionCode(
        gdpr.consent.record({
          email,
          purposes: ['newsletter'],
          evidence: { ...checkboxEvidence, ui: { bundledWithTerms: true } },
        }),
      ),
    ).toBe('CONSENT_BUNDLED');
  });

  it('REQ-03: a signup refusing every purpose works and grants nothing', async () => {
    const { gdpr } = setup();
    const result = await gdpr.consent.choices({
      email,
      choices: { newsletter: false, partners: false },
      evidence: { source: 'signup-form' },
    });
    expect(result.subjectId).toEqual(expect.any(String));
    expect(result.granted).toEqual([]);
    expect(await gdpr.subjects.get(email)).toBeDefined();
    for (const purpose of ['newsletter', 'partners']) {
      expect((await gdpr.canSend(email, purpose)).allowed).toBe(false);
    }
  });

  it('REQ-04/REQ-05: records the notice version and the SHA-256 of the exact text shown', async () => {
    const { gdpr } = setup({ proof: { recordIp: true, recordUserAgent: false } });
    const { events } = await gdpr.consent.record({
      email,
      purposes: ['newsletter'],
      evidence: { ...checkboxEvidence, ip: '203.0.113.9', userAgent: 'Mozilla/5.0' },
    });
    const text = gdpr.config.purposes.find((p) => p.id === 'newsletter')!.notice.text;
    expect(events[0]?.proof).toMatchObject({
      noticeVersion: '1.0',
      noticeHash: hashNotice(text),
      source: 'signup-form',
      formId: 'signup-v1',
      method: 'checkbox',
      actor: 'subject',
      ip: '203.0.113.9',
    });
    // Data minimisation: the user agent is not kept unless configured.
    expect(events[0]?.proof.userAgent).toBeUndefined();
  });

  it('refuses a form that showed an outdated notice version', async () => {
    const { gdpr } = setup();
    const code = await rejectionCode(
      gdpr.consent.record({
        email,
        purposes: ['newsletter'],
        evidence: { ...checkboxEvidence, noticeVersions: { newsletter: '0.9' } },
      }),
    );
    expect(code).toBe('NOTICE_VERSION_MISMATCH');
  });

  it('refuses unknown purposes, bad addresses and consent to a contract purpose', async () => {
    const { gdpr } = setup();
    expect(
      await rejectionCode(
        gdpr.consent.record({ email, purposes: ['nope'], evidence: checkboxEvidence }),
      ),
    ).toBe('UNKNOWN_PURPOSE');
    expect(
      await rejectionCode(
        gdpr.consent.record({ email: 'x', purposes: ['newsletter'], evidence: checkboxEvidence }),
      ),
    ).toBe('INVALID_EMAIL');
    expect(
      await rejectionCode(
        gdpr.consent.record({ email, purposes: ['orders'], evidence: checkboxEvidence }),
      ),
    ).toBe('VALIDATION_FAILED');
  });

  it('refuses purposes that are not a list, and choices that are not an object, with typed errors and nothing stored', async () => {
    const { gdpr, store } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    const before = store.dump();
    const withdrawal = { source: 'account-settings', actor: 'subject', method: 'api' } as const;
    const bad = [
      // A bare string was read as its letters: "newsletter" became the unknown purpose "n".
      gdpr.consent.record({
        email,
        purposes: 'partners' as unknown as string[],
        evidence: checkboxEvidence,
      }),
      gdpr.consent.record({
        email,
        purposes: undefined as unknown as string[],
        evidence: checkboxEvidence,
      }),
      gdpr.consent.withdraw({
        email,
        purposes: 'newsletter' as unknown as string[],
        evidence: withdrawal,
      }),
      gdpr.consent.withdraw({
        email,
        purposes: undefined as unknown as string[],
        evidence: withdrawal,
      }),
      gdpr.consent.choices({
        email,
        choices: null as unknown as Record<string, boolean>,
        evidence: checkboxEvidence,
      }),
      gdpr.consent.choices({
        email,
        choices: ['newsletter'] as unknown as Record<string, boolean>,
        evidence: checkboxEvidence,
      }),
      gdpr.optIn.request(email, 'partners' as unknown as string[], checkboxEvidence),
      gdpr.links.unsubscribeUrl(email, 'newsletter' as unknown as string[]),
    ];
    for (const promise of bad) expect(await rejectionCode(promise)).toBe('VALIDATION_FAILED');
    expect(store.dump()).toBe(before);
  });
});

describe('consent proof (REQ-05)', () => {
  it('grant → renewal → withdraw gives 3 chained events, the served text and a valid chain', async () => {
    const { gdpr, store, clock } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    clock.advance(86_400_000);
    await gdpr.consent.record({
      email,
      purposes: ['newsletter'],
      evidence: { ...checkboxEvidence, method: 'api' },
    });
    clock.advance(86_400_000);
    await gdpr.consent.withdraw({
      email,
      purposes: ['newsletter'],
      evidence: { source: 'footer-link' },
    });

    const proof = await gdpr.consent.prove(email, 'newsletter');
    expect(proof.events.map((e) => e.type)).toEqual(['granted', 'granted', 'withdrawn']);
    expect(proof.chain).toEqual({ ok: true });
    expect(proof.state.status).toBe('withdrawn');
    expect(proof.notices).toHaveLength(1);
    expect(hashNotice(proof.notices[0]!.text)).toBe(proof.events[0]?.proof.noticeHash);

    // Tampering with any stored event is detected.
    const events = await store.listConsentEvents(proof.subjectId);
    const tampered = events.map((e, i) =>
      i === 1 ? { ...e, proof: { ...e.proof, source: 'forged' } } : e,
    );
    expect(verifyConsentChain(tampered)).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: 'hash-mismatch',
    });
    expect(verifyConsentChain(events.filter((_, i) => i !== 0))).toMatchObject({
      ok: false,
      brokenAt: 2,
    });
  });

  it('keeps several sources per subject', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({
      email,
      purposes: ['newsletter'],
      evidence: { ...checkboxEvidence, source: 'Salon X 2018' },
    });
    await gdpr.consent.record({
      email,
      purposes: ['partners'],
      evidence: { ...checkboxEvidence, source: 'homepage opt-in form' },
    });
    const sources = (await gdpr.consent.history(email)).map((e) => e.proof.source);
    expect(sources).toEqual(['Salon X 2018', 'homepage opt-in form']);
  });

  it('has no proof for an unknown address', async () => {
    const { gdpr } = setup();
    expect(await rejectionCode(gdpr.consent.prove('nobody@example.org', 'newsletter'))).toBe(
      'SUBJECT_NOT_FOUND',
    );
  });
});

describe('withdrawal (REQ-10)', () => {
  it('withdraw after grant denies, in one call, with proof', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({
      email,
      purposes: ['newsletter', 'partners'],
      evidence: checkboxEvidence,
    });
    const { events } = await gdpr.consent.withdraw({
      email,
      purposes: ['newsletter'],
      evidence: { source: 'preference-center', method: 'preference-center' },
    });
    expect(events).toHaveLength(1);
    expect(events[0]?.proof.method).toBe('preference-center');
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'withdrawn',
    });
    expect((await gdpr.canSend(email, 'partners')).allowed).toBe(true);
  });

  it('is idempotent: a second withdrawal records nothing', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.consent.withdraw({ email, purposes: ['newsletter'], evidence: { source: 'link' } });
    const second = await gdpr.consent.withdraw({
      email,
      purposes: ['newsletter'],
      evidence: { source: 'link' },
    });
    expect(second.events).toEqual([]);
  });

  it('"unsubscribe from all" suppresses even an address that is not on file', async () => {
    const { gdpr } = setup();
    const result = await gdpr.consent.withdraw({
      email: 'stranger@example.org',
      purposes: 'all',
      evidence: { source: 'link' },
    });
    expect(result.subjectId).toBeUndefined();
    expect(await gdpr.suppression.check('stranger@example.org')).toMatchObject({
      reason: 'unsubscribed-all',
    });
  });

  it('a new opt-in by the person lifts their own unsubscribe-from-all, an import does not', async () => {
    const { gdpr } = setup();
    await gdpr.consent.withdraw({ email, purposes: 'all', evidence: { source: 'link' } });
    await gdpr.consent.record({
      email,
      purposes: ['newsletter'],
      evidence: { ...checkboxEvidence, method: 'import', actor: 'admin' },
    });
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'suppressed',
    });
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: true,
      reason: 'consent-granted',
    });
  });

  it('a preference centre submission withdraws unticked purposes and keeps ticked ones', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({
      email,
      purposes: ['newsletter', 'partners'],
      evidence: checkboxEvidence,
    });
    const result = await gdpr.consent.choices({
      email,
      choices: { newsletter: true, partners: false },
      evidence: { ...checkboxEvidence, method: 'preference-center' },
    });
    expect(result.granted).toEqual([]);
    expect(result.withdrawn).toEqual(['partners']);
    expect((await gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
    expect((await gdpr.canSend(email, 'partners')).allowed).toBe(false);
  });
});

describe('refresh (REQ-08)', () => {
  it('a major notice bump makes the old consent needsRefresh and denies sending until re-consent', async () => {
    const store = new MemoryStore();
    const v1 = createGdprMail(testConfig({ store }));
    await v1.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });

    const bump = (version: string) => {
      const base = testConfig({ store });
      return createGdprMail({
        ...base,
        purposes: base.purposes.map((p) =>
          p.id === 'newsletter'
            ? { ...p, notice: { version, text: `${p.notice.text} Version ${version}.` } }
            : p,
        ),
      });
    };
    const minor = bump('1.1');
    expect((await minor.consent.state(email, 'newsletter')).needsRefresh).toBe(false);
    expect((await minor.canSend(email, 'newsletter')).allowed).toBe(true);

    const major = bump('2.0');
    expect((await major.consent.state(email, 'newsletter')).needsRefresh).toBe(true);
    expect(await major.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'needs-refresh',
    });
    await major.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    expect(await major.canSend(email, 'newsletter')).toMatchObject({
      allowed: true,
      reason: 'consent-granted',
    });
  });

  it('a consent older than refreshAfter needs refresh', async () => {
    const base = testConfig();
    const clock = createTestClock('2026-01-01T00:00:00.000Z');
    const gdpr = createGdprMail({
      ...base,
      clock,
      purposes: base.purposes.map((p) =>
        p.id === 'newsletter' ? { ...p, refreshAfter: 'P2Y' } : p,
      ),
    });
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    clock.set('2027-12-31T23:59:59.000Z');
    expect((await gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
    clock.set('2028-01-01T00:00:00.000Z');
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'needs-refresh',
    });
  });
});

describe('consent.isCurrent / assertCurrent: the one "current consent" rule', () => {
  async function refusal(promise: Promise<unknown>) {
    try {
      await promise;
    } catch (error) {
      if (isGdprMailError(error)) return error;
      throw error;
    }
    throw new Error('expected a rejection');
  }

  it('REQ-16: no consent and a pending sign-up are not current; the confirmed one is', async () => {
    const { gdpr } = setup();
    expect(await gdpr.consent.isCurrent(email, 'newsletter')).toBe(false);
    const pending = await gdpr.optIn.request(email, ['newsletter'], checkboxEvidence);
    expect(await gdpr.consent.isCurrent(email, 'newsletter')).toBe(false);
    const error = await refusal(gdpr.consent.assertCurrent(email, 'newsletter'));
    expect(error.code).toBe('CONSENT_REQUIRED');
    expect(error.details).toEqual({
      purposeId: 'newsletter',
      status: 'pending',
      needsRefresh: false,
    });
    await gdpr.optIn.confirm(pending.token);
    expect(await gdpr.consent.isCurrent(email, 'newsletter')).toBe(true);
    await gdpr.consent.assertCurrent(email, ['newsletter']);
  });

  it('REQ-10: a withdrawal, an objection or "unsubscribe from all" ends it at once', async () => {
    const { gdpr } = setup();
    const others = ['a@example.org', 'b@example.org'];
    for (const who of [email, ...others]) {
      await gdpr.consent.record({
        email: who,
        purposes: ['newsletter'],
        evidence: checkboxEvidence,
      });
      expect(await gdpr.consent.isCurrent(who, 'newsletter')).toBe(true);
    }
    const evidence = { source: 'preference-centre' };
    await gdpr.consent.withdraw({ email, purposes: ['newsletter'], evidence });
    await gdpr.consent.object({ email: 'a@example.org', evidence });
    await gdpr.consent.withdraw({ email: 'b@example.org', purposes: 'all', evidence });
    for (const who of [email, ...others]) {
      expect(await gdpr.consent.isCurrent(who, 'newsletter')).toBe(false);
    }
    const error = await refusal(gdpr.consent.assertCurrent('a@example.org', 'newsletter'));
    expect(error.details).toMatchObject({ status: 'objected' });
  });

  it('REQ-08: a grant to an outdated major notice or older than refreshAfter is not current', async () => {
    const store = new MemoryStore();
    const clock = createTestClock('2026-01-01T00:00:00.000Z');
    await createGdprMail(testConfig({ store, clock })).consent.record({
      email,
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    const withNewsletter = (change: Record<string, unknown>) => {
      const base = testConfig({ store, clock });
      return createGdprMail({
        ...base,
        purposes: base.purposes.map((p) => (p.id === 'newsletter' ? { ...p, ...change } : p)),
      });
    };
    const notice = (version: string) => ({
      notice: {
        version,
        text: `Acme SAS sends you its newsletter ${version}. You can withdraw your consent at any time.`,
      },
    });
    expect(await withNewsletter(notice('1.1')).consent.isCurrent(email, 'newsletter')).toBe(true);
    const major = withNewsletter(notice('2.0'));
    expect(await major.consent.isCurrent(email, 'newsletter')).toBe(false);
    const error = await refusal(major.consent.assertCurrent(email, 'newsletter'));
    expect(error.details).toEqual({
      purposeId: 'newsletter',
      status: 'granted',
      needsRefresh: true,
    });

    const aging = withNewsletter({ refreshAfter: 'P2Y' });
    clock.set('2027-12-31T23:59:59.000Z');
    expect(await aging.consent.isCurrent(email, 'newsletter')).toBe(true);
    clock.set('2028-01-01T00:00:00.000Z');
    expect(await aging.consent.isCurrent(email, 'newsletter')).toBe(false);
  });

  it('assertCurrent asks every purpose, refuses nobody, and never names the address', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.consent.assertCurrent(email, ['newsletter', 'newsletter']);
    const partial = await refusal(gdpr.consent.assertCurrent(email, ['newsletter', 'partners']));
    expect(partial.code).toBe('CONSENT_REQUIRED');
    expect(partial.details).toEqual({ purposeId: 'partners', status: 'none', needsRefresh: false });
    expect(JSON.stringify({ message: partial.message, details: partial.details })).not.toContain(
      'camille',
    );
    for (const nobody of [undefined, null, '']) {
      const error = await refusal(gdpr.consent.assertCurrent(nobody, ['newsletter']));
      expect(error.code).toBe('CONSENT_REQUIRED');
      expect(error.details).toEqual({ purposes: ['newsletter'] });
    }
    // A typo in a purpose id, or none at all, is a programming error, not a refusal.
    expect(await rejectionCode(gdpr.consent.assertCurrent(email, ['newsleter']))).toBe(
      'UNKNOWN_PURPOSE',
    );
    expect(await rejectionCode(gdpr.consent.isCurrent(email, 'newsleter'))).toBe('UNKNOWN_PURPOSE');
    expect(await rejectionCode(gdpr.consent.assertCurrent(email, []))).toBe('VALIDATION_FAILED');
  });
});
