import { describe, expect, it } from 'vitest';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence } from '../testing/fixtures.js';
import { testGdpr } from '../testing/test-gdpr.js';
import type { SegmentFilter } from './segment-filter.js';
import { resolveSegmentFilter, subtractDuration } from './segment-filter.js';

const now = new Date('2026-03-31T10:00:00.000Z');
const render = () => ({ subject: 'Hello', text: 'Our news.' });
const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

function refusal(run: () => unknown): GdprMailError | undefined {
  try {
    run();
  } catch (caught) {
    return caught as GdprMailError;
  }
  return undefined;
}

describe('segment limits and durations, as docs/scaling.md states them', () => {
  it('accepts the durations the docs name, and refuses malformed ones', () => {
    for (const d of ['P24M', 'P1Y', 'P30D', 'P2W', 'PT12H', 'P0D']) {
      expect(() => subtractDuration(now, d), d).not.toThrow();
    }
    for (const d of [
      '',
      'P',
      'PT',
      'P1YT',
      'p24m',
      '-P1M',
      'P1.5Y',
      'P1M ',
      '24M',
      'P999999999Y',
    ]) {
      const error = refusal(() => resolveSegmentFilter({ consentedWithin: d }, now));
      expect(error, JSON.stringify(d)).toBeInstanceOf(GdprMailError);
      expect(error?.code).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses what a SQL store could not compare: instants outside years 1-9999, NUL, lone surrogates', () => {
    const bad: unknown[] = [
      { consentedWithin: 'P10000Y' }, // -7974: PostgreSQL refused it (STORE_FAILURE)
      { engagedWithin: 'P2100Y' },
      { consentedSince: new Date(-8.64e15) },
      { engagedSince: new Date('+010000-01-01T00:00:00.000Z') },
      { segment: 'salon\u00002018' },
      { tag: { in: ['ok', 'bad\uD800'] } },
    ];
    for (const filter of bad) {
      const error = refusal(() => resolveSegmentFilter(filter as SegmentFilter, now));
      expect(error?.code, String(Object.keys(filter as object))).toBe('VALIDATION_FAILED');
    }
    // The edges themselves are fine, and so are astral characters.
    expect(() =>
      resolveSegmentFilter(
        {
          all: [
            { consentedSince: new Date('0001-01-01T00:00:00.000Z') },
            { engagedSince: new Date('9999-12-31T23:59:59.999Z') },
            { consentedWithin: 'P2025Y' },
            { segment: 'salon 🎪' },
          ],
        },
        now,
      ),
    ).not.toThrow();
  });

  it('refuses an empty filter and an empty value list', () => {
    for (const bad of [{}, { segment: { in: 'x' } }, { not: [] }, { any: null }, []]) {
      const error = refusal(() => resolveSegmentFilter(bad as unknown as SegmentFilter, now));
      expect(error?.code, JSON.stringify(bad)).toBe('VALIDATION_FAILED');
    }
  });

  it('nests at most 8 levels (8 combinators around a condition)', () => {
    const nest = (levels: number): SegmentFilter => {
      let node: SegmentFilter = { segment: 'a' };
      for (let i = 0; i < levels; i += 1) node = { not: node };
      return node;
    };
    expect(() => resolveSegmentFilter(nest(8), now)).not.toThrow();
    expect(refusal(() => resolveSegmentFilter(nest(9), now))?.code).toBe('VALIDATION_FAILED');
  });

  it('has at most 64 conditions', () => {
    const leaves = (n: number): SegmentFilter[] =>
      Array.from({ length: n }, (_, i) => ({ segment: `s${i}` }));
    expect(() => resolveSegmentFilter({ all: leaves(63) }, now)).not.toThrow();
    expect(refusal(() => resolveSegmentFilter({ all: leaves(64) }, now))?.code).toBe(
      'VALIDATION_FAILED',
    );
  });
});

async function people() {
  const { gdpr, transport, clock } = testGdpr({}, new MemoryStore());
  const ids: Record<string, string> = {};
  const add = async (name: string, lists: string[], profile: Record<string, unknown> = {}) => {
    const email = `${name}@example.org`;
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    const subject = await gdpr.subjects.upsert(email, { language: 'fr', ...profile });
    await gdpr.store.setSubjectSegments(subject.id, { segments: lists }, new Date());
    ids[name] = subject.id;
    return email;
  };
  return { gdpr, transport, clock, ids, add };
}

describe('who a segment targets, and who the policy still refuses', () => {
  it('a suppressed, a restricted and an archived person in the segment are denied, by reason', async () => {
    const { gdpr, transport, add } = await people();
    await add('ok', ['salon']);
    const suppressed = await add('suppressed', ['salon']);
    await add('restricted', ['salon'], { restriction: { at: now, reason: 'contested' } });
    await add('archived', ['salon'], { archivedAt: now });
    await add('other', ['webinar']);
    await gdpr.suppression.add(suppressed, 'manual', { source: 'support', reason: 'asked' });
    const report = await gdpr.campaigns.run({
      id: 'salon-policy',
      purposeId: 'newsletter',
      segment: { all: [{ segment: 'salon' }, { language: 'FR' }] },
      render,
    });
    expect(transport.sent.map((s) => s.message.to.address)).toEqual(['ok@example.org']);
    expect(report).toMatchObject({ sent: 1, denied: 3, complete: true });
    expect(report.deniedByReason).toEqual({ suppressed: 1, restricted: 1, archived: 1 });
  });

  it('a person who unticked the purpose in the preference centre is not mailed, whatever list they are on', async () => {
    const { gdpr, transport, add } = await people();
    await add('stays', ['salon']);
    const leaver = await add('leaves', ['salon']);
    const token = tokenOf(await gdpr.links.preferencesUrl(leaver));
    await gdpr.preferences.save(token, { newsletter: false });
    const segment: SegmentFilter = { all: [{ segment: 'salon' }, { consentedWithin: 'P24M' }] };
    const report = await gdpr.campaigns.run({ id: 'c1', purposeId: 'newsletter', segment, render });
    expect(transport.sent.map((s) => s.message.to.address)).toEqual(['stays@example.org']);
    expect(report.denied).toBe(0); // not a candidate at all
    const all = await gdpr.campaigns.run({
      id: 'c2',
      purposeId: 'newsletter',
      segment,
      scan: 'all-subjects',
      render,
    });
    expect(all.deniedByReason).toEqual({ withdrawn: 1 });
    const audience: string[] = [];
    for await (const m of gdpr.audience('newsletter', { segment })) audience.push(m.email);
    expect(audience).toEqual(['stays@example.org']);
  });

  it('a B2B contact who unticked the purpose in the preference centre is not mailed', async () => {
    const { gdpr, transport } = testGdpr({}, new MemoryStore());
    const emails = ['a@corp.example', 'b@corp.example'];
    for (const email of emails) {
      const s = await gdpr.subjects.upsert(email, {
        country: 'FR',
        professional: { informedAt: new Date('2026-01-01T00:00:00.000Z') },
      });
      await gdpr.store.setSubjectSegments(s.id, { segments: ['b2b'] }, new Date());
    }
    await gdpr.preferences.save(tokenOf(await gdpr.links.preferencesUrl(emails[1]!)), {
      'b2b-prospecting': false,
    });
    const report = await gdpr.campaigns.run({
      id: 'b2b',
      purposeId: 'b2b-prospecting',
      segment: { segment: 'b2b' },
      context: { professionalRelevance: true },
      render,
    });
    expect(transport.sent.map((s) => s.message.to.address)).toEqual(['a@corp.example']);
    expect(report.deniedByReason).toMatchObject({ withdrawn: 1 });
  });

  it('the documented example segment (not, any, engagedWithin) selects as the table says', async () => {
    const { gdpr, transport, add } = await people();
    await add('be', ['salon-2018'], { country: 'BE' });
    await add('engaged', ['salon-2018'], { lastInteractionAt: new Date('2026-02-01T00:00:00Z') });
    await add('stale', ['salon-2018'], { lastInteractionAt: new Date('2025-01-01T00:00:00Z') });
    const churned = await add('churned', ['salon-2018'], { country: 'BE' });
    await add('nl', ['salon-2018'], { country: 'BE', language: 'nl' });
    const person = await gdpr.subjects.get(churned);
    await gdpr.store.setSubjectSegments(person!.id, { tags: ['churned'] }, new Date());
    await gdpr.campaigns.run({
      id: 'doc-example',
      purposeId: 'newsletter',
      segment: {
        all: [
          { segment: 'salon-2018' },
          { language: { in: ['fr', 'nl'] } },
          { consentedWithin: 'P24M' },
          { not: { tag: 'churned' } },
          { any: [{ country: 'BE' }, { engagedWithin: 'P6M' }] },
        ],
      },
      render,
    });
    expect(transport.sent.map((s) => s.message.to.address).sort()).toEqual([
      'be@example.org',
      'engaged@example.org',
      'nl@example.org',
    ]);
  });

  it('an unknown list, `any: []` and `{ in: [] }` select nobody; `all: []` everyone', async () => {
    const { gdpr, add } = await people();
    await add('a', ['salon']);
    await add('b', []);
    const count = async (segment: SegmentFilter) => {
      let n = 0;
      for await (const _ of gdpr.audience('newsletter', { segment })) n += 1;
      return n;
    };
    expect(await count({ segment: 'no-such-list' })).toBe(0);
    expect(await count({ any: [] })).toBe(0);
    expect(await count({ segment: { in: [] } })).toBe(0);
    expect(await count({ all: [] })).toBe(2);
    expect(await count({ not: { segment: 'salon' } })).toBe(1);
  });

  it('a malformed segment is refused by audience(), planChunks and run before anything is read', async () => {
    const { gdpr, transport, add } = await people();
    await add('a', ['salon']);
    const bad = { consentedWithin: '24 months' } as SegmentFilter;
    const iterate = async (source: AsyncIterable<unknown>) => {
      for await (const _ of source) {
        // nothing
      }
    };
    await expect(iterate(gdpr.audience('newsletter', { segment: bad }))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(
      iterate(gdpr.campaigns.planChunks({ purposeId: 'newsletter', segment: bad })),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      gdpr.campaigns.run({ id: 'bad', purposeId: 'newsletter', segment: bad, render }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(transport.sent).toHaveLength(0);
  });
});

describe('audience() batchSize', () => {
  it('refuses a batchSize that is not a positive integer, instead of yielding nobody', async () => {
    const { gdpr, add } = await people();
    await add('a', ['salon']);
    for (const batchSize of [0, -1, 1.5, Number.NaN]) {
      const read = async () => {
        for await (const _ of gdpr.audience('newsletter', { batchSize })) {
          // nothing
        }
      };
      await expect(read(), String(batchSize)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    const found: string[] = [];
    for await (const m of gdpr.audience('newsletter', { batchSize: 1 })) found.push(m.email);
    expect(found).toEqual(['a@example.org']);
  });
});

describe('paging while people join', () => {
  it('a run mails everyone present at its start once; a re-run with the same id reaches the joiners', async () => {
    const { gdpr, transport, add } = await people();
    const before: string[] = [];
    for (let i = 0; i < 20; i += 1) before.push(await add(`p${i}`, ['salon']));
    let joined = 0;
    const report = await gdpr.campaigns.run({
      id: 'joiners',
      purposeId: 'newsletter',
      segment: { segment: 'salon' },
      batchSize: 3,
      onProgress: async () => {
        // Two people join the list after every page.
        for (let i = 0; i < 2; i += 1) await add(`j${joined++}`, ['salon']);
      },
      render,
    });
    const mailed = transport.sent.map((s) => s.message.to.address);
    expect(new Set(mailed).size).toBe(mailed.length);
    for (const email of before) expect(mailed).toContain(email);
    expect(report.complete).toBe(true);
    const again = await gdpr.campaigns.run({
      id: 'joiners',
      purposeId: 'newsletter',
      segment: { segment: 'salon' },
      render,
    });
    const all = transport.sent.map((s) => s.message.to.address);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(20 + joined);
    expect(again.alreadySent).toBe(mailed.length);
  });
});

describe('run options, as docs/scaling.md states them', () => {
  it('pages 2,000 subjects by default, 10 × mailer.batchSize when that is more', async () => {
    const limits: number[] = [];
    const spy = (store: MemoryStore) =>
      new Proxy(store, {
        get(target, key, receiver) {
          const value: unknown = Reflect.get(target, key, receiver);
          if (key === 'listAudienceCandidates') {
            return (query: { limit: number }) => {
              limits.push(query.limit);
              return target.listAudienceCandidates(query as never);
            };
          }
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const small = testGdpr({}, spy(new MemoryStore()));
    await small.gdpr.campaigns.run({ id: 'a', purposeId: 'newsletter', render });
    const big = testGdpr(
      {
        mailer: {
          from: { address: 'privacy@acme.test' },
          batchSize: 300,
          retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        },
      },
      spy(new MemoryStore()),
    );
    await big.gdpr.campaigns.run({ id: 'b', purposeId: 'newsletter', render });
    expect(limits).toEqual([2000, 3000]);
  });

  it('a signal stops between pages; the cursor is the last id handed over, and a re-run finishes without repeats', async () => {
    const { gdpr, transport, add } = await people();
    for (let i = 0; i < 10; i += 1) await add(`p${i}`, ['salon']);
    const controller = new AbortController();
    const first = await gdpr.campaigns.run({
      id: 'stop',
      purposeId: 'newsletter',
      segment: { segment: 'salon' },
      batchSize: 3,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.batches === 2) controller.abort();
      },
      render,
    });
    expect(first.complete).toBe(false);
    expect(first.sent).toBe(6);
    const ids = [...(await gdpr.store.listSubjects({ limit: 100 }))].map((s) => s.id).sort();
    expect(first.cursor).toBe(ids[5]);
    const second = await gdpr.campaigns.run({
      id: 'stop',
      purposeId: 'newsletter',
      segment: { segment: 'salon' },
      batchSize: 3,
      render,
    });
    expect(second).toMatchObject({ complete: true, sent: 4, alreadySent: 6 });
    const mailed = transport.sent.map((s) => s.message.to.address);
    expect(new Set(mailed).size).toBe(10);
    expect(mailed).toHaveLength(10);
  });
});

describe('engagedWithin reads profile.lastInteractionAt only', () => {
  it('a signup or a preference-centre save is not engagement; a recorded click is', async () => {
    const { gdpr, add } = await people();
    const email = await add('fresh', ['salon']);
    const url = await gdpr.links.preferencesUrl(email);
    await gdpr.preferences.save(tokenOf(url), { newsletter: true });
    const members = async (segment: SegmentFilter) => {
      const found: string[] = [];
      for await (const m of gdpr.audience('newsletter', { segment })) found.push(m.email);
      return found;
    };
    expect(await members({ engagedWithin: 'P6M' })).toEqual([]);
    expect(await members({ not: { engagedWithin: 'P6M' } })).toEqual([email]);
    // An open is not an act; a click is.
    await gdpr.subjects.recordInteraction(email, 'open');
    expect(await members({ engagedWithin: 'P6M' })).toEqual([]);
    await gdpr.subjects.recordInteraction(email, 'click');
    expect(await members({ engagedWithin: 'P6M' })).toEqual([email]);
  });
});
