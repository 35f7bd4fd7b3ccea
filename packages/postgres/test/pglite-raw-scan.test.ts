import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ErasureJournal, GdprStore } from '@gdpr-mail/core';
import { createFileErasureJournal, createGdprMail, InMemoryTransport } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { createPgliteStore } from '@gdpr-mail/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeScan,
  filesUnder,
  makePeople,
  needlesOf,
  runScenario,
  runTag,
  scanFiles,
} from './raw-scan.js';

// Issue #18 acceptance, embedded store: after people are recorded, some erased
// and some signed up again, every byte PGlite left in its data folder (heap,
// indexes, TOAST, pg_wal/ segments, which keep the old row images an erasure
// cannot reach) holds none of their addresses, names, phones, IPs or user
// agents in the clear. The same scan finds a marker written in the clear.

function config(store: GdprStore, transport: InMemoryTransport, journal: ErasureJournal) {
  return testConfig({
    store,
    transport,
    mailer: {
      from: { address: 'news@acme.test' },
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    },
    proof: { recordIp: true, recordUserAgent: true },
    encryption: { erasureJournal: journal },
  });
}

describe('raw-byte scan of the PGlite data folder (REQ-34, issue #18)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('REQ-34: no address, name, phone, IP or user agent of anyone, erased or not, is in the data folder or pg_wal/; a clear control marker is found; the live control person still reads back', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gm-raw-scan-'));
    dirs.push(root);
    const dataDir = join(root, 'data');
    const journalPath = join(root, 'journal', 'erasures.jsonl');
    const tag = runTag();
    // The 21st person never reaches the SDK: their values go to a control
    // table in the clear, so the scan must find every kind of marker.
    const everyone = makePeople(21, tag);
    const people = everyone.slice(0, 20);
    const clear = everyone[20]!;

    // Opened here rather than through `{ dataDir }` so the control marker goes
    // through the very instance (and WAL stream) the SDK wrote with.
    const db = await PGlite.create(dataDir);
    const transport = new InMemoryTransport();
    const gdpr = createGdprMail(
      config(
        await createPgliteStore({ db }),
        transport,
        createFileErasureJournal({ path: journalPath }),
      ),
    );
    const outcome = await runScenario(gdpr, transport, people);
    expect((await gdpr.audit.verify()).ok).toBe(true);
    await db.exec('CREATE TABLE public.scan_control (t text)');
    for (const value of [clear.email, clear.name, clear.phone, clear.ip, clear.userAgent]) {
      await db.query('INSERT INTO public.scan_control (t) VALUES ($1)', [value]);
    }
    await db.query('INSERT INTO public.scan_control (t) VALUES ($1)', [clear.email.toLowerCase()]);
    await gdpr.close();
    await db.close();

    const files = await filesUnder(dataDir);
    expect(files.some((f) => f.includes('/pg_wal/'))).toBe(true);
    const needles = needlesOf(people, { proof: true });
    const controlNeedles = needlesOf([clear], { proof: true, prefix: 'control' });
    const report = await scanFiles(files, [...needles, ...controlNeedles], dataDir);
    const isControl = (label: string) => label.startsWith('control ');
    const personal = report.hits.filter((h) => !isControl(h.label));
    const control = report.hits.filter((h) => isControl(h.label));
    const wal = files.filter((f) => f.includes('/pg_wal/'));
    console.info(
      describeScan(
        `PGlite data folder (${wal.length} of the files in pg_wal/), ${needles.length} markers of ${people.length} people`,
        { ...report, occurrences: personal.reduce((n, h) => n + h.count, 0), hits: personal },
      ),
    );
    console.info(
      describeScan('PGlite data folder, control values written in the clear', {
        ...report,
        occurrences: control.reduce((n, h) => n + h.count, 0),
        hits: control,
      }),
    );
    expect(personal).toEqual([]);
    // Each control value is found, in the table's heap file and in pg_wal/.
    for (const needle of controlNeedles) {
      const where = control.filter((h) => h.label === needle.label).map((h) => h.file);
      expect(where.some((f) => f.startsWith('pg_wal/'))).toBe(true);
      expect(where.some((f) => f.startsWith('base/'))).toBe(true);
    }

    // The erasure journal sits beside the data and holds keyed hashes only.
    const journalScan = await scanFiles([journalPath], needles, root);
    console.info(describeScan('file erasure journal', journalScan));
    expect(journalScan.occurrences).toBe(0);
    expect(journalScan.bytes).toBeGreaterThan(0);

    // Reopened by folder, as an app does: the live people read back in full.
    const reopened = createGdprMail(
      config(
        await createPgliteStore({ dataDir }),
        new InMemoryTransport(),
        createFileErasureJournal({ path: journalPath }),
      ),
    );
    try {
      for (const i of [...outcome.live, ...outcome.resubscribed]) {
        const p = people[i]!;
        const subject = await reopened.subjects.get(p.email);
        expect(subject?.email).toBe(p.email.toLowerCase());
        expect(subject?.profile).toMatchObject({ name: p.name, phone: p.phone });
        const events = await reopened.store.listConsentEvents(subject!.id);
        expect(events.at(-1)?.proof).toMatchObject({ ip: p.ip, userAgent: p.userAgent });
      }
      for (const i of outcome.dsarErased.filter((i) => !outcome.resubscribed.includes(i))) {
        expect(await reopened.subjects.get(people[i]!.email)).toBeUndefined();
      }
      for (const i of outcome.deleted.filter((i) => !outcome.resubscribed.includes(i))) {
        expect(await reopened.subjects.get(people[i]!.email)).toBeUndefined();
      }
      // Signed up again after a DSAR erasure: on record, and still never mailed.
      expect((await reopened.canSend(people[0]!.email, 'newsletter')).reason).toBe('suppressed');
      expect((await reopened.canSend(people[5]!.email, 'newsletter')).allowed).toBe(true);
      const control = people.at(-1)!;
      expect((await reopened.canSend(control.email, 'newsletter')).allowed).toBe(true);
      expect((await reopened.audit.verify()).ok).toBe(true);
    } finally {
      await reopened.close();
    }
  });
});

describe('the raw scan itself', () => {
  it('REQ-34: finds values that a WAL page header splits in two (it reads WAL records, headers cut out)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gm-raw-scan-wal-'));
    try {
      const dataDir = join(root, 'data');
      const db = await PGlite.create(dataDir);
      await db.exec('CREATE TABLE public.wal_probe (t text)');
      // Long, incompressible values: most 8 KB WAL pages end inside one of them.
      const values = Array.from({ length: 40 }, () => randomBytes(700).toString('hex'));
      for (const value of values) {
        await db.query('INSERT INTO public.wal_probe (t) VALUES ($1)', [value]);
      }
      await db.close();
      const wal = (await filesUnder(dataDir)).filter((f) => f.includes('/pg_wal/'));
      const needles = values.map((value, i) => ({ label: `value ${i}`, value }));
      const report = await scanFiles(wal, needles, dataDir);
      const split = report.hits.filter((h) => h.file.endsWith('(records)'));
      console.info(
        `[REQ-34 scan] WAL probe: ${values.length} values, ${split.length} found only with page headers cut out`,
      );
      expect(report.walSegments).toBeGreaterThan(0);
      for (const needle of needles) {
        expect(report.hits.some((h) => h.label === needle.label)).toBe(true);
      }
      expect(split.length).toBeGreaterThan(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
