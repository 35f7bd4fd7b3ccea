import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import type {
  AudienceSegment,
  ConsentEvent,
  GdprStore,
  SegmentFilter,
  SubjectProfile,
} from '@gdpr-mail/core';
import { matchesSegment } from '@gdpr-mail/core';
import { resolveSegmentFilter } from '@gdpr-mail/core/internal';
import { runSegmentConformance, segmentAudienceIds } from '@gdpr-mail/core/testing';
import { createPgliteStore, MIGRATIONS, pgliteDatabase, runMigrations } from '@gdpr-mail/postgres';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { freshSchema, schemaOf } from './helpers.js';

// Opening PGlite takes a while: one instance for the file, a schema per store.
const db = await PGlite.create();
afterAll(() => db.close());

const dropStore = async (store: GdprStore) => {
  await store.close();
  await db.exec(`DROP SCHEMA "${schemaOf(store)}" CASCADE`);
};

runSegmentConformance('pglite', () => createPgliteStore({ db, schema: freshSchema() }), {
  teardown: dropStore,
});

const NOW = new Date('2026-06-01T12:00:00.000Z');
const DAY = 86_400_000;
const PURPOSES = ['newsletter', 'partners'] as const;

// Small alphabets, so that random filters hit random people often.
const segmentName = fc.constantFrom('salon-2018', 'salon-2019', 'webinar', 'b2b');
const tagName = fc.constantFrom('vip', 'lead', 'churned');
const label = fc.constantFrom('Salon X 2018', 'Website', 'Partner file');
const language = fc.constantFrom('fr', 'nl', 'en', 'de');
const country = fc.constantFrom('FR', 'BE', 'NL');
const days = fc.integer({ min: 0, max: 1200 });

const profile: fc.Arbitrary<SubjectProfile> = fc.record(
  {
    language,
    country,
    lastInteractionAt: days.map((d) => new Date(NOW.getTime() - d * DAY)),
    contact: fc.record(
      {
        segments: fc.uniqueArray(segmentName, { maxLength: 3 }),
        tags: fc.uniqueArray(tagName, { maxLength: 2 }),
        sources: fc.array(
          label.map((l) => ({
            label: l,
            list: l,
            basis: 'consent',
            importedAt: new Date(NOW.getTime() - 500 * DAY),
          })),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: ['segments', 'sources'] },
    ),
  },
  { requiredKeys: [] },
);

/** A ledger: separate choices per purpose (SEED-03), some for every purpose at once. */
const ledger = fc.array(
  fc.record({
    type: fc.constantFrom('granted', 'confirmed', 'requested', 'withdrawn', 'objected'),
    purposeId: fc.constantFrom(...PURPOSES, '*'),
    daysAgo: days,
  }),
  { maxLength: 4 },
);

const values = <T extends string>(one: fc.Arbitrary<T>) =>
  fc.oneof(one, fc.record({ in: fc.uniqueArray(one, { maxLength: 3 }) }));

const duration = fc.constantFrom('P24M', 'P1Y', 'P30D', 'P2W', 'P3Y6M', 'PT12H');

const leaf: fc.Arbitrary<SegmentFilter> = fc.oneof(
  values(segmentName).map((v) => ({ segment: v })),
  values(tagName).map((v) => ({ tag: v })),
  values(label).map((v) => ({ source: v })),
  // Upper case on purpose: languages are matched lower case, countries upper case.
  values(fc.constantFrom('fr', 'NL', 'en')).map((v) => ({ language: v })),
  values(fc.constantFrom('fr', 'BE', 'nl')).map((v) => ({ country: v })),
  duration.map((d) => ({ consentedWithin: d })),
  duration.map((d) => ({ engagedWithin: d })),
  days.map((d) => ({ consentedSince: new Date(NOW.getTime() - d * DAY) })),
);

const filter: fc.Arbitrary<SegmentFilter> = fc.letrec<{ node: SegmentFilter }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 3 }).map((of) => ({ all: of })),
    fc.array(tie('node'), { maxLength: 3 }).map((of) => ({ any: of })),
    tie('node').map((of) => ({ not: of })),
  ),
})).node;

const scan = (
  store: GdprStore,
  purposeId: string,
  consentRequired: boolean,
  segment: AudienceSegment,
  limit: number,
) => segmentAudienceIds(store, { purposeId, consentRequired, segment, limit });

/** The store's own candidate rule (latest status change is a grant), to pair with the segment. */
function isCandidate(events: readonly ConsentEvent[], purposeId: string): boolean {
  for (const event of [...events].reverse()) {
    if (event.purposeId !== purposeId && event.purposeId !== '*') continue;
    if (event.type === 'requested') continue;
    return event.type === 'granted' || event.type === 'confirmed';
  }
  return false;
}

describe('segments compiled to SQL (PGlite)', () => {
  it('select the same subjects as the reference evaluator on random data (SEED-03: separate opt-ins per list and per use)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ profile, ledger }), { minLength: 1, maxLength: 25 }),
        fc.array(filter, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 7 }),
        async (people, filters, limit) => {
          const store = await createPgliteStore({ db, schema: freshSchema() });
          try {
            const ledgers = new Map<string, ConsentEvent[]>();
            const profiles = new Map<string, SubjectProfile>();
            for (const person of people) {
              const id = randomUUID();
              const created = await store.createSubject({
                id,
                emailHash: randomUUID(),
                email: `${id}@example.test`,
                createdAt: NOW,
                updatedAt: NOW,
                profile: person.profile,
              });
              // Events in seq order with their own dates (a ledger is not sorted by date).
              const events = person.ledger.map(
                (e, i): ConsentEvent => ({
                  id: randomUUID(),
                  subjectId: id,
                  seq: i + 1,
                  type: e.type,
                  purposeId: e.purposeId,
                  at: new Date(NOW.getTime() - e.daysAgo * DAY),
                  proof: { source: 'property test', method: 'api', actor: 'test' },
                  prevHash: i === 0 ? null : `h${i}`,
                  hash: `h${i + 1}`,
                }),
              );
              if (events.length > 0) await store.appendConsentEvents(id, undefined, events);
              ledgers.set(id, await store.listConsentEvents(id));
              profiles.set(id, created.profile);
            }
            for (const raw of filters) {
              const segment = resolveSegmentFilter(raw, NOW);
              for (const purposeId of PURPOSES) {
                const expected = [...profiles.keys()]
                  .filter((id) =>
                    matchesSegment(segment, profiles.get(id)!, ledgers.get(id)!, purposeId),
                  )
                  .sort();
                expect(await scan(store, purposeId, false, segment, limit)).toEqual(expected);
                expect(await scan(store, purposeId, true, segment, limit)).toEqual(
                  expected.filter((id) => isCandidate(ledgers.get(id)!, purposeId)),
                );
              }
            }
          } finally {
            await dropStore(store);
          }
        },
      ),
      { numRuns: 30 },
    );
    // A fresh schema per run: about a second each on a quiet machine, more on a busy one.
  }, 300_000);
});

describe('migration 9', () => {
  it('backfills the targeting columns of contacts imported before it', async () => {
    const schema = freshSchema();
    const s = `"${schema}"`;
    const database = pgliteDatabase(db, async () => {});
    // The schema as version 8 left it, with a contact an import wrote then.
    await db.exec(`CREATE SCHEMA ${s};
      CREATE TABLE ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now());`);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 8)) {
      await db.exec(migration.sql(s));
      await db.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
    const profile = {
      language: 'fr',
      country: 'BE',
      lastInteractionAt: { $date: '2026-05-01T08:00:00.000Z' },
      contact: {
        segments: ['salon-2018', 'webinar', 7],
        sources: [
          { label: 'Salon X 2018', list: 'salon-2018', basis: 'consent' },
          { list: 'no label' },
        ],
        attributes: { customerNumber: 'C-1' },
      },
    };
    await db.query(
      `INSERT INTO ${s}.subjects (id, email_hash, email, created_at, updated_at, profile)
       VALUES ('a', 'ha', 'sealed', now(), now(), $1::jsonb), ('b', 'hb', 'sealed', now(), now(), '{}')`,
      [JSON.stringify(profile)],
    );

    const result = await runMigrations(database, schema);
    expect(result.applied).toContain(9);
    const rows = await db.query<Record<string, unknown>>(
      `SELECT id, language, country, segments, tags, sources, last_interaction_at
       FROM ${s}.subjects ORDER BY id`,
    );
    expect(rows.rows).toEqual([
      {
        id: 'a',
        language: 'fr',
        country: 'BE',
        segments: ['salon-2018', 'webinar'],
        tags: [],
        sources: ['Salon X 2018'],
        last_interaction_at: new Date('2026-05-01T08:00:00.000Z'),
      },
      {
        id: 'b',
        language: null,
        country: null,
        segments: [],
        tags: [],
        sources: [],
        last_interaction_at: null,
      },
    ]);

    // And the store keeps them in step from then on.
    const store = await createPgliteStore({ db, schema });
    try {
      await store.setSubjectSegments('b', { segments: ['salon-2018'], tags: ['vip'] }, NOW);
      const segment = resolveSegmentFilter(
        { all: [{ segment: 'salon-2018' }, { not: { tag: 'vip' } }] },
        NOW,
      );
      expect(await scan(store, 'newsletter', false, segment, 10)).toEqual(['a']);
      const tagged = await db.query<{ tags: string[] }>(
        `SELECT tags FROM ${s}.subjects WHERE id = 'b'`,
      );
      expect(tagged.rows).toEqual([{ tags: ['vip'] }]);
    } finally {
      await dropStore(store);
    }
  });
});
