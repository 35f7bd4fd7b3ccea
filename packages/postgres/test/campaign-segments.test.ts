import { PGlite } from '@electric-sql/pglite';
import type { GdprStore, SegmentFilter } from '@gdpr-mail/core';
import { createGdprMail, InMemoryTransport, MemoryStore } from '@gdpr-mail/core';
import { createTestClock, testConfig } from '@gdpr-mail/core/testing';
import { createPgliteStore, createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, requirePostgres } from './helpers.js';

// docs/scaling.md, "Segments": the memory store, PGlite and PostgreSQL select the
// same people for a campaign's segment, and the policy refuses the same ones in it:
// lists from imports, a withdrawal from the preference centre, suppressed, restricted
// and archived people, contacts sealed at rest.

const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

async function* text(value: string): AsyncGenerator<string> {
  yield value;
}

const SALON = [
  'email,language,consent_date',
  'anna@example.org,Français,12/01/2025',
  'bram@example.org,Nederlands,2025-06-01',
  'carl@example.org,Deutsch,2025-06-01',
  'dora@example.org,fr-BE,2025-06-01',
  'emma@example.org,FR,2025-06-01',
  'finn@example.org,Vlaams,2025-06-01',
  'gina@example.org,French,2025-06-01',
  'hugo@example.org,francais,2025-06-01',
  'ines@example.org,fr,',
  'jade@example.org,nl,2025-06-01',
].join('\n');

const WEBINAR = [
  'email,language,consent_date',
  'anna@example.org,fr,2025-09-01',
  'kurt@example.org,nl,2025-09-01',
  'lena@example.org,fr,2025-09-01',
].join('\n');

const SEGMENT: SegmentFilter = {
  all: [
    { segment: 'Salon X 2018' },
    { language: { in: ['fr', 'nl'] } },
    { consentedWithin: 'P24M' },
    { not: { tag: 'churned' } },
  ],
};

interface Outcome {
  sent: string[];
  report: Record<string, unknown>;
  all: Record<string, unknown>;
  audience: string[];
  chunked: string[];
  planned: number;
}

async function scenario(store: GdprStore): Promise<Outcome> {
  const base = testConfig();
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
      secrets: {
        ...base.secrets,
        encryptionKeys: [{ id: 'kek-1', secret: 'campaign-segments-kek-0123456789-abcdefgh' }],
      },
    }),
  );
  try {
    const options = { basis: 'consent' as const, purposes: ['newsletter'] };
    await gdpr.contacts.import(text(SALON), {
      ...options,
      list: 'Salon X 2018',
      source: 'Salon X 2018 badge scans',
    });
    await gdpr.contacts.import(text(WEBINAR), {
      ...options,
      list: 'Webinar',
      source: 'Webinar 2025',
    });
    // Bram leaves the newsletter from the preference centre.
    await gdpr.preferences.save(tokenOf(await gdpr.links.preferencesUrl('bram@example.org')), {
      newsletter: false,
    });
    // Dora is suppressed after the import, Emma restricted, Finn archived, Gina churned.
    await gdpr.suppression.add('dora@example.org', 'manual', { source: 'support', reason: 'x' });
    await gdpr.subjects.upsert('emma@example.org', {
      restriction: { at: new Date('2026-02-01T00:00:00.000Z'), reason: 'contested' },
    });
    await gdpr.subjects.upsert('finn@example.org', {
      archivedAt: new Date('2026-02-01T00:00:00.000Z'),
    });
    const gina = await gdpr.subjects.get('gina@example.org');
    await gdpr.store.setSubjectSegments(gina!.id, { tags: ['churned'] }, new Date());

    const render = () => ({ subject: 'Salon', text: 'See you there.' });
    const report = await gdpr.campaigns.run({
      id: 'salon',
      purposeId: 'newsletter',
      segment: SEGMENT,
      batchSize: 2,
      render,
    });
    const sent = transport.sent.map((s) => s.message.to.address).sort();
    const all = await gdpr.campaigns.run({
      id: 'salon-all',
      purposeId: 'newsletter',
      segment: SEGMENT,
      scan: 'all-subjects',
      batchSize: 3,
      render,
    });
    const audience: string[] = [];
    for await (const m of gdpr.audience('newsletter', { segment: SEGMENT, batchSize: 2 })) {
      audience.push(m.email);
    }
    let planned = 0;
    const before = transport.sent.length;
    for await (const chunk of gdpr.campaigns.planChunks({
      purposeId: 'newsletter',
      chunkSize: 2,
      segment: SEGMENT,
    })) {
      planned += chunk.size;
      await gdpr.campaigns.run({
        id: 'salon-chunked',
        purposeId: 'newsletter',
        segment: SEGMENT,
        range: chunk.range,
        render,
      });
    }
    const chunked = transport.sent
      .slice(before)
      .map((s) => s.message.to.address)
      .sort();
    const pick = (r: Record<string, unknown>) => ({
      sent: r.sent,
      denied: r.denied,
      deniedByReason: r.deniedByReason,
      complete: r.complete,
    });
    return {
      sent,
      report: pick(report as unknown as Record<string, unknown>),
      all: pick(all as unknown as Record<string, unknown>),
      audience: audience.sort(),
      chunked,
      planned,
    };
  } finally {
    await gdpr.close();
  }
}

/** Keyset paging by subject id while people join the segment between pages. */
async function joiners(store: GdprStore): Promise<void> {
  const transport = new InMemoryTransport();
  const gdpr = createGdprMail(
    testConfig({
      store,
      transport,
      mailer: {
        from: { address: 'news@acme.test' },
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      },
    }),
  );
  const evidence = { action: 'affirmative', method: 'checkbox', source: 'form' } as const;
  const join = async (email: string) => {
    const s = await gdpr.consent.record({ email, purposes: ['newsletter'], evidence });
    await gdpr.store.setSubjectSegments(s.subjectId!, { segments: ['salon'] }, new Date());
  };
  try {
    const first: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      first.push(`p${i}@example.org`);
      await join(`p${i}@example.org`);
    }
    let joined = 0;
    const segment: SegmentFilter = { all: [{ segment: 'salon' }, { consentedWithin: 'P1Y' }] };
    const render = () => ({ subject: 'Salon', text: 'Hello' });
    const run = await gdpr.campaigns.run({
      id: 'joiners',
      purposeId: 'newsletter',
      segment,
      batchSize: 3,
      onProgress: async () => {
        await join(`j${joined++}@example.org`);
        await join(`j${joined++}@example.org`);
      },
      render,
    });
    expect(run.complete).toBe(true);
    const mailed = transport.sent.map((m) => m.message.to.address);
    expect(new Set(mailed).size).toBe(mailed.length);
    expect(mailed).toEqual(expect.arrayContaining(first));
    const again = await gdpr.campaigns.run({
      id: 'joiners',
      purposeId: 'newsletter',
      segment,
      render,
    });
    expect(again.alreadySent).toBe(mailed.length);
    const all = transport.sent.map((m) => m.message.to.address);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(12 + joined);
  } finally {
    await gdpr.close();
  }
}

const EXPECTED: Outcome = {
  // anna, hugo (fr); jade (nl). Not: bram (withdrew), carl (de), dora (suppressed),
  // emma (restricted), finn (archived), gina (churned), ines (no proof: no grant),
  // kurt and lena (not on the list).
  sent: ['anna@example.org', 'hugo@example.org', 'jade@example.org'],
  report: {
    sent: 3,
    denied: 3,
    deniedByReason: { suppressed: 1, restricted: 1, archived: 1 },
    complete: true,
  },
  all: {
    sent: 3,
    // Ines has no grant, so `consentedWithin` keeps her out of the segment itself.
    denied: 4,
    deniedByReason: { suppressed: 1, restricted: 1, archived: 1, withdrawn: 1 },
    complete: true,
  },
  audience: ['anna@example.org', 'hugo@example.org', 'jade@example.org'],
  chunked: ['anna@example.org', 'hugo@example.org', 'jade@example.org'],
  planned: 6,
};

// Opening PGlite takes a while: once for the file, at import.
const db = await PGlite.create();
afterAll(() => db.close());

describe('a campaign segment over the memory store and PGlite', () => {
  it('memory: the documented selection and refusals', async () => {
    expect(await scenario(new MemoryStore())).toEqual(EXPECTED);
  });

  it('PGlite: a segment reaching outside years 1-9999 is VALIDATION_FAILED, not a database error', async () => {
    const store = await createPgliteStore({ db, schema: freshSchema() });
    const gdpr = createGdprMail(
      testConfig({
        store,
        transport: new InMemoryTransport(),
        mailer: { from: { address: 'news@acme.test' } },
      }),
    );
    try {
      await gdpr.consent.record({
        email: 'a@example.org',
        purposes: ['newsletter'],
        evidence: { action: 'affirmative', method: 'checkbox', source: 'signup-form' },
      });
      for (const segment of [
        { consentedWithin: 'P10000Y' },
        { engagedSince: new Date('+010000-01-01T00:00:00.000Z') },
        { segment: 'a\u0000b' },
      ] as SegmentFilter[]) {
        await expect(
          gdpr.campaigns.run({
            id: 'far',
            purposeId: 'newsletter',
            segment,
            render: () => ({ subject: 'x', text: 'x' }),
          }),
        ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      }
      // The edges themselves run.
      const edges = await gdpr.campaigns.run({
        id: 'edges',
        purposeId: 'newsletter',
        segment: {
          all: [
            { consentedSince: new Date('0001-01-01T00:00:00.000Z') },
            { not: { engagedSince: new Date('9999-12-31T23:59:59.999Z') } },
            { consentedWithin: 'P2025Y' },
          ],
        },
        render: () => ({ subject: 'x', text: 'x' }),
      });
      expect(edges.sent).toBe(1);
    } finally {
      await gdpr.close();
    }
  }, 60_000);

  it('PGlite: the same rows as the memory store', async () => {
    const store = await createPgliteStore({ db, schema: freshSchema() });
    expect(await scenario(store)).toEqual(EXPECTED);
  }, 60_000);

  it('memory and PGlite: people who join during a run; a re-run reaches them, nobody twice', async () => {
    await joiners(new MemoryStore());
    await joiners(await createPgliteStore({ db, schema: freshSchema() }));
  }, 60_000);
});

const postgres = await requirePostgres();

postgres.describe('a campaign segment over PostgreSQL', () => {
  it('PostgreSQL: the same rows as the memory store', async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
    const schema = freshSchema();
    try {
      const store = await createPostgresStore({ pool, schema });
      expect(await scenario(store)).toEqual(EXPECTED);
      await joiners(await createPostgresStore({ pool, schema: `${schema}_j` }));
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}_j" CASCADE`);
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  }, 60_000);
});
