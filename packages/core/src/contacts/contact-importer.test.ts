import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import {
  csvChunks,
  generateContactLists,
  outcomeOf,
  ReferenceImport,
} from '../testing/contact-lists.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';
import { createTestClock } from '../testing/test-clock.js';
import type { ContactImportReport } from './import-report.js';

function setup() {
  const store = new MemoryStore();
  const clock = createTestClock('2026-03-01T09:00:00.000Z');
  const gdpr = createGdprMail(testConfig({ store, clock }));
  return { gdpr, store, clock };
}

async function* chunks(text: string, size = 7): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isGdprMailError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
}

const base = { basis: 'consent' as const, purposes: ['newsletter'] };

describe('contacts.import: 100,000 rows from three overlapping lists (SEED-01)', () => {
  it('matches an independent Map-based reference, loses nothing, and a re-run changes nothing', async () => {
    const { gdpr, store } = setup();
    const generated = generateContactLists({
      seed: 20180525,
      sizes: [40_000, 35_000, 25_000],
      people: 60_000,
      suppressed: 300,
    });
    for (const email of generated.suppressed) {
      await gdpr.suppression.add(email, 'unsubscribed-all', { source: 'legacy-unsubscribes' });
    }
    const reference = new ReferenceImport(new Set(generated.suppressed), 'en');
    const firstRun: ContactImportReport[] = [];
    for (const list of generated.lists) {
      const expected = reference.run(list);
      let yielded = 0;
      let maxLead = 0;
      let committed = 0;
      const report = await gdpr.contacts.import(
        csvChunks(list, {
          onYield: (n) => {
            yielded = n;
            maxLead = Math.max(maxLead, yielded - committed);
          },
        }),
        {
          ...base,
          list: list.name,
          source: list.source,
          defaultLanguage: 'en',
          onProgress: (p) => {
            committed = p.rows;
          },
        },
      );
      expect(outcomeOf(report)).toEqual(expected);
      // Nothing lost: every row is counted once.
      expect(report.created + report.merged + report.unchanged + report.rejected).toBe(
        list.rows.length,
      );
      // Streamed: the importer never ran ahead of its batch (500) by more than a chunk (100).
      expect(maxLead).toBeLessThanOrEqual(600);
      expect(report.samples.merges.length).toBeGreaterThan(0);
      firstRun.push(report);
    }
    expect(firstRun[0]!.samples.unknownLanguages.map((s) => s.detail)).not.toContain('fr');
    expect(firstRun.some((r) => r.samples.conflicts.some((c) => c.field === 'language'))).toBe(
      true,
    );

    // The stored base agrees with the reference, contact by contact, for a sample.
    let checked = 0;
    for (const [email, ref] of reference.contacts) {
      if (checked++ % 997 !== 0) continue;
      const subject = await gdpr.subjects.get(email);
      expect(subject?.profile.contact?.segments.sort()).toEqual([...ref.segments].sort());
      expect(subject?.profile.contact?.sources).toHaveLength(ref.sources.size);
      expect(subject?.profile.language).toBe(ref.language);
      expect(subject?.profile.contact?.repermission?.status).toBe(
        ref.flagged ? 'flagged' : undefined,
      );
      const state = await gdpr.consent.state(email, 'newsletter');
      expect(state.status).toBe(ref.granted ? 'granted' : 'none');
      if (ref.granted) expect(state.method).toBe('import');
    }
    const total = (await store.listSubjects({ limit: 1_000_000 })).length;
    expect(total).toBe(reference.contacts.size);

    const auditBefore = (await store.listAudit(0, 1_000_000)).length;
    for (const [i, list] of generated.lists.entries()) {
      const again = await gdpr.contacts.import(csvChunks(list), {
        ...base,
        list: list.name,
        source: list.source,
        defaultLanguage: 'en',
      });
      const accepted = list.rows.length - firstRun[i]!.rejected;
      expect(again).toMatchObject({
        created: 0,
        merged: 0,
        unchanged: accepted,
        flagged: 0,
        consentRecorded: 0,
        conflicts: 0,
        rejected: firstRun[i]!.rejected,
      });
    }
    // A re-run that changed nothing leaves no trace either.
    expect((await store.listAudit(0, 1_000_000)).length).toBe(auditBefore);
    expect(await gdpr.audit.verify()).toMatchObject({ ok: true });
  }, 240_000);
});

describe('contacts.import', () => {
  it('parses RFC 4180 CSV from small chunks: quotes, doubled quotes, line breaks, CRLF, BOM', async () => {
    const { gdpr } = setup();
    const csv =
      '\uFEFFemail;language;consent_date;comment\r\n' +
      '"ann@example.org";"Français";2018-05-01;"said ""yes""; at the fair\r\nbooth 4"\r\n' +
      'bob@example.org;nl-BE;;\n' +
      '\n' +
      'cy@example.org;;;"x"';
    const report = await gdpr.contacts.import(chunks(csv, 3), {
      ...base,
      list: 'Fair',
      source: 'Salon X 2018',
      delimiter: ';',
    });
    expect(report).toMatchObject({ rows: 3, created: 3, flagged: 2, consentRecorded: 1 });
    expect((await gdpr.subjects.get('ann@example.org'))?.profile.language).toBe('fr');
    expect((await gdpr.subjects.get('bob@example.org'))?.profile.language).toBe('nl');
    expect((await gdpr.subjects.get('cy@example.org'))?.profile.language).toBeUndefined();
  });

  it('reads JSON lines, keeps every source of a contact, and reports unreadable lines', async () => {
    const { gdpr } = setup();
    const first = [
      JSON.stringify({ email: 'dee@example.org', language: 'Deutsch' }),
      '[1,2]',
      JSON.stringify({ email: 'eve@example.org', consent_date: '2019-02-03' }),
    ].join('\n');
    const a = await gdpr.contacts.import(chunks(first), {
      ...base,
      format: 'jsonl',
      list: 'Webshop',
      source: 'homepage opt-in form',
    });
    expect(a.rejects.unreadable).toBe(1);
    expect(a.created).toBe(2);
    const b = await gdpr.contacts.import(
      chunks(JSON.stringify({ email: 'DEE@example.org', language: 'de' })),
      { ...base, format: 'jsonl', list: 'Fair', source: 'Salon X 2018' },
    );
    expect(b).toMatchObject({ merged: 1, created: 0 });
    const dee = await gdpr.subjects.get('dee@example.org');
    expect(dee?.profile.contact?.segments).toEqual(['Webshop', 'Fair']);
    expect(dee?.profile.contact?.sources.map((s) => s.label)).toEqual([
      'homepage opt-in form',
      'Salon X 2018',
    ]);
  });

  it('REQ-28: refuses suppressed addresses and never revives them', async () => {
    const { gdpr } = setup();
    await gdpr.suppression.add('gone@example.org', 'unsubscribed-all');
    const report = await gdpr.contacts.import(
      chunks('email\ngone@example.org\nnot an address\nok@example.org\n'),
      { ...base, list: 'L', source: 'S' },
    );
    expect(report.rejects).toMatchObject({ suppressed: 1, 'invalid-email': 1 });
    expect(report.samples.rejects.map((r) => [r.line, r.reason]).sort()).toEqual([
      [2, 'suppressed'],
      [3, 'invalid-email'],
    ]);
    expect(await gdpr.subjects.get('gone@example.org')).toBeUndefined();
    expect((await gdpr.canSend('gone@example.org', 'newsletter')).reason).toBe('suppressed');
  });

  it('keys on a customer number: merges by it, reports a different address as a conflict, keeps it', async () => {
    const { gdpr } = setup();
    const csv =
      'customer_no,email,language\n' +
      'C-1,anna@example.org,fr\n' +
      'C-2,ben@example.org,en\n' +
      'C-1,anna.new@example.org,nl\n' +
      ',nokey@example.org,fr\n';
    const report = await gdpr.contacts.import(chunks(csv), {
      ...base,
      key: 'customer_no',
      list: 'CRM',
      source: 'CRM export 2017',
    });
    expect(report).toMatchObject({ created: 2, merged: 1, conflicts: 2 });
    expect(report.rejects['missing-key']).toBe(1);
    const [anna] = await gdpr.store.findSubjectsByAttribute('customer_no', ['C-1']);
    expect(anna?.email).toBe('anna@example.org');
    expect(anna?.profile.contact?.conflicts?.map((c) => [c.field, c.kept, c.other])).toEqual([
      ['email', 'anna@example.org', 'anna.new@example.org'],
      ['language', 'fr', 'nl'],
    ]);
    const again = await gdpr.contacts.import(chunks(csv), {
      ...base,
      key: 'customer_no',
      list: 'CRM',
      source: 'CRM export 2017',
    });
    expect(again).toMatchObject({ created: 0, merged: 0, unchanged: 3, conflicts: 0 });
  });

  it('does not re-grant consent the person withdrew, and does not ask them again', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({
      email: 'wd@example.org',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    await gdpr.consent.withdraw({
      email: 'wd@example.org',
      purposes: ['newsletter'],
      evidence: { source: 'unsubscribe-link' },
    });
    const report = await gdpr.contacts.import(
      chunks('email,consent_date\nwd@example.org,2018-01-01\nwd2@example.org,\n'),
      { ...base, list: 'Old', source: 'Old list' },
    );
    expect(report.consentRecorded).toBe(0);
    expect(report.samples.conflicts[0]).toMatchObject({
      field: 'consent:newsletter',
      kept: 'withdrawn',
    });
    expect((await gdpr.consent.state('wd@example.org', 'newsletter')).status).toBe('withdrawn');
    expect((await gdpr.subjects.get('wd@example.org'))?.profile.contact?.repermission).toBe(
      undefined,
    );
  });

  it('refuses a basis no configured purpose rests on, a purpose on another basis, and an array', async () => {
    const { gdpr } = setup();
    const opts = { list: 'L', source: 'S' };
    expect(
      await rejection(
        gdpr.contacts.import(chunks('email\n'), { ...opts, basis: 'public-task' as never }),
      ),
    ).toBe('VALIDATION_FAILED');
    expect(
      await rejection(
        gdpr.contacts.import(chunks('email\n'), {
          ...opts,
          basis: 'consent',
          purposes: ['b2b-prospecting'],
        }),
      ),
    ).toBe('VALIDATION_FAILED');
    expect(
      await rejection(
        gdpr.contacts.import(['email\nx@example.org\n'] as never, { ...opts, basis: 'consent' }),
      ),
    ).toBe('VALIDATION_FAILED');
    expect(
      await rejection(
        gdpr.contacts.import(chunks('email\n'), {
          ...opts,
          basis: 'consent',
          defaultLanguage: 'Elvish',
        }),
      ),
    ).toBe('VALIDATION_FAILED');
  });

  it('records a B2B import on legitimate interest and flags contacts without proof', async () => {
    const { gdpr } = setup();
    const report = await gdpr.contacts.import(chunks('email\nbuyer@corp.example\n'), {
      basis: 'legitimate-interest',
      list: 'Trade fair',
      source: 'Salon X 2018',
    });
    expect(report.purposeIds).toEqual(['b2b-prospecting']);
    expect(report.flagged).toBe(1);
  });
});
