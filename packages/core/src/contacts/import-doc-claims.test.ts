import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';
import { createTestClock } from '../testing/test-clock.js';
import { InMemoryTransport } from '../transport/memory-transport.js';

// docs/import.md, claim by claim, and what a campaign segment then sees of an import.

async function* text(value: string): AsyncGenerator<string> {
  yield value;
}

function setup() {
  const store = new MemoryStore();
  const transport = new InMemoryTransport();
  const gdpr = createGdprMail(
    testConfig({
      store,
      transport,
      clock: createTestClock('2026-03-01T09:00:00.000Z'),
      mailer: {
        from: { address: 'news@acme.test' },
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      },
    }),
  );
  return { gdpr, store, transport };
}

const consent = { basis: 'consent' as const, purposes: ['newsletter'] };

describe('docs/import.md', () => {
  it('maps the language names it lists to ISO 639-1, and reports unknown ones', async () => {
    const { gdpr } = setup();
    const names = [
      ['Français', 'fr'],
      ['francais', 'fr'],
      ['FR', 'fr'],
      ['fr-BE', 'fr'],
      ['French', 'fr'],
      ['Nederlands', 'nl'],
      ['Vlaams', 'nl'],
      ['Deutsch', 'de'],
      ['English', 'en'],
    ] as const;
    const csv = ['email,language', ...names.map(([n], i) => `p${i}@example.org,${n}`)];
    csv.push('unknown@example.org,Klingon');
    const report = await gdpr.contacts.import(text(csv.join('\n')), {
      ...consent,
      list: 'L',
      source: 'S',
    });
    for (const [i, [, code]] of names.entries()) {
      expect((await gdpr.subjects.get(`p${i}@example.org`))?.profile.language).toBe(code);
    }
    expect((await gdpr.subjects.get('unknown@example.org'))?.profile.language).toBeUndefined();
    expect(report.languages).toMatchObject({ unknown: 1 });
  });

  it('a consent date (ISO or DD/MM/YYYY) or a proof reference records a grant; a future or unreadable date is no proof', async () => {
    const { gdpr } = setup();
    const csv = [
      'email,consent_date,consent_proof',
      'iso@example.org,2025-06-01,',
      'eu@example.org,31/12/2025,',
      'proof@example.org,,form-7',
      'future@example.org,2027-01-01,',
      'garbage@example.org,yesterday,',
      'none@example.org,,',
    ].join('\n');
    const report = await gdpr.contacts.import(text(csv), { ...consent, list: 'L', source: 'S' });
    expect(report.consentRecorded).toBe(3);
    expect(report.flagged).toBe(3);
    expect(report.rows).toBe(report.created + report.merged + report.unchanged + report.rejected);
    const ledger = await gdpr.consent.history('eu@example.org');
    const grant = ledger.find((e) => e.type === 'granted');
    // Recorded at the time of the import; the file's date is in the reason.
    expect(grant?.at.toISOString()).toBe('2026-03-01T09:00:00.000Z');
    expect(grant?.proof.reason).toContain('consent given 2025-12-31');
    for (const email of ['future@example.org', 'garbage@example.org', 'none@example.org']) {
      const events = await gdpr.consent.history(email);
      expect(events.some((e) => e.type === 'granted')).toBe(false);
    }
  });

  it('an import on contract records segments and sources, flags no one, records no consent', async () => {
    const { gdpr } = setup();
    const report = await gdpr.contacts.import(
      text('email,consent_date\nbuyer@example.org,2025-01-01\n'),
      { basis: 'contract', list: 'Customers', source: 'Shop' },
    );
    expect(report).toMatchObject({ created: 1, flagged: 0, consentRecorded: 0 });
    const person = await gdpr.subjects.get('buyer@example.org');
    expect(person?.profile.contact?.segments).toEqual(['Customers']);
    expect(person?.profile.contact?.sources.map((s) => s.label)).toEqual(['Shop']);
  });

  it('the list is the segment name as given, exactly; a campaign on it mails those who consented', async () => {
    const { gdpr, transport } = setup();
    await gdpr.contacts.import(
      text('email,consent_date\na@example.org,2025-06-01\nb@example.org,\n'),
      { ...consent, list: 'Salon X 2018', source: 'Salon X 2018 badge scans' },
    );
    // c consented by a form, and is on no list: not in the segment.
    await gdpr.consent.record({
      email: 'c@example.org',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    const run = (id: string, segment: Parameters<typeof gdpr.campaigns.run>[0]['segment']) =>
      gdpr.campaigns.run({
        id,
        purposeId: 'newsletter',
        ...(segment ? { segment } : {}),
        render: () => ({ subject: 'Salon', text: 'Hello' }),
      });
    expect((await run('slug', { segment: 'salon-x-2018' })).sent).toBe(0);
    expect((await run('exact', { segment: 'Salon X 2018' })).sent).toBe(1);
    expect((await run('by-source', { source: 'Salon X 2018 badge scans' })).sent).toBe(1);
    expect((await run('by-list-as-source', { source: 'Salon X 2018' })).sent).toBe(0);
    expect(transport.sent.map((s) => s.message.to.address)).toEqual([
      'a@example.org',
      'a@example.org',
    ]);
  });

  it('does not bring back, through a later import, someone who left from the preference centre', async () => {
    const { gdpr, transport } = setup();
    await gdpr.contacts.import(text('email,consent_date\nleaver@example.org,2025-06-01\n'), {
      ...consent,
      list: 'Salon X 2018',
      source: 'S1',
    });
    const url = await gdpr.links.preferencesUrl('leaver@example.org');
    await gdpr.preferences.save(url.slice(url.lastIndexOf('/') + 1), { newsletter: false });
    const again = await gdpr.contacts.import(
      text('email,consent_date\nleaver@example.org,2026-01-01\n'),
      { ...consent, list: 'Webinar', source: 'S2' },
    );
    expect(again.consentRecorded).toBe(0);
    expect(again.conflicts).toBeGreaterThan(0);
    const report = await gdpr.campaigns.run({
      id: 'after-leaving',
      purposeId: 'newsletter',
      segment: { any: [{ segment: 'Salon X 2018' }, { segment: 'Webinar' }] },
      scan: 'all-subjects',
      render: () => ({ subject: 'x', text: 'x' }),
    });
    expect(report).toMatchObject({ sent: 0, denied: 1, deniedByReason: { withdrawn: 1 } });
    expect(transport.sent).toHaveLength(0);
  });

  it('an expired re-permission contact leaves every audience until a later opt-in of their own', async () => {
    const { gdpr, transport } = setup();
    await gdpr.contacts.import(text('email\nsilent@example.org\n'), {
      ...consent,
      list: 'Legacy',
      source: 'Old file',
    });
    const deadline = new Date('2026-03-31T00:00:00.000Z');
    expect((await gdpr.repermission.send({ purposeId: 'newsletter', deadline })).sent).toBe(1);
    const clock = gdpr.config.clock as ReturnType<typeof createTestClock>;
    clock.set(new Date('2026-04-01T00:00:00.000Z'));
    expect((await gdpr.repermission.expire()).expired).toBe(1);
    const run = (id: string) =>
      gdpr.campaigns.run({
        id,
        purposeId: 'newsletter',
        segment: { segment: 'Legacy' },
        scan: 'all-subjects',
        render: () => ({ subject: 'x', text: 'x' }),
      });
    expect(await run('after-expiry')).toMatchObject({
      sent: 0,
      deniedByReason: { 'repermission-expired': 1 },
    });
    await gdpr.consent.record({
      email: 'silent@example.org',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    expect(await run('after-opt-in')).toMatchObject({ sent: 1, denied: 0 });
    expect(transport.sentTo('silent@example.org')).toHaveLength(2); // the re-permission mail and this one
  });
});
