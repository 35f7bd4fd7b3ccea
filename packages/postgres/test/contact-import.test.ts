import { PGlite } from '@electric-sql/pglite';
import { createGdprMail } from '@gdpr-mail/core';
import {
  createTestClock,
  csvChunks,
  generateContactLists,
  ReferenceImport,
  testConfig,
} from '@gdpr-mail/core/testing';
import { createPgliteStore } from '@gdpr-mail/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { freshSchema } from './helpers.js';

const db = await PGlite.create();
afterAll(() => db.close());

async function* lines(text: string): AsyncGenerator<string> {
  yield text;
}

describe('contacts.import on PGlite (SEED-01)', () => {
  it('merges three overlapping lists like the Map-based reference; a re-run changes nothing', async () => {
    const store = await createPgliteStore({ db, schema: freshSchema() });
    const gdpr = createGdprMail(
      testConfig({ store, clock: createTestClock('2026-03-01T09:00:00.000Z') }),
    );
    const generated = generateContactLists({
      seed: 42,
      sizes: [2_000, 1_800, 1_200],
      people: 3_000,
      suppressed: 40,
    });
    for (const email of generated.suppressed) {
      await gdpr.suppression.add(email, 'unsubscribed-all');
    }
    const reference = new ReferenceImport(new Set(generated.suppressed), 'fr');
    const rejected: number[] = [];
    for (const list of generated.lists) {
      const expected = reference.run(list);
      const report = await gdpr.contacts.import(csvChunks(list), {
        basis: 'consent',
        purposes: ['newsletter'],
        list: list.name,
        source: list.source,
        defaultLanguage: 'fr',
        batchSize: 250,
      });
      expect({
        created: report.created,
        merged: report.merged,
        unchanged: report.unchanged,
        flagged: report.flagged,
        consentRecorded: report.consentRecorded,
        conflicts: report.conflicts,
        languages: report.languages,
        rejected: {
          'invalid-email': report.rejects['invalid-email'],
          suppressed: report.rejects.suppressed,
        },
      }).toEqual({
        created: expected.created,
        merged: expected.merged,
        unchanged: expected.unchanged,
        flagged: expected.flagged,
        consentRecorded: expected.consentRecorded,
        conflicts: expected.conflicts,
        languages: expected.languages,
        rejected: expected.rejected,
      });
      rejected.push(report.rejected);
    }
    let subjects = 0;
    let afterId: string | undefined;
    for (;;) {
      const page = await store.listSubjects({ ...(afterId ? { afterId } : {}), limit: 1000 });
      subjects += page.length;
      if (page.length < 1000) break;
      afterId = page.at(-1)!.id;
    }
    expect(subjects).toBe(reference.contacts.size);
    for (const [i, list] of generated.lists.entries()) {
      const again = await gdpr.contacts.import(csvChunks(list), {
        basis: 'consent',
        purposes: ['newsletter'],
        list: list.name,
        source: list.source,
        defaultLanguage: 'fr',
      });
      expect(again).toMatchObject({
        created: 0,
        merged: 0,
        unchanged: list.rows.length - rejected[i]!,
        flagged: 0,
      });
    }
    expect(await gdpr.audit.verify()).toMatchObject({ ok: true });
    await gdpr.close();
  }, 240_000);

  it('keys on a customer number through the attributes index', async () => {
    const store = await createPgliteStore({ db, schema: freshSchema() });
    const gdpr = createGdprMail(testConfig({ store }));
    const csv = 'customer_no,email\nC-1,a@example.org\nC-1,b@example.org\nC-2,c@example.org\n';
    const options = {
      basis: 'consent' as const,
      purposes: ['newsletter'],
      key: 'customer_no',
      list: 'CRM',
      source: 'CRM export',
    };
    expect(await gdpr.contacts.import(lines(csv), options)).toMatchObject({
      created: 2,
      merged: 1,
      conflicts: 1,
    });
    expect(await gdpr.contacts.import(lines(csv), options)).toMatchObject({
      created: 0,
      merged: 0,
      unchanged: 3,
    });
    const [c1] = await gdpr.store.findSubjectsByAttribute('customer_no', ['C-1']);
    expect(c1?.email).toBe('a@example.org');
    await gdpr.close();
  });
});
