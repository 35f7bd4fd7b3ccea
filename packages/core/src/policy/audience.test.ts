import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';

describe('gdpr.audience', () => {
  it('yields exactly the addresses canSend allows, across batches', async () => {
    const gdpr = createGdprMail(testConfig());
    const emails = Array.from({ length: 12 }, (_, i) => `p${i}@example.test`);
    for (const email of emails) {
      await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    }
    await gdpr.consent.withdraw({
      email: emails[0]!,
      purposes: ['newsletter'],
      evidence: { source: 'link' },
    });
    await gdpr.consent.object({ email: emails[1]!, evidence: { source: 'reply' } });
    await gdpr.suppression.add(emails[2]!, 'hard-bounce');
    await gdpr.subjects.upsert(emails[3]!, { restriction: { at: new Date(), reason: 'Art. 18' } });
    await gdpr.consent.record({
      email: 'other@example.test',
      purposes: ['partners'],
      evidence: checkboxEvidence,
    });

    const members = [];
    for await (const member of gdpr.audience('newsletter', { batchSize: 5 })) members.push(member);

    const expected = [];
    for (const email of [...emails, 'other@example.test']) {
      if ((await gdpr.canSend(email, 'newsletter')).allowed) expected.push(email);
    }
    expect(members.map((m) => m.email).sort()).toEqual(expected.sort());
    expect(expected).toHaveLength(8);
    expect(members.every((m) => m.decision.reason === 'consent-granted')).toBe(true);
  });

  it('refuses an unknown purpose at once', () => {
    const gdpr = createGdprMail(testConfig());
    expect(() => gdpr.audience('nope')).toThrow(/No purpose "nope"/);
  });
});
