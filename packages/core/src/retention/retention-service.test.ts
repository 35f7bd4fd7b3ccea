import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { GdprMailConfig } from '../config/config-schema.js';
import type { GdprMail } from '../gdpr-mail.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, invoicesPurpose, testConfig } from '../testing/fixtures.js';
import { createTestClock } from '../testing/test-clock.js';

const DAY = 86_400_000;

type PurposeInput = GdprMailConfig['purposes'][number];

/** SEED-05's purpose, as docs/retention.md declares it. */
const account: PurposeInput = {
  id: 'account',
  title: 'Customer account mail',
  kind: 'transactional',
  lawfulBasis: 'contract',
  notice: {
    version: '1.0',
    text: 'Acme SAS emails you about your account. Withdraw: close the account.',
  },
  retention: {
    duration: 'P1D',
    anchor: 'account-closed',
    action: 'archive-then-delete',
    archiveFor: 'P12M',
  },
};

/** Every test purpose plus `account`; `only` keeps the ones named. */
function setup(only?: readonly string[]) {
  const clock = createTestClock('2026-01-10T12:00:00.000Z');
  const base = testConfig();
  const purposes = [...base.purposes, account];
  const gdpr = createGdprMail({
    ...base,
    store: new MemoryStore(),
    clock,
    purposes: only ? purposes.filter((p) => only.includes(p.id)) : purposes,
  });
  return { gdpr, clock };
}

/** The purposes docs/retention.md shows. */
const DOC_PURPOSES = ['newsletter', 'account'];
/** testConfig's purposes alone: `orders` is the one contract purpose. */
const TEST_PURPOSES = testConfig().purposes.map((p) => p.id);

async function* lines(text: string): AsyncGenerator<string> {
  yield text;
}

async function retentionEntries(gdpr: GdprMail, action: string) {
  const found = [];
  for await (const entry of gdpr.audit.entries()) {
    if (entry.action === action) found.push(entry.details);
  }
  return found;
}

const prospect = 'prospect@example.org';

describe('retention (REQ-27, REQ-09)', () => {
  it('REQ-27: a prospect goes 3 years after their last own act, not a day before; an open is not an act', async () => {
    const { gdpr, clock } = setup();
    await gdpr.consent.record({
      email: prospect,
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    clock.advance(100 * DAY);
    expect(await gdpr.subjects.recordInteraction(prospect, 'click')).toBe(true);
    const clickedAt = clock();
    clock.advance(200 * DAY);
    expect(await gdpr.subjects.recordInteraction(prospect, 'open')).toBe(false);
    expect((await gdpr.subjects.get(prospect))?.profile.lastInteractionAt).toEqual(clickedAt);

    clock.set(new Date(Date.UTC(2029, 3, 20, 12))); // 2026-04-20 + 3 years = the anchor's end
    expect((await gdpr.retention.sweep()).deleted).toBe(0);
    expect(await gdpr.subjects.get(prospect)).toBeDefined();
    clock.advance(DAY);
    const subjectId = (await gdpr.subjects.get(prospect))?.id;
    const report = await gdpr.retention.sweep();
    expect(report).toMatchObject({ deleted: 1, scanned: 1 });
    expect(await gdpr.subjects.get(prospect)).toBeUndefined();
    const deletions = await retentionEntries(gdpr, 'retention.deleted');
    // The audit names the person, the purpose whose retention ended, and when it ended
    // (3 years after the click).
    const ended = Date.UTC(2029, 3, 20, 12) / 1000;
    expect(deletions).toEqual([{ purposes: { newsletter: [[subjectId, ended]] } }]);
    expect((await gdpr.audit.verify()).ok).toBe(true);
  });

  it('keeps a person while any purpose still runs', async () => {
    const { gdpr, clock } = setup();
    await gdpr.consent.record({
      email: prospect,
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    clock.advance(2 * 365 * DAY);
    // partners' retention runs from collection of that consent, 3 years later.
    await gdpr.consent.record({
      email: prospect,
      purposes: ['partners'],
      evidence: checkboxEvidence,
    });
    clock.advance(2 * 365 * DAY);
    expect((await gdpr.retention.plan()).due).toEqual({});
  });

  it('SEED-05: a closed account is archived past unlinkedFor, not mailed, and deleted for good 12 months later', async () => {
    const { gdpr, clock } = setup(DOC_PURPOSES);
    // Only what docs/retention.md tells the app to call: no ledger event links the account.
    await gdpr.subjects.upsert('client@example.org', { country: 'FR' });
    expect(await gdpr.subjects.closeAccount('client@example.org')).toBe(true);
    const id = (await gdpr.subjects.get('client@example.org'))?.id;
    clock.advance(40 * DAY); // past retention.unlinkedFor (P1M)
    expect((await gdpr.retention.plan()).due).toEqual({
      'account:archive': { action: 'archive', count: 1, samples: [id] },
    });
    expect(await gdpr.retention.sweep()).toMatchObject({ archived: 1, deleted: 0 });
    expect((await gdpr.subjects.get('client@example.org'))?.profile.archivedAt).toEqual(clock());
    expect(await gdpr.canSend('client@example.org', 'account')).toMatchObject({
      allowed: false,
      reason: 'archived',
    });
    clock.advance(300 * DAY);
    expect((await gdpr.retention.sweep()).deleted).toBe(0);
    clock.advance(70 * DAY);
    expect((await gdpr.retention.plan()).due).toMatchObject({
      'account:delete-archived': { count: 1 },
    });
    expect((await gdpr.retention.sweep()).deleted).toBe(1);
    expect(await gdpr.subjects.get('client@example.org')).toBeUndefined();
    // Ended 12 months after the archiving, itself 40 days after the closing.
    const ended = Date.UTC(2027, 1, 19, 12) / 1000;
    expect(await retentionEntries(gdpr, 'retention.deleted')).toEqual([
      { purposes: { account: [[id, ended]] } },
    ]);
  });

  it('SEED-05: an open account (a customer, or imported on contract) is kept past unlinkedFor and while it stays open; archived once closed', async () => {
    const { gdpr, clock } = setup(DOC_PURPOSES);
    await gdpr.subjects.upsert('buyer@example.org', {
      customer: { saleRef: 'A-1001', categories: ['garden'], objectionOfferedAt: clock() },
    });
    // An account holder who bought nothing: linked the way docs/retention.md says.
    await gdpr.contacts.import(Readable.from(['email\nmember@example.org\n']), {
      list: 'Accounts',
      source: 'Sign-up',
      basis: 'contract',
    });
    const erased: string[] = [];
    gdpr.retention.registerSource({
      name: 'app-accounts',
      async erase(subjectId) {
        erased.push(subjectId);
      },
    });
    clock.advance(40 * DAY);
    expect((await gdpr.retention.plan()).due).toEqual({});
    expect((await gdpr.retention.sweep()).deleted).toBe(0);
    clock.advance(5 * 365 * DAY);
    expect(await gdpr.retention.sweep()).toMatchObject({ deleted: 0, archived: 0 });
    expect(erased).toEqual([]);

    await gdpr.subjects.closeAccount('buyer@example.org');
    await gdpr.subjects.closeAccount('member@example.org');
    clock.advance(DAY);
    // The anchor's day itself is still within retention.
    expect((await gdpr.retention.sweep()).archived).toBe(0);
    clock.advance(1000);
    expect(await gdpr.retention.sweep()).toMatchObject({ archived: 2, deleted: 0 });
  });

  it('SEED-05: openAccount keeps an account holder who bought nothing until closeAccount; reopening stops the period', async () => {
    const { gdpr, clock } = setup(DOC_PURPOSES);
    const opened = await gdpr.subjects.openAccount('holder@example.org');
    expect(opened.profile.accountOpenedAt).toEqual(clock());
    // Past unlinkedFor (P1M) and years on: the open account holds them.
    clock.advance(3 * 365 * DAY);
    expect((await gdpr.retention.plan()).due).toEqual({});
    expect(await gdpr.subjects.closeAccount('holder@example.org')).toBe(true);
    // Opened again before the period ran out: the close is cleared, nothing is due.
    clock.advance(12 * 60 * 60 * 1000);
    const reopened = await gdpr.subjects.openAccount('holder@example.org');
    expect(reopened.profile.accountClosedAt).toBeUndefined();
    clock.advance(40 * DAY);
    expect((await gdpr.retention.plan()).due).toEqual({});
    await gdpr.subjects.closeAccount('holder@example.org');
    clock.advance(DAY + 1000);
    expect(await gdpr.retention.sweep()).toMatchObject({ archived: 1, deleted: 0 });

    const actions: string[] = [];
    for await (const entry of gdpr.audit.entries({ subjectRefs: [opened.id] })) {
      actions.push(entry.action);
    }
    expect(actions).toEqual([
      'subject.account-opened',
      'subject.account-closed',
      'subject.account-opened',
      'subject.account-closed',
    ]);
    expect((await retentionEntries(gdpr, 'retention.archived')).length).toBe(1);
  });

  it('REQ-27: every contract purpose holds an account holder; the one ending last decides', async () => {
    // With `orders` (10 years from collection) configured too, closing the account
    // does not end what `orders` keeps.
    const { gdpr, clock } = setup();
    await gdpr.subjects.upsert('client@example.org', {});
    await gdpr.subjects.closeAccount('client@example.org');
    clock.advance(40 * DAY);
    expect((await gdpr.retention.plan()).due).toEqual({});
    clock.set(new Date(Date.UTC(2036, 0, 10, 12))); // collected + P10Y
    expect((await gdpr.retention.plan()).due).toEqual({});
    clock.advance(DAY);
    expect((await gdpr.retention.plan()).due).toMatchObject({ 'orders:delete': { count: 1 } });
    expect((await gdpr.retention.sweep()).deleted).toBe(1);
  });

  it("REQ-27: contacts imported on `contract` are kept for the contract purpose's period, not unlinkedFor", async () => {
    const { gdpr, clock } = setup(TEST_PURPOSES);
    const report = await gdpr.contacts.import(
      lines('email,customer_no\nk1@example.org,1\nk2@example.org,2\n'),
      { list: 'Customers', source: 'ERP', basis: 'contract', key: 'customer_no' },
    );
    expect(report).toMatchObject({ created: 2, flagged: 0 });
    clock.advance(40 * DAY);
    expect((await gdpr.retention.plan()).due).toEqual({});
    expect((await gdpr.retention.sweep()).deleted).toBe(0);
    // `orders`: 10 years from collection (the import).
    clock.set(new Date(Date.UTC(2036, 0, 10, 12)));
    expect((await gdpr.retention.sweep()).deleted).toBe(0);
    clock.advance(DAY);
    expect((await gdpr.retention.plan()).due).toMatchObject({ 'orders:delete': { count: 2 } });
    expect((await gdpr.retention.sweep()).deleted).toBe(2);
  });

  it("contacts imported on `legal-obligation` are kept for that purpose's period", async () => {
    const clock = createTestClock('2026-01-10T12:00:00.000Z');
    const base = testConfig();
    const gdpr = createGdprMail({
      ...base,
      store: new MemoryStore(),
      clock,
      purposes: [...base.purposes, invoicesPurpose],
    });
    await gdpr.contacts.import(lines('email\nbilled@example.org\n'), {
      list: 'Billing',
      source: 'Accounting export',
      basis: 'legal-obligation',
    });
    clock.advance(40 * DAY);
    expect((await gdpr.retention.sweep()).deleted).toBe(0);
    clock.set(new Date(Date.UTC(2032, 0, 11, 12)));
    expect((await gdpr.retention.plan()).due).toMatchObject({ 'invoices:delete': { count: 1 } });
  });

  it('a legal hold keeps a record, and the plan says why', async () => {
    const { gdpr, clock } = setup();
    await gdpr.consent.record({
      email: prospect,
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    await gdpr.subjects.hold(prospect, 'litigation 2026-17');
    clock.advance(4 * 365 * DAY);
    const plan = await gdpr.retention.plan();
    expect(plan.held).toEqual({ 'litigation 2026-17': 1 });
    expect(plan.due).toEqual({});
    expect((await gdpr.retention.sweep()).deleted).toBe(0);
    await gdpr.subjects.releaseHold(prospect);
    const released = await gdpr.retention.plan();
    expect(Object.values(released.due)).toEqual([
      { action: 'delete', count: 1, samples: [expect.any(String)] },
    ]);
  });

  it('erases the app sources first; a failing source keeps the person for the next sweep', async () => {
    const { gdpr, clock } = setup();
    await gdpr.consent.record({
      email: prospect,
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    let fail = true;
    const erased: string[] = [];
    gdpr.retention.registerSource({
      name: 'crm',
      async erase(subjectId) {
        if (fail) throw new Error('down');
        erased.push(subjectId);
      },
    });
    clock.advance(4 * 365 * DAY);
    expect(await gdpr.retention.sweep()).toMatchObject({ failed: 1, deleted: 0 });
    fail = false;
    expect(await gdpr.retention.sweep()).toMatchObject({ failed: 0, deleted: 1 });
    expect(erased).toHaveLength(1);
  });

  it('removes a subject linked to no purpose after `retention.unlinkedFor`', async () => {
    const { gdpr, clock } = setup();
    await gdpr.consent.choices({
      email: prospect,
      choices: { newsletter: false },
      evidence: { source: 'signup' },
    });
    clock.advance(20 * DAY);
    expect((await gdpr.retention.plan()).due).toEqual({});
    clock.advance(15 * DAY);
    expect((await gdpr.retention.sweep()).deleted).toBe(1);
  });

  it('pages committed concurrently: a failing commit stops the sweep, loses nothing, and a re-run finishes', async () => {
    const clock = createTestClock('2026-01-10T12:00:00.000Z');
    const store = new MemoryStore();
    const gdpr = createGdprMail({ ...testConfig(), store, clock });
    const emails = Array.from({ length: 23 }, (_, i) => `p${i}@example.org`);
    for (const email of emails) {
      await gdpr.consent.record({ email, purposes: ['partners'], evidence: checkboxEvidence });
    }
    clock.advance(4 * 366 * DAY);
    let calls = 0;
    // The third page's commit fails: what the other pages did stays, that page stays whole.
    const failing = Object.assign(Object.create(store) as MemoryStore, {
      transaction: (work: Parameters<MemoryStore['transaction']>[0]) =>
        store.transaction((tx) =>
          work(
            Object.assign(Object.create(tx) as typeof tx, {
              deleteSubjects: async (ids: readonly string[]) => {
                calls += 1;
                if (calls === 3) throw new Error('disk full');
                return tx.deleteSubjects(ids);
              },
            }),
          ),
        ),
    });
    const flaky = createGdprMail({ ...testConfig(), store: failing, clock });
    await expect(flaky.retention.sweep({ batchSize: 5, concurrency: 3 })).rejects.toThrow(
      'disk full',
    );
    const left = await store.listSubjects({ limit: 100 });
    // Every commit but the failed one went through whole; the failed page is untouched.
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(left).toHaveLength(23 - 5 * (calls - 1));

    const report = await gdpr.retention.sweep({ batchSize: 5, concurrency: 3 });
    expect(report.deleted).toBe(left.length);
    expect(await store.listSubjects({ limit: 100 })).toEqual([]);
    expect(await gdpr.audit.verify()).toMatchObject({ ok: true });
  });

  it('concurrency 1 and the default sweep the same subjects with the same audit', async () => {
    const results = [];
    for (const concurrency of [1, undefined]) {
      const clock = createTestClock('2026-01-10T12:00:00.000Z');
      const gdpr = createGdprMail({ ...testConfig(), store: new MemoryStore(), clock });
      for (let i = 0; i < 12; i += 1) {
        await gdpr.consent.record({
          email: `p${i}@example.org`,
          purposes: [i % 3 === 0 ? 'newsletter' : 'partners'],
          evidence: checkboxEvidence,
        });
      }
      clock.advance(4 * 366 * DAY);
      const report = await gdpr.retention.sweep({
        batchSize: 4,
        ...(concurrency ? { concurrency } : {}),
      });
      results.push({ deleted: report.deleted, batches: report.batches, scanned: report.scanned });
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).toEqual({ deleted: 12, batches: 3, scanned: 12 });
  });
});

describe('retention options a careful caller gets wrong (VALIDATION_FAILED, nothing swept)', () => {
  const code = async (work: () => unknown) => {
    try {
      await work();
    } catch (error) {
      return (error as { code?: string }).code;
    }
    return undefined;
  };

  it('a batchSize of 0 or less, or a bad concurrency, is refused instead of an empty sweep', async () => {
    const { gdpr, clock } = setup(DOC_PURPOSES);
    await gdpr.subjects.upsert(prospect, {});
    clock.advance(40 * DAY);
    for (const options of [
      { batchSize: 0 },
      { batchSize: -5 },
      { batchSize: 2.5 },
      { concurrency: 0 },
      { concurrency: Number.NaN },
    ]) {
      expect(await code(() => gdpr.retention.sweep(options))).toBe('VALIDATION_FAILED');
    }
    expect(await code(() => gdpr.retention.plan({ batchSize: 0 }))).toBe('VALIDATION_FAILED');
    expect(await code(() => gdpr.retention.plan({ samples: -1 }))).toBe('VALIDATION_FAILED');
    expect(await gdpr.subjects.get(prospect)).toBeDefined();
    // The same subject is due, and a valid sweep removes it.
    expect((await gdpr.retention.sweep({ batchSize: 1, concurrency: 1 })).deleted).toBe(1);
  });

  it('schedule refuses an interval setInterval would turn into 1 ms (0, none, over 24.8 days)', async () => {
    const { gdpr } = setup(DOC_PURPOSES);
    for (const everyMs of [0, -1, Number.NaN, undefined, 31 * DAY]) {
      expect(
        await code(() => gdpr.retention.schedule({ everyMs: everyMs as unknown as number })),
      ).toBe('VALIDATION_FAILED');
    }
    const stop = gdpr.retention.schedule({ everyMs: DAY });
    stop();
  });

  it('registerSource refuses a source without erase, which would keep everyone due', async () => {
    const { gdpr } = setup(DOC_PURPOSES);
    const register = gdpr.retention.registerSource as (source: unknown) => void;
    for (const source of [undefined, { name: 'orders' }, { name: '', erase: async () => {} }]) {
      expect(await code(() => register(source))).toBe('VALIDATION_FAILED');
    }
    register({ name: 'orders', erase: async () => {} });
  });
});
