import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { testConfig } from '../testing/fixtures.js';
import { createTestClock } from '../testing/test-clock.js';

const HOUR = 3_600_000;

function setup() {
  const clock = createTestClock('2026-03-02T08:00:00.000Z');
  const gdpr = createGdprMail(
    testConfig({
      store: new MemoryStore(),
      clock,
      controller: {
        name: 'Acme SAS',
        email: 'privacy@acme.test',
        dpo: { name: 'Dana Protect', email: 'dpo@acme.test' },
      },
    }),
  );
  const open = (risk: 'unlikely' | 'risk' | 'high-risk' = 'risk', encryptionException = false) =>
    gdpr.breaches.open({
      title: 'Export file sent to the wrong customer',
      awareAt: clock(),
      nature: {
        description: 'A CSV of subscribers was attached to a support reply.',
        subjectCategories: ['newsletter subscribers'],
        approxSubjects: 1200,
        recordCategories: ['email address', 'consent history'],
        approxRecords: 1200,
      },
      likelyConsequences: 'Unsolicited mail to the people listed.',
      measures: 'Recipient asked to delete the file; confirmation received.',
      risk,
      encryptionException,
      actor: 'admin:42',
    });
  return { gdpr, clock, open };
}

describe('breach register (REQ-33, SEED-10)', () => {
  it('sets notifyBy = awareAt + 72h and records the Art. 33(3)(a)-(d) fields', async () => {
    const { gdpr, open } = setup();
    const incident = await open();
    expect(incident.notifyBy.getTime() - incident.awareAt.getTime()).toBe(72 * HOUR);
    expect(incident.nature.approxSubjects).toBe(1200); // (a)
    expect(incident.contact).toEqual({ name: 'Dana Protect', email: 'dpo@acme.test' }); // (b)
    expect(incident.likelyConsequences).toBeTruthy(); // (c)
    expect(incident.measures).toBeTruthy(); // (d)
    expect(await gdpr.breaches.get(incident.id)).toEqual(incident);
  });

  it('keeps phased updates in order', async () => {
    const { gdpr, clock, open } = setup();
    const incident = await open();
    clock.advance(2 * HOUR);
    await gdpr.breaches.update(incident.id, {
      note: 'Scope confirmed',
      nature: { approxSubjects: 1350 },
    });
    clock.advance(HOUR);
    const notified = await gdpr.breaches.notifyAuthority(incident.id, {
      reference: 'CNIL-2026-0042',
    });
    expect(notified.phases.map((p) => p.kind)).toEqual(['opened', 'update', 'authority-notified']);
    expect(notified.nature.approxSubjects).toBe(1350);
    expect(notified.nature.approxRecords).toBe(1200);
    expect(notified.authorityReference).toBe('CNIL-2026-0042');
  });

  it('closing late without a delay reason throws; with one it closes', async () => {
    const { gdpr, clock, open } = setup();
    const incident = await open();
    clock.advance(73 * HOUR);
    await expect(gdpr.breaches.close(incident.id)).rejects.toMatchObject({
      code: 'BREACH_DELAY_REASON_REQUIRED',
    });
    await expect(gdpr.breaches.notifyAuthority(incident.id)).rejects.toMatchObject({
      code: 'BREACH_DELAY_REASON_REQUIRED',
    });
    expect((await gdpr.breaches.get(incident.id)).status).toBe('open');
    const closed = await gdpr.breaches.close(incident.id, {
      delayReason: 'Forensics took four days',
    });
    expect(closed.status).toBe('closed');
    expect(closed.delayReason).toBe('Forensics took four days');
    await expect(gdpr.breaches.update(incident.id, { note: 'late' })).rejects.toMatchObject({
      code: 'BREACH_CLOSED',
    });
  });

  it('closing after a timely notification needs no reason; an unlikely-risk breach needs none either', async () => {
    const { gdpr, clock, open } = setup();
    const notifiable = await open();
    clock.advance(10 * HOUR);
    await gdpr.breaches.notifyAuthority(notifiable.id);
    clock.advance(100 * HOUR);
    expect((await gdpr.breaches.close(notifiable.id)).status).toBe('closed');
    const minor = await open('unlikely');
    clock.advance(200 * HOUR);
    expect((await gdpr.breaches.close(minor.id)).status).toBe('closed');
  });

  it('Art. 34: a high-risk breach closes only after the subjects are told, unless encrypted', async () => {
    const { gdpr, open } = setup();
    const high = await open('high-risk');
    await gdpr.breaches.notifyAuthority(high.id);
    await expect(gdpr.breaches.close(high.id)).rejects.toMatchObject({
      code: 'BREACH_SUBJECTS_NOT_NOTIFIED',
    });
    await gdpr.breaches.notifySubjects(high.id);
    expect((await gdpr.breaches.close(high.id)).status).toBe('closed');
    const encrypted = await open('high-risk', true);
    await gdpr.breaches.notifyAuthority(encrypted.id);
    expect((await gdpr.breaches.close(encrypted.id)).status).toBe('closed');
  });

  it('lists incidents due soon or overdue, and validates input', async () => {
    const { gdpr, clock, open } = setup();
    const first = await open();
    clock.advance(60 * HOUR);
    await open();
    expect((await gdpr.breaches.dueSoon(24 * HOUR)).map((b) => b.id)).toEqual([first.id]);
    await gdpr.breaches.notifyAuthority(first.id);
    expect(await gdpr.breaches.dueSoon(24 * HOUR)).toEqual([]);
    expect((await gdpr.breaches.list({ status: 'open' })).length).toBe(2);
    await expect(gdpr.breaches.open({ title: '' } as never)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(gdpr.breaches.get('missing')).rejects.toMatchObject({ code: 'BREACH_NOT_FOUND' });
  });

  it('two concurrent updates both land (optimistic retry)', async () => {
    const { gdpr, open } = setup();
    const incident = await open();
    await Promise.all([
      gdpr.breaches.update(incident.id, { note: 'a' }),
      gdpr.breaches.update(incident.id, { note: 'b' }),
    ]);
    const after = await gdpr.breaches.get(incident.id);
    expect(after.phases.map((p) => p.note).sort()).toEqual([
      'Export file sent to the wrong customer',
      'a',
      'b',
    ]);
    expect(after.version).toBe(3);
  });
});

describe('breach register dates and deadlines (REQ-33, docs/breaches.md)', () => {
  const code = async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      return (error as { code?: string }).code;
    }
    return undefined;
  };

  it('a null awareAt is refused, not read as 1 January 1970; so is one in the future', async () => {
    const { gdpr, clock, open } = setup();
    const base = await open();
    const fields = {
      title: base.title,
      nature: base.nature,
      likelyConsequences: base.likelyConsequences,
      measures: base.measures,
      risk: base.risk,
    };
    expect(
      await code(() => gdpr.breaches.open({ ...fields, awareAt: null as unknown as Date })),
    ).toBe('VALIDATION_FAILED');
    expect(
      await code(() =>
        gdpr.breaches.open({ ...fields, awareAt: new Date(clock().getTime() + 2 * HOUR) }),
      ),
    ).toBe('VALIDATION_FAILED');
    expect(await gdpr.breaches.list()).toHaveLength(1);
  });

  it('BREACH_DELAY_REASON_REQUIRED cannot be dodged with a null or backdated notification time', async () => {
    const { gdpr, clock, open } = setup();
    const incident = await open();
    clock.advance(80 * HOUR);
    for (const at of [null, new Date('2026-03-01T00:00:00.000Z'), 0]) {
      expect(
        await code(() => gdpr.breaches.notifyAuthority(incident.id, { at: at as unknown as Date })),
      ).toBe('VALIDATION_FAILED');
      expect(
        await code(() => gdpr.breaches.close(incident.id, { at: at as unknown as Date })),
      ).toBe('VALIDATION_FAILED');
    }
    // In the future, too.
    expect(
      await code(() =>
        gdpr.breaches.notifySubjects(incident.id, { at: new Date(clock().getTime() + HOUR) }),
      ),
    ).toBe('VALIDATION_FAILED');
    expect((await gdpr.breaches.get(incident.id)).phases).toHaveLength(1);
    expect(await code(() => gdpr.breaches.notifyAuthority(incident.id))).toBe(
      'BREACH_DELAY_REASON_REQUIRED',
    );
    // A time inside the 72 hours, recorded afterwards, needs no reason.
    const notified = await gdpr.breaches.notifyAuthority(incident.id, {
      at: new Date(incident.awareAt.getTime() + 10 * HOUR),
    });
    expect(notified.delayReason).toBeUndefined();
  });

  it('dueSoon finds an overdue breach behind a thousand newer open ones', async () => {
    const { gdpr, clock, open } = setup();
    const overdue = await open('risk');
    clock.advance(100 * HOUR);
    for (let i = 0; i < 1_000; i += 1) await open('unlikely');
    expect((await gdpr.breaches.dueSoon()).map((b) => b.id)).toEqual([overdue.id]);
    // Not a number: refused, not an empty list.
    for (const withinMs of [Number.NaN, '24h'])
      expect(await code(() => gdpr.breaches.dueSoon(withinMs as unknown as number))).toBe(
        'VALIDATION_FAILED',
      );
  });
});

describe('information in phases (Art. 33(4), REQ-33)', () => {
  it('a follow-up to the authority after the 72 hours keeps the timely first notification: no delay reason, closes', async () => {
    const { gdpr, clock, open } = setup();
    const incident = await open();
    clock.advance(10 * HOUR);
    const first = await gdpr.breaches.notifyAuthority(incident.id, { reference: 'CNIL-1' });
    clock.advance(70 * HOUR);
    const followUp = await gdpr.breaches.notifyAuthority(incident.id, {
      note: 'Scope confirmed, sent to the authority',
    });
    expect(followUp.authorityNotifiedAt).toEqual(first.authorityNotifiedAt);
    expect(followUp.authorityReference).toBe('CNIL-1');
    expect(followUp.phases.map((p) => p.kind)).toEqual([
      'opened',
      'authority-notified',
      'authority-notified',
    ]);
    const closed = await gdpr.breaches.close(incident.id);
    expect(closed.delayReason).toBeUndefined();
  });
});
