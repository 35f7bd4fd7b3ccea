import { createGdprMail, InMemoryTransport, isEncryptedStore } from '@gdpr-mail/core';
import { createPostgresErasureJournal, createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, requirePostgres } from './helpers.js';
import type { Needle } from './raw-scan.js';
import {
  describeScan,
  dumpSchema,
  eraseByDsar,
  makePeople,
  needlesOf,
  PG_ARGS,
  pgTools,
  requirePgClients,
  runProgram,
  scanBuffers,
  scanConfig,
  seedPerson,
} from './raw-scan.js';

// Issue #18 acceptance: a pg_dump taken before an erasure still holds the
// person's row with its wrapped key. Restored into a fresh schema and opened
// with the same config and erasure journal, the replay erases them again;
// after it, nothing of theirs is left, and a copy of their ciphertext opens
// under no other key.

const gates = [await requirePostgres(), await requirePgClients()];
const gate = gates.find((g) => !g.available) ?? gates[0]!;

gate.describe('restoring a backup taken before an erasure (REQ-34, issue #18)', () => {
  let pool: pg.Pool;
  const schemas: string[] = [];

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
  });
  afterAll(async () => {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await pool.end();
  });

  it('REQ-34: the replay erases the restored person again, leaves no ciphertext or key of theirs, and their ciphertext opens under no other key', async () => {
    const tools = await pgTools();
    const schema = freshSchema();
    const restored = freshSchema();
    const journalSchema = freshSchema();
    schemas.push(schema, restored, journalSchema);
    const [person, control] = makePeople(2);
    // The journal lives in a schema of its own, outside the backup it protects.
    const journal = () => createPostgresErasureJournal({ pool, schema: journalSchema });

    const transport = new InMemoryTransport();
    const gdpr = createGdprMail(
      scanConfig(await createPostgresStore({ pool, schema }), transport, journal()),
    );
    await seedPerson(gdpr, person!);
    await seedPerson(gdpr, control!);
    const backup = (await dumpSchema(tools, schema)).toString('utf8');
    await eraseByDsar(gdpr, transport, person!.email);
    expect(await gdpr.subjects.get(person!.email)).toBeUndefined();
    await gdpr.close();

    // The restore: the plain dump with the schema renamed (both names are unique).
    expect(backup).toContain(`CREATE SCHEMA ${schema};`);
    await runProgram(
      tools.psql,
      [...PG_ARGS, '-v', 'ON_ERROR_STOP=1', '-q', '-f', '-'],
      backup.replaceAll(schema, restored),
    );
    const again = createGdprMail(
      scanConfig(
        await createPostgresStore({ pool, schema: restored }),
        new InMemoryTransport(),
        journal(),
      ),
    );
    try {
      if (!isEncryptedStore(again.store)) throw new Error('the SDK store encrypts');
      const raw = again.store.raw;
      // The backup brought the person back, key and all: readable before the replay.
      const back = await again.subjects.get(person!.email);
      expect(back?.profile).toMatchObject({ name: person!.name, phone: person!.phone });
      expect((await again.canSend(person!.email, 'newsletter')).allowed).toBe(true);
      const rawRow = (await raw.getSubject(back!.id))!;
      const rawEvents = await raw.listConsentEvents(back!.id);
      const sealedProfile = (rawRow.profile as { sealed?: { value?: string } }).sealed?.value;
      const sealed: Needle[] = [
        { label: 'sealed address', value: rawRow.email },
        { label: 'wrapped data key', value: rawRow.dataKey! },
        { label: 'sealed profile', value: String(sealedProfile) },
        ...rawEvents.flatMap((e, i) => [
          { label: `sealed IP of event ${i}`, value: String(e.proof.ip) },
          { label: `sealed user agent of event ${i}`, value: String(e.proof.userAgent) },
        ]),
      ];
      expect(rawRow.email.startsWith('g1.')).toBe(true);
      for (const needle of sealed) expect(needle.value.length).toBeGreaterThan(40);
      const clear = needlesOf([person!, control!], { proof: true });
      // The backup holds those ciphertexts, and nothing in the clear.
      const inBackup = scanBuffers(
        [{ name: 'backup', bytes: Buffer.from(backup) }],
        [...sealed, ...clear],
      );
      console.info(describeScan('pg_dump taken before the erasure', inBackup));
      expect(new Set(inBackup.hits.map((h) => h.label))).toEqual(
        new Set(sealed.map((n) => n.label)),
      );

      const report = await again.erasures.replay();
      expect(report).toEqual({ entries: 1, erased: 1, suppressionsRestored: 1 });
      expect(await again.subjects.get(person!.email)).toBeUndefined();
      expect((await again.canSend(person!.email, 'newsletter')).reason).toBe('suppressed');
      expect(await raw.getSubject(rawRow.id)).toBeUndefined();
      expect(await raw.listConsentEvents(rawRow.id)).toEqual([]);
      expect((await again.subjects.get(control!.email))?.profile).toMatchObject({
        name: control!.name,
        phone: control!.phone,
      });
      expect((await again.audit.verify()).ok).toBe(true);

      // Nothing of the person's is left in the restored schema: no ciphertext, no key.
      const after = scanBuffers(
        [{ name: 'pg_dump after replay', bytes: await dumpSchema(tools, restored) }],
        [...sealed, ...clear],
      );
      console.info(
        describeScan(
          'restored schema after the replay (their ciphertexts and key; clear values of both)',
          after,
        ),
      );
      expect(after.hits).toEqual([]);

      // Their sealed row copied from the backup, planted back with the control
      // person's wrapped key: every sealed field fails with CIPHERTEXT_INVALID,
      // though every KEK is at hand. Their own key is what opened them.
      const controlRow = (await raw.getSubject((await again.subjects.get(control!.email))!.id))!;
      const { dataKey: _shredded, ...withoutKey } = rawRow;
      await raw.createSubject({ ...withoutKey, dataKey: controlRow.dataKey! });
      await raw.appendConsentEvents(rawRow.id, undefined, rawEvents);
      const planted = await again.store.getSubject(rawRow.id);
      expect(() => planted!.email).toThrow(expect.objectContaining({ code: 'CIPHERTEXT_INVALID' }));
      expect(() => planted!.profile.name).toThrow(
        expect.objectContaining({ code: 'CIPHERTEXT_INVALID' }),
      );
      let eventError: unknown;
      try {
        const [event] = await again.store.listConsentEvents(rawRow.id);
        void event!.proof.ip;
      } catch (error) {
        eventError = error;
      }
      expect(eventError).toMatchObject({ code: 'CIPHERTEXT_INVALID' });
      await raw.deleteSubject(rawRow.id);
    } finally {
      await again.close();
    }
  });
});
