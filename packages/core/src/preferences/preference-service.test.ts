import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, openTrackingOverrides, testConfig } from '../testing/fixtures.js';

const email = 'jane@example.com';
const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

async function setup() {
  const store = new MemoryStore();
  const gdpr = createGdprMail(testConfig({ store }));
  await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
  const token = tokenOf(await gdpr.links.preferencesUrl(email));
  return { gdpr, store, token };
}

describe('preference centre (REQ-10, SEED-04)', () => {
  it('shows every non-transactional purpose with what the person receives, and changes nothing', async () => {
    const { gdpr, store, token } = await setup();
    const before = store.dump();
    const view = await gdpr.preferences.inspect(token);
    expect(view.items.map((i) => [i.id, i.subscribed])).toEqual([
      ['newsletter', true],
      ['partners', false],
      ['customer-offers', false],
      ['b2b-prospecting', false],
    ]);
    expect(store.dump()).toBe(before);
  });

  it('shows a soft opt-in purpose as received for a customer', async () => {
    const { gdpr, token } = await setup();
    await gdpr.subjects.upsert(email, {
      customer: {
        saleRef: 'S-1',
        categories: ['garden'],
        objectionOfferedAt: new Date('2026-01-01T00:00:00.000Z'),
      },
    });
    const view = await gdpr.preferences.inspect(token);
    expect(view.items.find((i) => i.id === 'customer-offers')?.subscribed).toBe(true);
    await gdpr.preferences.save(token, { newsletter: true });
    expect(await gdpr.canSend(email, 'customer-offers')).toMatchObject({
      allowed: false,
      reason: 'withdrawn',
    });
  });

  it('saves ticks as grants and omissions as withdrawals, with preference-centre proof', async () => {
    const { gdpr, token } = await setup();
    const result = await gdpr.preferences.save(token, { partners: true }, { ip: '203.0.113.4' });
    expect(result.granted).toEqual(['partners']);
    // Unticked soft opt-in and B2B purposes are recorded as refused too: they need no grant to flow.
    expect(result.withdrawn).toEqual(['newsletter', 'customer-offers', 'b2b-prospecting']);
    expect(result.events.every((e) => e.proof.method === 'preference-center')).toBe(true);
    expect((await gdpr.canSend(email, 'partners')).allowed).toBe(true);
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'withdrawn',
    });
  });

  it('refuses purposes outside the link scope and forged links', async () => {
    const { gdpr } = await setup();
    const scoped = tokenOf(await gdpr.links.preferencesUrl(email, ['newsletter']));
    expect((await gdpr.preferences.inspect(scoped)).items.map((i) => i.id)).toEqual(['newsletter']);
    await expect(gdpr.preferences.save(scoped, { partners: true })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(gdpr.preferences.inspect(`${scoped}x`)).rejects.toMatchObject({
      code: 'TOKEN_INVALID',
    });
    const unsubscribe = tokenOf(await gdpr.links.unsubscribeUrl(email, 'all'));
    await expect(gdpr.preferences.inspect(unsubscribe)).rejects.toMatchObject({
      code: 'TOKEN_WRONG_TYPE',
    });
  });

  it('unsubscribes from everything', async () => {
    const { gdpr, token } = await setup();
    await gdpr.preferences.unsubscribeAll(token);
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'suppressed',
    });
    expect(await gdpr.suppression.check(email)).toMatchObject({ reason: 'unsubscribed-all' });
  });

  it('REQ-15, REQ-01: with a stored GPC signal the tracking box shows unticked, so saving the page as shown keeps the signal', async () => {
    const store = new MemoryStore();
    const gdpr = createGdprMail(testConfig({ store, ...openTrackingOverrides() }));
    // Tracking granted first (by staff), then a signup from a browser sending Sec-GPC.
    await gdpr.consent.record({
      email,
      purposes: ['newsletter', 'open_tracking'],
      evidence: { ...checkboxEvidence, actor: 'staff-1' },
    });
    await gdpr.subjects.upsert(email, {
      privacySignals: { dnt: false, gpc: true, at: new Date('2026-03-01T00:00:00.000Z') },
    });
    const token = tokenOf(await gdpr.links.preferencesUrl(email));
    const view = await gdpr.preferences.inspect(token);
    expect(view.items.find((i) => i.id === 'open_tracking')?.subscribed).toBe(false);
    expect(view.items.find((i) => i.id === 'newsletter')?.subscribed).toBe(true);

    // The person changes nothing and saves: no tick of theirs, so the signal stays.
    const shown = Object.fromEntries(view.items.map((i) => [i.id, i.subscribed]));
    const saved = await gdpr.preferences.save(token, shown);
    expect(saved.granted).toEqual([]);
    expect((await gdpr.subjects.get(email))?.profile.privacySignals).toMatchObject({ gpc: true });

    // Their own tick of the box is what lifts it.
    await gdpr.preferences.save(token, { ...shown, open_tracking: true });
    expect((await gdpr.subjects.get(email))?.profile.privacySignals).toBeUndefined();
    expect(
      (await gdpr.preferences.inspect(token)).items.find((i) => i.id === 'open_tracking')
        ?.subscribed,
    ).toBe(true);
  });

  it('refuses a choice that is not a boolean, or no choices object, and changes nothing', async () => {
    const { gdpr, store, token } = await setup();
    const before = store.dump();
    for (const bad of [{ newsletter: 'on' }, { newsletter: 1 }, null, undefined, ['newsletter']]) {
      await expect(
        gdpr.preferences.save(token, bad as unknown as Record<string, boolean>),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(store.dump()).toBe(before);
    expect((await gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
  });

  it('REQ-05, REQ-10: a grant held back by a bounce shows ticked, so saving the page withdraws only what the person unticked', async () => {
    const { gdpr, token } = await setup();
    await gdpr.consent.record({ email, purposes: ['partners'], evidence: checkboxEvidence });
    await gdpr.suppression.add(email, 'hard-bounce', { source: 'smtp' });
    const view = await gdpr.preferences.inspect(token);
    expect(view.items.map((i) => [i.id, i.subscribed])).toEqual([
      ['newsletter', true],
      ['partners', true],
      ['customer-offers', false],
      ['b2b-prospecting', false],
    ]);
    // The person unticks partners and saves the rest as shown.
    const shown = Object.fromEntries(view.items.map((i) => [i.id, i.subscribed]));
    const saved = await gdpr.preferences.save(token, { ...shown, partners: false });
    expect(saved.granted).toEqual([]);
    expect(saved.withdrawn).toEqual(['partners', 'customer-offers', 'b2b-prospecting']);
    expect((await gdpr.consent.state(email, 'newsletter')).status).toBe('granted');
    // Still held back by the bounce: the page shows the choice, the policy decides the send.
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'suppressed',
    });

    // An "unsubscribe from all" (from the provider's link, say), a complaint or a manual
    // entry may be the person's own wish: nothing is shown ticked after one.
    for (const reason of ['unsubscribed-all', 'complaint', 'manual'] as const) {
      const other = `${reason}@example.com`;
      await gdpr.consent.record({
        email: other,
        purposes: ['newsletter'],
        evidence: checkboxEvidence,
      });
      await gdpr.suppression.add(other, reason, { source: 'support' });
      const otherView = await gdpr.preferences.inspect(
        tokenOf(await gdpr.links.preferencesUrl(other)),
      );
      expect(otherView.items.find((i) => i.id === 'newsletter')?.subscribed).toBe(false);
    }
  });
});
