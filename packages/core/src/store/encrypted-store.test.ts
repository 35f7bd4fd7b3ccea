import { describe, expect, it } from 'vitest';
import type { GdprMailConfig } from '../config/config-schema.js';
import { createMemoryErasureJournal } from '../crypto/memory-erasure-journal.js';
import { createGdprMail } from '../gdpr-mail.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';
import { InMemoryTransport } from '../transport/memory-transport.js';
import { isEncryptedStore } from './encrypted-store.js';
import { MemoryStore } from './memory-store.js';
import type { GdprStore } from './store-types.js';

// Unique markers: a scan that finds none of them cannot pass by accident.
const person = {
  email: 'zephyrine.q7f3a@example.org',
  name: 'Zephyrine Quillfeather',
  phone: '+33 6 99 88 77 66',
  ip: '203.0.113.177',
  userAgent: 'MarkerAgent/9.17 (quill)',
  customerNo: 'CUST-QF-424242',
  saleRef: 'SALE-QF-8181',
};
const control = { email: 'control.k2p9@example.org', name: 'Kasimir Controlson' };

/** Every byte the store keeps about people, as text: rows, ledgers, audit log. */
async function rawDump(store: GdprStore): Promise<string> {
  const subjects = await store.listSubjects({ limit: 100_000 });
  const events = await store.listConsentEventsForSubjects(subjects.map((s) => s.id));
  const audit = await store.listAudit(0, 100_000);
  return JSON.stringify({ subjects, events, audit });
}

function setup(overrides: Partial<GdprMailConfig> = {}, raw = new MemoryStore()) {
  const journal = createMemoryErasureJournal();
  const transport = new InMemoryTransport();
  const gdpr = createGdprMail(
    testConfig({
      store: raw,
      transport,
      mailer: { from: { address: 'news@acme.test' } },
      proof: { recordIp: true, recordUserAgent: true },
      encryption: { erasureJournal: journal },
      ...overrides,
    }),
  );
  return { gdpr, raw, journal, transport };
}

async function* chunks(text: string): AsyncGenerator<string> {
  yield text;
}

async function seedPerson(gdpr: ReturnType<typeof setup>['gdpr']) {
  await gdpr.consent.record({
    email: person.email,
    purposes: ['newsletter'],
    evidence: { ...checkboxEvidence, ip: person.ip, userAgent: person.userAgent },
  });
  await gdpr.contacts.import(chunks(`customer_no,email\n${person.customerNo},${person.email}\n`), {
    basis: 'consent',
    purposes: ['newsletter'],
    key: 'customer_no',
    list: 'CRM',
    source: 'CRM 2024',
  });
  await gdpr.subjects.upsert(person.email, {
    name: person.name,
    phone: person.phone,
    customer: { saleRef: person.saleRef, categories: ['garden'], objectionOfferedAt: new Date() },
  });
}

describe('the encrypting store layer (issue #18)', () => {
  it('REQ-34: the store underneath holds no address, name, phone, IP, user agent or custom key in the clear; the SDK reads them all back', async () => {
    const { gdpr, raw } = setup();
    expect(isEncryptedStore(gdpr.store)).toBe(true);
    await seedPerson(gdpr);
    const dump = await rawDump(raw);
    for (const value of Object.values(person)) expect(dump).not.toContain(value);
    // The scan can fail: the same dump through the SDK shows every marker.
    const clear = await rawDump(gdpr.store);
    for (const value of Object.values(person)) expect(clear).toContain(value);

    const subject = await gdpr.subjects.get(person.email);
    expect(subject?.profile).toMatchObject({
      name: person.name,
      phone: person.phone,
      customer: { saleRef: person.saleRef, categories: ['garden'] },
      contact: { attributes: { customer_no: person.customerNo } },
    });
    const [found] = await gdpr.store.findSubjectsByAttribute('customer_no', [person.customerNo]);
    expect(found?.email).toBe(person.email);
    const events = await gdpr.store.listConsentEvents(subject!.id);
    expect(events[0]?.proof).toMatchObject({ ip: person.ip, userAgent: person.userAgent });
    expect((await gdpr.audit.verify()).ok).toBe(true);
    // The ledger's hash chain is checked on the decrypted proof (IP and user agent included).
    expect((await gdpr.consent.prove(person.email, 'newsletter')).chain.ok).toBe(true);
  });

  it("REQ-34: an import's consent proof reference is sealed on the contact's source and kept out of the ledger's clear reason; the SDK reads it back, through a later profile change too", async () => {
    const { gdpr, raw } = setup();
    const proof = 'paper form QF/7731-zephyrine';
    const csv = `email,consent_date,consent_proof\n${person.email},2024-02-03,${proof}\n`;
    const options = {
      basis: 'consent' as const,
      purposes: ['newsletter'],
      list: 'Fair',
      source: 'Fair 2024',
    };
    const report = await gdpr.contacts.import(chunks(csv), options);
    expect(report.consentRecorded).toBe(1);
    const dump = await rawDump(raw);
    expect(dump).not.toContain(proof);
    // The source stays a clear array (the segment columns read its labels).
    const stored = (await raw.listSubjects({ limit: 10 }))[0]!;
    expect(stored.profile.contact?.sources.map((s) => s.label)).toEqual(['Fair 2024']);
    const read = async () => (await gdpr.subjects.get(person.email))?.profile.contact?.sources[0];
    expect(await read()).toMatchObject({ label: 'Fair 2024', list: 'Fair', proof });
    // A profile change reseals what it read; a re-run of the file changes nothing.
    await gdpr.subjects.upsert(person.email, { name: person.name });
    expect((await gdpr.contacts.import(chunks(csv), options)).unchanged).toBe(1);
    expect(await read()).toMatchObject({ proof });
    expect(await rawDump(raw)).not.toContain(proof);
    // The ledger keeps the grant's date; the reference is on the source only.
    const subject = (await gdpr.subjects.get(person.email))!;
    const events = await gdpr.store.listConsentEvents(subject.id);
    const grant = events.find((e) => e.type === 'granted');
    expect(grant?.proof.reason).toContain('consent given 2024-02-03');
    expect(JSON.stringify(events)).not.toContain('QF/7731');
    expect(JSON.stringify(await gdpr.subjects.get(person.email))).toContain(proof);
  });

  it('REQ-34: a ciphertext moved to another row fails with CIPHERTEXT_INVALID', async () => {
    const { gdpr, raw } = setup();
    await seedPerson(gdpr);
    await gdpr.consent.record({
      email: control.email,
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    const a = await raw.getSubject((await gdpr.subjects.get(person.email))!.id);
    const b = await raw.getSubject((await gdpr.subjects.get(control.email))!.id);
    // The second row's profile replaced by the first's sealed profile (a copy between rows).
    await raw.updateSubjectProfile(b!.id, a!.profile, new Date());
    const moved = await gdpr.store.getSubject(b!.id);
    expect(() => moved!.profile.name).toThrow(
      expect.objectContaining({ code: 'CIPHERTEXT_INVALID' }),
    );
    // Clear fields still read without any key.
    expect(moved!.id).toBe(b!.id);
  });

  it('REQ-34: data wrapped under a key the provider does not hold fails with ENCRYPTION_KEY_UNKNOWN naming the key id', async () => {
    const raw = new MemoryStore();
    const first = setup({}, raw).gdpr;
    await seedPerson(first);
    const other = setup(
      {
        secrets: {
          pepper: 'test-pepper-0123456789-abcdefghijklmnop',
          encryptionKeys: [{ id: 'kek-2027', secret: 'another-kek-secret-0123456789-abcdefgh' }],
        },
        encryption: { pepperKey: false, erasureJournal: createMemoryErasureJournal() },
      },
      raw,
    ).gdpr;
    const subject = await other.store.findSubjectsByAttribute('customer_no', [person.customerNo]);
    let error: unknown;
    try {
      void subject[0]!.email;
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ENCRYPTION_KEY_UNKNOWN', details: { keyId: 'pepper' } });
    expect(String((error as Error).message)).toContain('"pepper"');
    expect(String((error as Error).message)).not.toContain(person.email);
  });

  it('REQ-34: erasure shreds the data key with the row, journals keyed hashes only, and a replay after a restore erases again', async () => {
    const { gdpr, raw, journal, transport } = setup();
    await seedPerson(gdpr);
    await gdpr.consent.record({
      email: control.email,
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    await gdpr.subjects.upsert(control.email, { name: control.name });
    // A "backup" of the person's raw rows, taken before the erasure.
    const id = (await gdpr.subjects.get(person.email))!.id;
    const backupRow = (await raw.getSubject(id))!;
    const backupEvents = await raw.listConsentEvents(id);

    await gdpr.dsar.request({ email: person.email, type: 'erasure' });
    const link = transport.sentTo(person.email).at(-1)?.message.text ?? '';
    const token = /\/dsar\/verify\/(\S+)/.exec(link)?.[1];
    const request = await gdpr.dsar.verify(token!);
    await gdpr.dsar.erase(request.id);
    expect(await gdpr.subjects.get(person.email)).toBeUndefined();
    const [entry] = journal.snapshot();
    expect(entry).toMatchObject({ subjectId: id, reason: 'dsar' });
    expect(Object.keys(entry!).sort()).toEqual(
      ['erasedAt', 'reason', 'subjectHash', 'subjectId', 'suppressionHash'].sort(),
    );
    expect(JSON.stringify(entry)).not.toContain(person.email);

    // Without its wrapped key, nothing of the backed-up row opens, even with every KEK at hand.
    const { dataKey: _shredded, ...withoutKey } = backupRow;
    if (!isEncryptedStore(gdpr.store)) throw new Error('the SDK store encrypts');
    const ring = await gdpr.store.keyRing();
    const strangerKey = ring.newDataKey(id).wrapped;
    await raw.createSubject({ ...withoutKey, dataKey: strangerKey });
    const reopened = await gdpr.store.getSubject(id);
    expect(() => reopened!.email).toThrow(expect.objectContaining({ code: 'CIPHERTEXT_INVALID' }));
    await raw.deleteSubject(id);

    // A restore brings the whole row back (with its key) and loses the tombstone: the backup
    // held only an older, weaker entry (an unsubscribe), which must not count as restored.
    await raw.createSubject(backupRow);
    await raw.appendConsentEvents(id, undefined, backupEvents);
    const suppressionHash = entry!.suppressionHash;
    await raw.removeSuppression(suppressionHash);
    await raw.addSuppression({
      hash: suppressionHash,
      reason: 'unsubscribed-all',
      at: new Date('2026-01-01T00:00:00Z'),
      source: 'backup',
    });
    expect((await gdpr.subjects.get(person.email))?.profile.name).toBe(person.name);

    const report = await gdpr.erasures.replay();
    expect(report).toEqual({ entries: 1, erased: 1, suppressionsRestored: 1 });
    expect(await gdpr.subjects.get(person.email)).toBeUndefined();
    expect((await raw.getSuppression(suppressionHash))?.reason).toBe('erased');
    expect((await gdpr.canSend(person.email, 'newsletter')).reason).toBe('suppressed');
    // The control person is untouched, and a second replay changes nothing.
    expect((await gdpr.subjects.get(control.email))?.profile.name).toBe(control.name);
    expect(await gdpr.erasures.replay()).toEqual({
      entries: 1,
      erased: 0,
      suppressionsRestored: 0,
    });
    expect((await gdpr.audit.verify()).ok).toBe(true);
  });

  it('REQ-34: KEK rotation: rewrap moves every data key to the new key online while sends go on, then the old key can go', async () => {
    const raw = new MemoryStore();
    const before = setup({}, raw).gdpr;
    const emails = Array.from({ length: 60 }, (_, i) => `rotate-${i}@example.org`);
    for (const email of emails) {
      await before.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    }
    const rotated = setup(
      {
        secrets: {
          pepper: 'test-pepper-0123456789-abcdefghijklmnop',
          encryptionKeys: [{ id: '2027-01', secret: 'the-new-kek-secret-0123456789-abcdefgh' }],
        },
      },
      raw,
    );
    expect(await rotated.gdpr.keys.status()).toMatchObject({
      provider: 'local',
      current: '2027-01',
      wrapsByKey: { '2027-01': 0, pepper: 60 },
    });
    // Sends and new sign-ups while the rewrap runs, a page of 7 at a time.
    const [report, sends] = await Promise.all([
      rotated.gdpr.keys.rewrap({ batchSize: 7 }),
      Promise.all(
        emails.map((email, i) =>
          i % 2 === 0
            ? rotated.gdpr.mailer.send({
                to: email,
                purposeId: 'newsletter',
                subject: 'News',
                text: 'Hello',
              })
            : rotated.gdpr.consent.record({
                email: `new-${i}@example.org`,
                purposes: ['newsletter'],
                evidence: checkboxEvidence,
              }),
        ),
      ),
    ]);
    expect(sends).toHaveLength(60);
    expect(rotated.transport.sent).toHaveLength(30);
    expect(report.rewrapped).toBe(60);
    expect(await rotated.gdpr.keys.status()).toMatchObject({
      wrapsByKey: { '2027-01': 90, pepper: 0 },
    });
    // The pepper-derived key retired: everything still opens with the new key alone.
    const retired = setup(
      {
        secrets: {
          pepper: 'test-pepper-0123456789-abcdefghijklmnop',
          encryptionKeys: [{ id: '2027-01', secret: 'the-new-kek-secret-0123456789-abcdefgh' }],
        },
        encryption: { pepperKey: false, erasureJournal: createMemoryErasureJournal() },
      },
      raw,
    ).gdpr;
    for (const email of emails) expect((await retired.subjects.get(email))?.email).toBe(email);
  });

  it('REQ-34: a whole-row copy taken before an erasure (WAL, dead tuple, backup) opens with the old KEK until that KEK is retired, then never', async () => {
    const raw = new MemoryStore();
    const { gdpr } = setup({}, raw);
    await seedPerson(gdpr);
    const id = (await gdpr.subjects.get(person.email))!.id;
    const copy = structuredClone((await raw.getSubject(id))!); // row, ciphertext and wrapped key
    await gdpr.subjects.delete(person.email, { actor: 'admin:dpo' });
    expect(await raw.getSubject(id)).toBeUndefined();

    const rotatedKeys = {
      pepper: 'test-pepper-0123456789-abcdefghijklmnop',
      encryptionKeys: [{ id: '2027-02', secret: 'rotation-kek-secret-0123456789-abcdefgh' }],
    };
    // Before retirement: the copy still opens with the KEK that wrapped it (the known window).
    const scratch = new MemoryStore();
    const withOldKek = setup({ secrets: rotatedKeys }, scratch).gdpr;
    await scratch.createSubject(copy);
    expect((await withOldKek.store.getSubject(id))?.email).toBe(person.email);

    // Rotate, rewrap every live key, retire the old KEK: the copy no longer opens anywhere.
    await setup({ secrets: rotatedKeys }, raw).gdpr.keys.rewrap();
    const retired = setup({ secrets: rotatedKeys, encryption: { pepperKey: false } }, raw).gdpr;
    expect((await retired.keys.status()).wrapsByKey).not.toHaveProperty('pepper');
    const restored = new MemoryStore();
    const afterRetirement = setup(
      { secrets: rotatedKeys, encryption: { pepperKey: false } },
      restored,
    ).gdpr;
    await restored.createSubject(copy);
    const opened = await afterRetirement.store.getSubject(id);
    expect(() => opened!.email).toThrow(
      expect.objectContaining({ code: 'ENCRYPTION_KEY_UNKNOWN', details: { keyId: 'pepper' } }),
    );
    expect(() => opened!.profile.name).toThrow(
      expect.objectContaining({ code: 'ENCRYPTION_KEY_UNKNOWN' }),
    );
  });

  it('refuses a bad rewrap batch size with a typed error', async () => {
    const { gdpr } = setup();
    await expect(gdpr.keys.rewrap({ batchSize: 0 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
