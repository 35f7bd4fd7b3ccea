import { expect } from 'vitest';
import { appendConsentEvents } from '../../consent/append-events.js';
import { matchesSegment } from '../../segments/match-segment.js';
import type { AudienceSegment, SegmentFilter } from '../../segments/segment-filter.js';
import { resolveSegmentFilter } from '../../segments/segment-filter.js';
import type { GdprStore, SegmentChange, SubjectProfile } from '../../store/store-types.js';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite, proof, subjectRecord } from './harness.js';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

/**
 * The ids of every audience candidate in a segment, walked in keyset pages of
 * `limit`, as campaigns walk them (for tests of a store's segment support).
 */
export async function segmentAudienceIds(
  store: GdprStore,
  query: { purposeId: string; consentRequired: boolean; segment: AudienceSegment; limit: number },
): Promise<string[]> {
  const ids: string[] = [];
  let afterSubjectId: string | undefined;
  for (;;) {
    const page = await store.listAudienceCandidates({
      ...query,
      ...(afterSubjectId === undefined ? {} : { afterSubjectId }),
    });
    ids.push(...page.map((s) => s.id));
    if (page.length < query.limit) return ids;
    afterSubjectId = page.at(-1)!.id;
  }
}

const scan = (
  store: GdprStore,
  purposeId: string,
  consentRequired: boolean,
  filter: SegmentFilter,
) =>
  segmentAudienceIds(store, {
    purposeId,
    consentRequired,
    segment: resolveSegmentFilter(filter, NOW),
    limit: 2,
  });

/**
 * Segments (issue #22): `setSubjectSegments`, and audience pages narrowed to
 * a segment exactly as the reference evaluator (`matchesSegment`) selects.
 * Opt out with `capabilities: { segments: false }` while a store has no
 * segment support: core re-checks pages, so such a store stays correct, only slower.
 */
export function runSegmentConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  conformanceSuite('segments', name, makeStore, options, (test, current) => {
    test(
      'segments.set',
      'sets segments and tags, keeping the rest of the profile',
      async () => {
        const store = current();
        const at = new Date('2026-02-01T00:00:00.000Z');
        const created = await store.createSubject(
          subjectRecord({
            profile: {
              language: 'fr',
              contact: {
                segments: ['salon-2018'],
                sources: [{ label: 'Salon', list: 'salon-2018', basis: 'consent', importedAt: at }],
              },
            },
          }),
        );
        expect(await store.setSubjectSegments(created.id, { tags: ['vip'] }, at)).toBe(true);
        let found = await store.getSubject(created.id);
        expect(found?.profile.contact?.segments).toEqual(['salon-2018']);
        expect(found?.profile.contact?.tags).toEqual(['vip']);
        expect(found?.profile.contact?.sources).toHaveLength(1);
        expect(found?.profile.language).toBe('fr');
        expect(found?.updatedAt).toEqual(at);

        await store.setSubjectSegments(created.id, { segments: ['webinar', 'salon-2019'] }, at);
        found = await store.getSubject(created.id);
        expect(found?.profile.contact?.segments).toEqual(['webinar', 'salon-2019']);
        expect(found?.profile.contact?.tags).toEqual(['vip']);

        // A subject without contact facts gets them.
        const bare = await store.createSubject(subjectRecord());
        await store.setSubjectSegments(bare.id, { segments: ['b2b'] }, at);
        expect((await store.getSubject(bare.id))?.profile.contact).toEqual({
          segments: ['b2b'],
          sources: [],
        });
        expect(await store.setSubjectSegments('no-such-subject', { tags: [] }, at)).toBe(false);
      },
      { requires: 'segments' },
    );

    test(
      'segments.set-invalid',
      'refuses malformed lists with VALIDATION_FAILED and writes nothing',
      async () => {
        const store = current();
        const at = new Date('2026-02-01T00:00:00.000Z');
        const created = await store.createSubject(
          subjectRecord({ profile: { contact: { segments: ['kept'], sources: [] } } }),
        );
        const bad: unknown[] = [
          { segments: ['nul\u0000inside'] },
          { segments: [''] },
          { tags: ['x'.repeat(201)] },
          { tags: [42] },
          { tags: 'vip' },
          { segments: ['\uD800'] },
          { segments: Array.from({ length: 1001 }, (_, i) => `s${i}`) },
          { lists: ['x'] },
        ];
        for (const change of bad) {
          await expect(
            store.setSubjectSegments(
              created.id,
              change as SegmentChange,
              new Date(at.getTime() + 1),
            ),
            JSON.stringify(change).slice(0, 60),
          ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
        }
        const found = await store.getSubject(created.id);
        expect(found?.profile.contact?.segments).toEqual(['kept']);
        expect(found?.profile.contact?.tags).toBeUndefined();
        expect(found?.updatedAt).toEqual(created.updatedAt);
      },
      { requires: 'segments' },
    );

    test(
      'segments.audience',
      'narrows audience pages to a segment exactly as the reference evaluator (SEED-03)',
      async () => {
        const store = current();
        const source = (label: string) => ({
          label,
          list: label,
          basis: 'consent',
          importedAt: daysAgo(400),
        });
        const people: { profile: SubjectProfile; grants: [string, number][] }[] = [
          {
            profile: {
              language: 'fr',
              country: 'FR',
              lastInteractionAt: daysAgo(10),
              contact: { segments: ['salon-2018'], tags: ['vip'], sources: [source('Salon')] },
            },
            grants: [['newsletter', 100]],
          },
          {
            profile: { language: 'nl', contact: { segments: ['salon-2018'], sources: [] } },
            grants: [['newsletter', 900]],
          },
          {
            profile: {
              language: 'de',
              contact: { segments: ['salon-2018', 'webinar'], sources: [] },
            },
            grants: [['newsletter', 30]],
          },
          {
            // Separate opt-ins per use (SEED-03): on the list, but consented to partners only.
            profile: { language: 'fr', contact: { segments: ['salon-2018'], sources: [] } },
            grants: [['partners', 5]],
          },
          { profile: { country: 'BE' }, grants: [['newsletter', 1]] },
          {
            profile: {
              language: 'fr',
              lastInteractionAt: daysAgo(800),
              contact: { segments: ['webinar'], tags: ['b2b'], sources: [source('Web')] },
            },
            grants: [
              ['newsletter', 1000],
              ['partners', 2],
            ],
          },
          { profile: {}, grants: [] },
        ];
        const ledgers = new Map<string, Awaited<ReturnType<typeof store.listConsentEvents>>>();
        const profiles = new Map<string, SubjectProfile>();
        for (const person of people) {
          const subject = await store.createSubject(subjectRecord({ profile: person.profile }));
          for (const [purposeId, days] of person.grants) {
            await appendConsentEvents(
              store,
              subject.id,
              [{ type: 'granted', purposeId, proof }],
              daysAgo(days),
            );
          }
          ledgers.set(subject.id, await store.listConsentEvents(subject.id));
          profiles.set(subject.id, person.profile);
        }
        const filters: SegmentFilter[] = [
          {
            all: [
              { segment: 'salon-2018' },
              { language: { in: ['FR', 'nl'] } },
              { consentedWithin: 'P24M' },
            ],
          },
          { any: [{ tag: 'vip' }, { country: 'be' }] },
          { not: { language: 'fr' } },
          { all: [{ source: { in: ['Salon', 'Web'] } }, { not: { engagedWithin: 'P1Y' } }] },
          { engagedSince: daysAgo(20) },
          { any: [] },
          { all: [] },
          { segment: { in: [] } },
        ];
        for (const purposeId of ['newsletter', 'partners']) {
          for (const filter of filters) {
            const segment = resolveSegmentFilter(filter, NOW);
            const expected = [...profiles.keys()]
              .filter((id) =>
                matchesSegment(segment, profiles.get(id)!, ledgers.get(id)!, purposeId),
              )
              .sort();
            const all = await scan(store, purposeId, false, filter);
            expect({ purposeId, filter, ids: all }).toEqual({ purposeId, filter, ids: expected });
            const granted = new Set(
              [...ledgers]
                .filter(([, l]) => l.some((e) => e.purposeId === purposeId))
                .map(([id]) => id),
            );
            expect({ purposeId, filter, ids: await scan(store, purposeId, true, filter) }).toEqual({
              purposeId,
              filter,
              ids: expected.filter((id) => granted.has(id)),
            });
          }
        }
        // The worked example of docs/scaling.md selects the French and Dutch
        // people of the list who consented to the newsletter within 24 months.
        const example = await scan(store, 'newsletter', true, filters[0]!);
        expect(example).toHaveLength(1);
        expect(profiles.get(example[0]!)?.language).toBe('fr');
      },
      { requires: 'segments' },
    );
  });
}
