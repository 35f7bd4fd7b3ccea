import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { checkboxEvidence, openTrackingOverrides, testConfig } from '../testing/fixtures.js';

const EMAIL = 'reader@example.org';

function trackingMail() {
  return createGdprMail(
    testConfig({
      ...openTrackingOverrides(),
    }),
  );
}

describe('tracking.open', () => {
  it('REQ-15: DNT or Sec-GPC on the hit is not counted, before the person is looked up', async () => {
    const gdpr = trackingMail();
    try {
      await gdpr.consent.record({
        email: EMAIL,
        purposes: ['open_tracking'],
        evidence: checkboxEvidence,
      });
      const subject = (await gdpr.subjects.get(EMAIL))!;
      const token = gdpr.tokens.sign({
        type: 'open',
        subjectId: subject.id,
        purposes: ['open_tracking'],
      });
      expect(await gdpr.tracking.open(token, { dnt: true, gpc: false })).toEqual({
        counted: false,
        reason: 'privacy-signal',
      });
      expect(await gdpr.tracking.open(token, { dnt: false, gpc: true })).toEqual({
        counted: false,
        reason: 'privacy-signal',
      });
      expect(await gdpr.tracking.open(token, { dnt: false, gpc: false })).toEqual({
        counted: true,
        subjectId: subject.id,
        reason: 'consented',
      });
      expect((await gdpr.tracking.open(token)).counted).toBe(true);
    } finally {
      await gdpr.close();
    }
  });

  it('REQ-15: a signal stored on the profile at signup still blocks the count without one on the hit', async () => {
    const gdpr = trackingMail();
    try {
      await gdpr.consent.record({
        email: EMAIL,
        purposes: ['open_tracking'],
        evidence: checkboxEvidence,
      });
      await gdpr.subjects.upsert(EMAIL, {
        privacySignals: { dnt: true, gpc: false, at: new Date() },
      });
      const subject = (await gdpr.subjects.get(EMAIL))!;
      const token = gdpr.tokens.sign({
        type: 'open',
        subjectId: subject.id,
        purposes: ['open_tracking'],
      });
      expect(await gdpr.tracking.open(token, { dnt: false, gpc: false })).toEqual({
        counted: false,
        subjectId: subject.id,
        reason: 'privacy-signal',
      });
    } finally {
      await gdpr.close();
    }
  });
});
