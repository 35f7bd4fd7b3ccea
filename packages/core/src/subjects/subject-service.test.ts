import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../audit/audit-entry.js';
import { MemoryStore } from '../store/memory-store.js';
import type { StoreOperations } from '../store/store-types.js';
import { testGdpr } from '../testing/test-gdpr.js';

const email = 'noor@example.org';

/** A memory store whose audit appends fail on demand, inside the transaction. */
class AuditFailingStore extends MemoryStore {
  failAudit = false;
  override transaction<T>(work: (tx: StoreOperations) => Promise<T>): Promise<T> {
    return super.transaction((tx) =>
      work(
        new Proxy(tx, {
          get: (target, key, receiver) => {
            if (this.failAudit && (key === 'appendAudit' || key === 'appendAuditEntries')) {
              return async () => {
                throw new Error('audit log unavailable');
              };
            }
            return Reflect.get(target, key, receiver);
          },
        }),
      ),
    );
  }
}

async function entries(gdpr: ReturnType<typeof testGdpr>['gdpr']): Promise<AuditEntry[]> {
  const all: AuditEntry[] = [];
  for await (const entry of gdpr.audit.entries()) all.push(entry);
  return all;
}

describe('subject changes are audited (REQ-32, SEED-06)', () => {
  it('REQ-32: hold, releaseHold and closeAccount each leave one entry naming the subject id', async () => {
    const { gdpr } = testGdpr();
    const subject = await gdpr.subjects.upsert(email);
    const before = (await entries(gdpr)).length;

    expect(await gdpr.subjects.hold(email, 'litigation 2026-17', new Date('2027-01-01'))).toBe(
      true,
    );
    expect(await gdpr.subjects.releaseHold(email)).toBe(true);
    expect(await gdpr.subjects.closeAccount(email, new Date('2026-03-02T00:00:00.000Z'))).toBe(
      true,
    );

    const added = (await entries(gdpr)).slice(before);
    expect(added.map((e) => [e.action, e.subjectRef, e.actor])).toEqual([
      ['subject.held', subject.id, 'api'],
      ['subject.hold-released', subject.id, 'api'],
      ['subject.account-closed', subject.id, 'api'],
    ]);
    expect(added[0]).toMatchObject({
      reason: 'litigation 2026-17',
      details: { until: '2027-01-01T00:00:00.000Z' },
    });
    expect(added[2]?.details).toEqual({ closedAt: '2026-03-02T00:00:00.000Z' });
    expect(JSON.stringify(added)).not.toContain('@');
    expect((await gdpr.audit.verify()).ok).toBe(true);
  });

  it('REQ-32: a call that changes nothing, or names nobody on record, writes no entry', async () => {
    const { gdpr } = testGdpr();
    await gdpr.subjects.upsert(email);
    const before = (await entries(gdpr)).length;
    expect(await gdpr.subjects.releaseHold(email)).toBe(true); // there was no hold
    expect(await gdpr.subjects.hold('stranger@example.org', 'litigation')).toBe(false);
    expect(await gdpr.subjects.closeAccount('stranger@example.org')).toBe(false);
    expect(await entries(gdpr)).toHaveLength(before);
  });

  it('REQ-32: upsert audits a creation and each change with the field names only, never their values', async () => {
    const { gdpr } = testGdpr();
    const created = await gdpr.subjects.upsert(email, { name: 'Noor Haddad', country: 'be' });
    await gdpr.subjects.upsert(email, { name: 'Noor Haddad' }); // no change
    await gdpr.subjects.upsert(email, { phone: '+32 470 12 34 56', country: 'BE' });
    await gdpr.subjects.upsert(email, { phone: null });

    const subjectEntries = (await entries(gdpr)).filter((e) => e.action.startsWith('subject.'));
    expect(subjectEntries.map((e) => [e.action, e.subjectRef, e.details])).toEqual([
      ['subject.created', created.id, { fields: ['country', 'name'] }],
      ['subject.updated', created.id, { fields: ['phone'] }],
      ['subject.updated', created.id, { fields: ['phone'] }],
    ]);
    // Fragments with a space or a letter outside a-f: a hex hash in the log can hold '470' by chance.
    const log = JSON.stringify(subjectEntries);
    for (const value of ['Noor', 'Haddad', '470 12', '+32', email])
      expect(log).not.toContain(value);
  });

  it('REQ-32: the entry is written in the transaction of the change: no entry, no change', async () => {
    const store = new AuditFailingStore();
    const { gdpr } = testGdpr({}, store);
    await gdpr.subjects.upsert(email);
    store.failAudit = true;
    await expect(gdpr.subjects.hold(email, 'litigation')).rejects.toThrow('audit log unavailable');
    await expect(gdpr.subjects.closeAccount(email)).rejects.toThrow('audit log unavailable');
    await expect(gdpr.subjects.upsert(email, { country: 'FR' })).rejects.toThrow(
      'audit log unavailable',
    );
    await expect(gdpr.subjects.upsert('new@example.org')).rejects.toThrow('audit log unavailable');
    store.failAudit = false;
    const profile = (await gdpr.subjects.get(email))?.profile;
    expect(profile?.legalHold).toBeUndefined();
    expect(profile?.accountClosedAt).toBeUndefined();
    expect(profile?.country).toBeUndefined();
    expect(await gdpr.subjects.get('new@example.org')).toBeUndefined();
  });
});

describe('bad input from plain JavaScript callers gets a typed error that says what is wrong', () => {
  it('names a missing date of the customer exemption instead of "expected date, received Date"', async () => {
    const { gdpr } = testGdpr();
    const error = await gdpr.subjects
      .upsert(email, {
        customer: { saleRef: 'order-1', categories: ['shoes'] },
      } as unknown as Parameters<typeof gdpr.subjects.upsert>[1])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: 'customer.objectionOfferedAt', message: 'is required' }],
    });
    const bad = await gdpr.subjects
      .upsert(email, { lastInteractionAt: 'yesterday' as unknown as Date })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: 'lastInteractionAt', message: 'must be a valid date or ISO 8601 string' }],
    });
    // Nothing was written by either.
    expect(await gdpr.subjects.get(email)).toBeUndefined();
    // An ISO string and null (clearing) still work.
    await gdpr.subjects.upsert(email, {
      accountOpenedAt: '2026-01-02T00:00:00Z' as unknown as Date,
    });
    expect((await gdpr.subjects.get(email))?.profile.accountOpenedAt).toEqual(
      new Date('2026-01-02T00:00:00Z'),
    );
    await gdpr.subjects.upsert(email, { accountOpenedAt: null });
    expect((await gdpr.subjects.get(email))?.profile.accountOpenedAt).toBeUndefined();
  });

  it('refuses delete() without who deletes (VALIDATION_FAILED, not a TypeError), deleting nothing', async () => {
    const { gdpr } = testGdpr();
    await gdpr.subjects.upsert(email);
    const remove = gdpr.subjects.delete as (email: string, by?: unknown) => Promise<boolean>;
    await expect(remove(email)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: 'by.actor' }],
    });
    await expect(remove(email, {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await gdpr.subjects.get(email)).toBeDefined();
  });
});
