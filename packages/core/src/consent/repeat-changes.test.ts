import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, openTrackingOverrides, testConfig } from '../testing/fixtures.js';
import { InMemoryTransport } from '../transport/memory-transport.js';

const email = 'camille@example.org';
const withdrawal = { source: 'support-ticket' };
const MARKETING = ['newsletter', 'partners', 'customer-offers', 'b2b-prospecting'];

async function auditOf(store: MemoryStore) {
  return store.listAudit(0, 1000);
}

function setup() {
  const store = new MemoryStore();
  const gdpr = createGdprMail(testConfig({ store }));
  return { gdpr, store };
}

/** Individual open tracking, so a withdrawal can be seen stopping the pixel (REQ-30). */
function trackingSetup() {
  const store = new MemoryStore();
  const transport = new InMemoryTransport();
  const gdpr = createGdprMail(
    testConfig({
      store,
      transport,
      mailer: { from: { address: 'news@acme.test' } },
      ...openTrackingOverrides(),
    }),
  );
  /** Sends one newsletter and returns its personal pixel's token, if it has one. */
  async function mailPixel(): Promise<string | undefined> {
    await gdpr.mailer.send({
      to: email,
      purposeId: 'newsletter',
      subject: 'News',
      text: 'Hello.',
      html: '<html><body><p>Hello.</p></body></html>',
    });
    const html = transport.sentTo(email).at(-1)?.message.html ?? '';
    return /\/t\/o\/([^"/]+)\.gif"/.exec(html)?.[1];
  }
  return { gdpr, store, mailPixel };
}

describe('objection after a new grant (REQ-11)', () => {
  it('REQ-11: objecting again after the person opted in again is recorded and denies every marketing purpose', async () => {
    const { gdpr, store } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.consent.object({ email, evidence: withdrawal });
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    expect((await gdpr.canSend(email, 'newsletter')).allowed).toBe(true);

    const second = await gdpr.consent.object({ email, evidence: withdrawal });
    expect(second.events.map((e) => [e.type, e.purposeId])).toEqual([['objected', '*']]);
    for (const purposeId of MARKETING) {
      expect(await gdpr.canSend(email, purposeId)).toMatchObject({
        allowed: false,
        reason: 'objected',
      });
    }
    // Art. 21 is about direct marketing: the contract's mail goes on.
    expect((await gdpr.canSend(email, 'orders')).allowed).toBe(true);
    const audit = await auditOf(store);
    expect(audit.filter((e) => e.action === 'consent.objected')).toHaveLength(2);
  });

  it('REQ-11: a pending double opt-in after an objection is objected to again', async () => {
    const { gdpr } = setup();
    await gdpr.subjects.upsert(email);
    await gdpr.consent.object({ email, evidence: withdrawal });
    await gdpr.optIn.request(email, ['partners'], checkboxEvidence);
    const second = await gdpr.consent.object({ email, evidence: withdrawal });
    expect(second.events).toHaveLength(1);
    expect((await gdpr.consent.state(email, 'partners')).status).toBe('objected');
  });

  it('REQ-11: a repeated objection with nothing granted since records nothing', async () => {
    const { gdpr, store } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    expect((await gdpr.consent.object({ email, evidence: withdrawal })).events).toHaveLength(1);
    const before = store.dump();
    expect((await gdpr.consent.object({ email, evidence: withdrawal })).events).toEqual([]);
    expect(store.dump()).toBe(before);
  });
});

describe('"unsubscribe from all" after a new grant (REQ-10, REQ-30)', () => {
  it('REQ-10: a second "unsubscribe from all" withdraws what was granted since', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.consent.withdraw({ email, purposes: 'all', evidence: withdrawal });
    await gdpr.consent.record({
      email,
      purposes: ['newsletter', 'partners'],
      evidence: checkboxEvidence,
    });
    expect(await gdpr.consent.isCurrent(email, 'newsletter')).toBe(true);

    const second = await gdpr.consent.withdraw({ email, purposes: 'all', evidence: withdrawal });
    expect(second.events.map((e) => [e.type, e.purposeId])).toEqual([
      ['withdrawn', 'newsletter'],
      ['withdrawn', 'partners'],
    ]);
    for (const purposeId of MARKETING) {
      expect((await gdpr.consent.state(email, purposeId)).status).toBe('withdrawn');
    }
    expect(await gdpr.consent.isCurrent(email, 'newsletter')).toBe(false);
    expect(await gdpr.suppression.check(email)).toMatchObject({ reason: 'unsubscribed-all' });
    // Nothing granted since: a third one is the idempotent repeat.
    const third = await gdpr.consent.withdraw({ email, purposes: 'all', evidence: withdrawal });
    expect(third.events).toEqual([]);
  });

  it('REQ-10: a pending double opt-in is withdrawn by a second "unsubscribe from all"', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.consent.withdraw({ email, purposes: 'all', evidence: withdrawal });
    const pending = await gdpr.optIn.request(email, ['partners'], checkboxEvidence);
    const second = await gdpr.consent.withdraw({ email, purposes: 'all', evidence: withdrawal });
    expect(second.events.map((e) => e.purposeId)).toEqual(['partners']);
    await expect(gdpr.optIn.confirm(pending.token)).rejects.toMatchObject({
      code: 'OPT_IN_NOT_PENDING',
    });
  });

  it('REQ-30: the tracking pixel stops counting after a second "unsubscribe from all"', async () => {
    const { gdpr, mailPixel } = trackingSetup();
    const both = ['newsletter', 'open_tracking'];
    await gdpr.consent.record({ email, purposes: both, evidence: checkboxEvidence });
    await gdpr.consent.withdraw({ email, purposes: 'all', evidence: withdrawal });
    await gdpr.consent.record({ email, purposes: both, evidence: checkboxEvidence });
    const pixel = await mailPixel();
    expect(pixel).toBeDefined();
    expect(await gdpr.tracking.open(pixel!)).toMatchObject({ counted: true });

    await gdpr.consent.withdraw({ email, purposes: 'all', evidence: withdrawal });
    expect(await gdpr.tracking.open(pixel!)).toMatchObject({
      counted: false,
      reason: 'no-consent',
    });
  });
});

describe("privacy signals and the person's own tracking grant (REQ-15)", () => {
  const gpc = { privacySignals: { dnt: false, gpc: true, at: new Date('2026-03-01') } };

  it('REQ-15: ticking the tracking box in the preference centre clears a stored GPC signal', async () => {
    const { gdpr, store, mailPixel } = trackingSetup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.subjects.upsert(email, gpc);
    const url = await gdpr.links.preferencesUrl(email);
    const token = url.slice(url.lastIndexOf('/') + 1);
    expect(await mailPixel()).toBeUndefined();

    const saved = await gdpr.preferences.save(token, { newsletter: true, open_tracking: true });
    expect(saved.granted).toEqual(['open_tracking']);
    expect((await gdpr.subjects.get(email))?.profile.privacySignals).toBeUndefined();
    const pixel = await mailPixel();
    expect(pixel).toBeDefined();
    expect(await gdpr.tracking.open(pixel!)).toMatchObject({ counted: true });
    const audit = await auditOf(store);
    expect(audit.find((e) => e.action === 'consent.choices')?.details).toMatchObject({
      granted: ['open_tracking'],
      privacySignalsCleared: true,
    });
  });

  it('REQ-15: re-ticking a tracking consent already held records the act that lifts the signal', async () => {
    const { gdpr, mailPixel } = trackingSetup();
    const both = ['newsletter', 'open_tracking'];
    await gdpr.consent.record({ email, purposes: both, evidence: checkboxEvidence });
    // A later signup from a browser sending Sec-GPC stored the signal.
    await gdpr.subjects.upsert(email, gpc);
    expect(await mailPixel()).toBeUndefined();
    const url = await gdpr.links.preferencesUrl(email);
    const saved = await gdpr.preferences.save(url.slice(url.lastIndexOf('/') + 1), {
      newsletter: true,
      open_tracking: true,
    });
    expect(saved.granted).toEqual(['open_tracking']);
    expect(await mailPixel()).toBeDefined();
  });

  it("REQ-15: the person's own consent.record of tracking clears it; an admin's, an import or another purpose does not", async () => {
    const { gdpr, mailPixel } = trackingSetup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.subjects.upsert(email, gpc);
    const signals = async () => (await gdpr.subjects.get(email))?.profile.privacySignals;

    await gdpr.consent.record({
      email,
      purposes: ['open_tracking'],
      evidence: { ...checkboxEvidence, actor: 'admin-7', method: 'api' },
    });
    await gdpr.consent.record({
      email,
      purposes: ['open_tracking'],
      evidence: { ...checkboxEvidence, method: 'import' },
    });
    await gdpr.consent.record({ email, purposes: ['partners'], evidence: checkboxEvidence });
    expect(await signals()).toMatchObject({ gpc: true });
    expect(await mailPixel()).toBeUndefined();

    const own = await gdpr.consent.record({
      email,
      purposes: ['open_tracking'],
      evidence: checkboxEvidence,
    });
    expect(own.events).toHaveLength(1);
    expect(await signals()).toBeUndefined();
    expect(await mailPixel()).toBeDefined();
  });

  it('REQ-15: confirming a signup that carried the signal does not clear it', async () => {
    const { gdpr, mailPixel } = trackingSetup();
    const request = await gdpr.optIn.request(
      email,
      ['newsletter', 'open_tracking'],
      checkboxEvidence,
    );
    await gdpr.subjects.upsert(email, gpc);
    await gdpr.optIn.confirm(request.token);
    expect((await gdpr.subjects.get(email))?.profile.privacySignals).toMatchObject({ gpc: true });
    expect(await mailPixel()).toBeUndefined();
  });
});
