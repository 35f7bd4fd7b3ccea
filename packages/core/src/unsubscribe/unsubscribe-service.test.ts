import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';

function setup() {
  let now = new Date('2026-03-01T10:00:00.000Z');
  const store = new MemoryStore();
  const gdpr = createGdprMail(testConfig({ store, clock: () => now }));
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

async function subscribed() {
  const ctx = setup();
  await ctx.gdpr.consent.record({
    email: 'jane@example.com',
    purposes: ['newsletter', 'partners'],
    evidence: checkboxEvidence,
  });
  return ctx;
}

describe('one-click unsubscribe and preference links', () => {
  it('REQ-10, REQ-12: one click withdraws the scoped purpose with proof, and only it', async () => {
    const { gdpr } = await subscribed();
    const url = await gdpr.links.unsubscribeUrl('jane@example.com', ['newsletter']);
    expect(url).toMatch(/^https:\/\/app\.acme\.test\/gdpr\/u\/k1\./);
    const result = await gdpr.unsubscribe.oneClick(tokenOf(url), { ip: '198.51.100.1' });
    expect(result.events).toHaveLength(1);
    expect(result.events[0]).toMatchObject({
      type: 'withdrawn',
      purposeId: 'newsletter',
      proof: { method: 'one-click-unsubscribe', source: 'list-unsubscribe', actor: 'subject' },
    });
    expect(await gdpr.canSend('jane@example.com', 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'withdrawn',
    });
    expect(await gdpr.canSend('jane@example.com', 'partners')).toMatchObject({ allowed: true });
  });

  it('REQ-12: one-click is idempotent: a repeat succeeds and records nothing new', async () => {
    const { gdpr } = await subscribed();
    const token = tokenOf(await gdpr.links.unsubscribeUrl('jane@example.com', 'all'));
    const first = await gdpr.unsubscribe.oneClick(token);
    const second = await gdpr.unsubscribe.oneClick(token);
    expect(first.events.map((e) => e.purposeId)).toEqual(['*']);
    expect(second.events).toEqual([]);
    expect(await gdpr.suppression.check('jane@example.com')).toMatchObject({
      reason: 'unsubscribed-all',
    });
    expect((await gdpr.consent.history('jane@example.com')).length).toBe(3);
  });

  it('REQ-10, REQ-13: the same "all" link used again after a new opt-in withdraws that opt-in too', async () => {
    const { gdpr } = await subscribed();
    const token = tokenOf(await gdpr.links.unsubscribeUrl('jane@example.com', 'all'));
    await gdpr.unsubscribe.oneClick(token);
    await gdpr.consent.record({
      email: 'jane@example.com',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    expect(await gdpr.consent.isCurrent('jane@example.com', 'newsletter')).toBe(true);

    const again = await gdpr.unsubscribe.oneClick(token);
    expect(again.events).toHaveLength(1);
    expect(again.events[0]).toMatchObject({
      type: 'withdrawn',
      purposeId: 'newsletter',
      proof: { method: 'one-click-unsubscribe', actor: 'subject' },
    });
    expect(await gdpr.consent.isCurrent('jane@example.com', 'newsletter')).toBe(false);
    expect(await gdpr.suppression.check('jane@example.com')).toMatchObject({
      reason: 'unsubscribed-all',
    });
  });

  it('REQ-10: the preference centre\'s "unsubscribe from all" after a new opt-in withdraws it', async () => {
    const { gdpr } = await subscribed();
    const token = tokenOf(await gdpr.links.preferencesUrl('jane@example.com'));
    await gdpr.preferences.unsubscribeAll(token);
    await gdpr.consent.record({
      email: 'jane@example.com',
      purposes: ['partners'],
      evidence: checkboxEvidence,
    });
    const again = await gdpr.preferences.unsubscribeAll(token);
    expect(again.events.map((e) => [e.purposeId, e.proof.method])).toEqual([
      ['partners', 'preference-center'],
    ]);
    expect((await gdpr.consent.state('jane@example.com', 'partners')).status).toBe('withdrawn');
  });

  it('REQ-12: unsubscribe links are long-lived (no expiry by default) and accept a subject id', async () => {
    const { gdpr, setNow } = await subscribed();
    const subject = await gdpr.subjects.get('jane@example.com');
    const token = tokenOf(await gdpr.links.unsubscribeUrl(subject!.id, ['partners']));
    setNow(new Date('2036-01-01T00:00:00.000Z'));
    expect(await codeOf(gdpr.unsubscribe.oneClick(token))).toBe('ok');
    expect((await gdpr.consent.state('jane@example.com', 'partners')).status).toBe('withdrawn');
  });

  it('REQ-10: no unsubscribe link for a transactional purpose (it would withdraw while the mail goes on)', async () => {
    const { gdpr } = await subscribed();
    expect(await codeOf(gdpr.links.unsubscribeUrl('jane@example.com', ['orders']))).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      await codeOf(gdpr.links.unsubscribeUrl('jane@example.com', ['newsletter', 'orders'])),
    ).toBe('VALIDATION_FAILED');
    // Checked before the recipient is looked up: the answer says nothing about who is on file.
    expect(await codeOf(gdpr.links.unsubscribeUrl('nobody@example.com', ['orders']))).toBe(
      'VALIDATION_FAILED',
    );
    expect(await codeOf(gdpr.links.unsubscribeUrl('jane@example.com', 'all'))).toBe('ok');
  });

  it('REQ-12: the GET (inspect) mutates nothing', async () => {
    const { gdpr, store } = await subscribed();
    const token = tokenOf(await gdpr.links.unsubscribeUrl('jane@example.com', ['newsletter']));
    const before = store.dump();
    expect(await gdpr.unsubscribe.inspect(token)).toEqual({
      scope: [{ id: 'newsletter', title: 'Monthly newsletter' }],
      controllerName: 'Acme SAS',
    });
    expect(store.dump()).toBe(before);
  });

  it('REQ-12: forged, truncated or retyped tokens are refused with typed errors', async () => {
    const { gdpr } = await subscribed();
    const token = tokenOf(await gdpr.links.unsubscribeUrl('jane@example.com', ['newsletter']));
    const allToken = token.replace('~newsletter~', '~_~');
    expect(await codeOf(gdpr.unsubscribe.oneClick(allToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(gdpr.unsubscribe.oneClick(token.slice(0, -1)))).toBe('TOKEN_INVALID');
    const prefs = tokenOf(await gdpr.links.preferencesUrl('jane@example.com'));
    expect(await codeOf(gdpr.unsubscribe.oneClick(prefs))).toBe('TOKEN_WRONG_TYPE');
  });

  it('REQ-10: preference links expire (default one year) and verify as preferences only', async () => {
    const { gdpr } = await subscribed();
    const url = await gdpr.links.preferencesUrl('jane@example.com', ['newsletter']);
    expect(url).toMatch(/^https:\/\/app\.acme\.test\/gdpr\/preferences\//);
    const claims = gdpr.tokens.verify(tokenOf(url), 'preferences');
    expect(claims.purposes).toEqual(['newsletter']);
    expect(claims.expiresAt).toEqual(new Date('2027-03-01T10:00:00.000Z'));
  });

  it('links need a known subject and declared purposes', async () => {
    const { gdpr } = await subscribed();
    expect(await codeOf(gdpr.links.unsubscribeUrl('nobody@example.com', 'all'))).toBe(
      'SUBJECT_NOT_FOUND',
    );
    expect(await codeOf(gdpr.links.unsubscribeUrl('jane@example.com', ['nope']))).toBe(
      'UNKNOWN_PURPOSE',
    );
  });
});
