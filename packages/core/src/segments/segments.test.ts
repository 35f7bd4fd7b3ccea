import { describe, expect, it } from 'vitest';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { MemoryStore } from '../store/memory-store.js';
import type { AudienceQuery, GdprStore } from '../store/store-types.js';
import { checkboxEvidence } from '../testing/fixtures.js';
import { testGdpr } from '../testing/test-gdpr.js';
import type { SegmentFilter } from './segment-filter.js';
import { resolveSegmentFilter, subtractDuration } from './segment-filter.js';

describe('resolveSegmentFilter', () => {
  const now = new Date('2026-03-31T10:00:00.000Z');

  it('resolves durations against now, months on the calendar', () => {
    expect(subtractDuration(now, 'P1M').toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(subtractDuration(now, 'P24M').toISOString()).toBe('2024-03-31T10:00:00.000Z');
    expect(subtractDuration(now, 'P1Y1M').toISOString()).toBe('2025-02-28T10:00:00.000Z');
    expect(subtractDuration(now, 'P2W1DT2H30M').toISOString()).toBe('2026-03-16T07:30:00.000Z');
    expect(
      resolveSegmentFilter(
        {
          all: [
            { segment: 'salon-2018' },
            { language: { in: ['FR', 'nl'] } },
            { country: 'be' },
            { consentedWithin: 'P24M' },
            { not: { engagedSince: new Date('2026-01-01T00:00:00.000Z') } },
          ],
        },
        now,
      ),
    ).toEqual({
      op: 'all',
      of: [
        { op: 'in', field: 'segment', values: ['salon-2018'] },
        { op: 'in', field: 'language', values: ['fr', 'nl'] },
        { op: 'in', field: 'country', values: ['BE'] },
        { op: 'since', field: 'consent', at: new Date('2024-03-31T10:00:00.000Z') },
        {
          op: 'not',
          of: { op: 'since', field: 'engagement', at: new Date('2026-01-01T00:00:00.000Z') },
        },
      ],
    });
  });

  it('refuses what it cannot compile, naming the node', () => {
    const bad: unknown[] = [
      { segment: 'a', tag: 'b' },
      { unknown: 'x' },
      { all: { segment: 'a' } },
      { language: { in: [1] } },
      { language: { in: ['fr'], also: 1 } },
      { segment: '' },
      { consentedWithin: '24 months' },
      { consentedWithin: 'P' },
      { engagedSince: '2026-01-01' },
      { all: [{ not: { any: [{ segment: 7 }] } }] },
      null,
    ];
    for (const filter of bad) {
      const error = (() => {
        try {
          resolveSegmentFilter(filter as SegmentFilter, now);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error, JSON.stringify(filter)).toBeInstanceOf(GdprMailError);
      expect((error as GdprMailError).code).toBe('VALIDATION_FAILED');
    }
    let deep: SegmentFilter = { segment: 'a' };
    for (let i = 0; i < 9; i += 1) deep = { not: deep };
    expect(() => resolveSegmentFilter(deep, now)).toThrow(/nests at most/);
  });
});

/** A store that ignores `segment`, as one written before segments would: core still selects right. */
function ignoringSegments(store: MemoryStore): GdprStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'listAudienceCandidates') {
        return ({ segment: _, ...query }: AudienceQuery) => target.listAudienceCandidates(query);
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function setup(store: GdprStore) {
  const { gdpr, transport } = testGdpr({}, store);
  // Ten people on two lists in two languages, each with their own choice per
  // use (SEED-03): newsletter for all but #9, partners for the even ones.
  for (let i = 0; i < 10; i += 1) {
    const email = `p${i}@example.org`;
    const purposes = [...(i === 9 ? [] : ['newsletter']), ...(i % 2 === 0 ? ['partners'] : [])];
    if (purposes.length > 0) {
      await gdpr.consent.record({ email, purposes, evidence: checkboxEvidence });
    }
    const subject = await gdpr.subjects.upsert(email, { language: i < 5 ? 'fr' : 'nl' });
    await gdpr.store.setSubjectSegments(
      subject.id,
      {
        segments: i % 3 === 0 ? ['salon-2018'] : ['webinar'],
        ...(i === 3 ? { tags: ['vip'] } : {}),
      },
      new Date(),
    );
  }
  return { gdpr, transport };
}

const SALON_FR: SegmentFilter = {
  all: [{ segment: 'salon-2018' }, { language: { in: ['fr', 'de'] } }, { consentedWithin: 'P24M' }],
};

describe.each([
  ['a store that narrows (memory)', () => new MemoryStore()],
  ['a store that ignores segments (core re-checks)', () => ignoringSegments(new MemoryStore())],
])('segments over %s', (_, makeStore) => {
  it('campaigns.run mails only the segment, and the filter still narrows it (SEED-03)', async () => {
    const { gdpr, transport } = await setup(makeStore());
    // salon-2018 = 0, 3, 6, 9; French = 0..4; newsletter: all but 9.
    const report = await gdpr.campaigns.run({
      id: 'salon-fr',
      purposeId: 'newsletter',
      segment: SALON_FR,
      render: () => ({ subject: 'Salon', text: 'See you there.' }),
    });
    expect(report.sent).toBe(2);
    expect(transport.sent.map((s) => s.message.to.address).sort()).toEqual([
      'p0@example.org',
      'p3@example.org',
    ]);
    const filtered = await gdpr.campaigns.run({
      id: 'salon-fr-vip',
      purposeId: 'newsletter',
      segment: SALON_FR,
      filter: (m) => m.profile.contact?.tags?.includes('vip') === true,
      render: () => ({ subject: 'Salon VIP', text: 'See you there.' }),
    });
    expect(filtered).toMatchObject({ sent: 1, filteredOut: 1 });
  });

  it('planChunks sizes chunks by the segment, and their runs mail it once', async () => {
    const { gdpr, transport } = await setup(makeStore());
    // Separate opt-ins per use (SEED-03): partners are the even ones; nl = 5..9.
    const segment: SegmentFilter = { not: { language: 'fr' } };
    const chunks = [];
    for await (const chunk of gdpr.campaigns.planChunks({
      purposeId: 'partners',
      chunkSize: 1,
      segment,
    })) {
      chunks.push(chunk);
    }
    expect(chunks.reduce((sum, c) => sum + c.size, 0)).toBe(2);
    for (const chunk of chunks) {
      await gdpr.campaigns.run({
        id: 'partners-nl',
        purposeId: 'partners',
        segment,
        range: chunk.range,
        render: () => ({ subject: 'Partners', text: 'An offer.' }),
      });
    }
    expect(transport.sent.map((s) => s.message.to.address).sort()).toEqual([
      'p6@example.org',
      'p8@example.org',
    ]);
  });

  it('audience() yields only the segment', async () => {
    const { gdpr } = await setup(makeStore());
    const members: string[] = [];
    for await (const member of gdpr.audience('newsletter', {
      segment: { any: [{ tag: 'vip' }, { segment: 'webinar' }] },
      batchSize: 2,
    })) {
      members.push(member.email);
    }
    expect(members.sort()).toEqual([1, 2, 3, 4, 5, 7, 8].map((i) => `p${i}@example.org`).sort());
  });
});

describe('a bad segment', () => {
  it('is refused before anything is read or sent', async () => {
    const { gdpr, transport } = await setup(new MemoryStore());
    await expect(
      gdpr.campaigns.run({
        id: 'bad',
        purposeId: 'newsletter',
        segment: { segment: 'a', tag: 'b' } as unknown as SegmentFilter,
        render: () => ({ subject: 'x', text: 'x' }),
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(transport.sent).toHaveLength(0);
  });
});
