import { expect } from 'vitest';
import type { ConsentEventDraft } from '../../consent/append-events.js';
import { appendConsentEvents } from '../../consent/append-events.js';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite, proof, subjectRecord } from './harness.js';

/** Audience: keyset pages of candidates following the latest status change. */
export function runAudienceConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  conformanceSuite('audience', name, makeStore, options, (test, current) => {
    test(
      'audience.scan',
      'pages audience candidates by subject id, following the latest status change',
      async () => {
        const store = current();
        const at = new Date('2026-03-01T00:00:00.000Z');
        const grant = { type: 'granted' as const, purposeId: 'newsletter', proof };
        const histories: Record<string, { drafts: ConsentEventDraft[]; candidate: boolean }> = {
          granted: { drafts: [grant], candidate: true },
          confirmed: {
            drafts: [
              { type: 'requested', purposeId: 'newsletter', proof },
              { type: 'confirmed', purposeId: 'newsletter', proof },
            ],
            candidate: true,
          },
          regranted: {
            drafts: [grant, { type: 'withdrawn', purposeId: 'newsletter', proof }, grant],
            candidate: true,
          },
          grantedThenAsked: {
            drafts: [grant, { type: 'requested', purposeId: 'newsletter', proof }],
            candidate: true,
          },
          withdrawn: {
            drafts: [grant, { type: 'withdrawn', purposeId: 'newsletter', proof }],
            candidate: false,
          },
          withdrawnAll: {
            drafts: [grant, { type: 'withdrawn', purposeId: '*', proof }],
            candidate: false,
          },
          objected: {
            drafts: [grant, { type: 'objected', purposeId: '*', proof }],
            candidate: false,
          },
          pending: {
            drafts: [{ type: 'requested', purposeId: 'newsletter', proof }],
            candidate: false,
          },
          otherPurpose: {
            drafts: [{ type: 'granted', purposeId: 'partners', proof }],
            candidate: false,
          },
          nothing: { drafts: [], candidate: false },
        };
        const expected: string[] = [];
        const everyone: string[] = [];
        for (const { drafts, candidate } of Object.values(histories)) {
          const subject = await store.createSubject(subjectRecord());
          await appendConsentEvents(store, subject.id, drafts, at);
          everyone.push(subject.id);
          if (candidate) expected.push(subject.id);
        }
        async function scan(consentRequired: boolean) {
          const ids: string[] = [];
          let afterSubjectId: string | undefined;
          for (;;) {
            const page = await store.listAudienceCandidates({
              purposeId: 'newsletter',
              consentRequired,
              limit: 3,
              ...(afterSubjectId === undefined ? {} : { afterSubjectId }),
            });
            expect(page.length).toBeLessThanOrEqual(3);
            ids.push(...page.map((p) => p.id));
            if (page.length < 3) return ids;
            afterSubjectId = page.at(-1)?.id;
          }
        }
        expect(await scan(true)).toEqual([...expected].sort());
        expect(await scan(false)).toEqual([...everyone].sort());
        // A chunk's range: after < id <= until, whatever the limit.
        for (const [consentRequired, ids] of [
          [true, [...expected].sort()],
          [false, [...everyone].sort()],
        ] as const) {
          const bounded = await store.listAudienceCandidates({
            purposeId: 'newsletter',
            consentRequired,
            limit: 100,
            afterSubjectId: ids[0]!,
            untilSubjectId: ids[3]!,
          });
          expect(bounded.map((p) => p.id)).toEqual(ids.slice(1, 4));
        }
      },
    );
  });
}
