import { describe, expect, it } from 'vitest';
import type { GdprMail } from '../../gdpr-mail.js';
import { createGdprMail } from '../../gdpr-mail.js';
import { checkboxEvidence, openTrackingOverrides, testConfig } from '../../testing/fixtures.js';
import { createGdprHandler } from '../handler/create-gdpr-handler.js';

const EMAIL = 'reader@example.org';

function trackingMail(): GdprMail {
  return createGdprMail(
    testConfig({
      ...openTrackingOverrides(),
    }),
  );
}

/** A person who ticked the tracking box at signup, with no signal then, and a pixel of theirs. */
async function consentingReader(gdpr: GdprMail): Promise<{ subjectId: string; token: string }> {
  await gdpr.consent.record({
    email: EMAIL,
    purposes: ['newsletter', 'open_tracking'],
    evidence: checkboxEvidence,
  });
  const subject = (await gdpr.subjects.get(EMAIL))!;
  const token = gdpr.tokens.sign({
    type: 'open',
    subjectId: subject.id,
    purposes: ['open_tracking'],
  });
  return { subjectId: subject.id, token };
}

describe('personal tracking pixel and the privacy signals of the hit', () => {
  it('REQ-15, REQ-30: a hit with DNT or Sec-GPC counts nothing, though the person consented', async () => {
    const gdpr = trackingMail();
    const opens: string[] = [];
    const handler = createGdprHandler(gdpr, {
      tracking: { onOpen: ({ subjectId }) => void opens.push(subjectId) },
    });
    const { subjectId, token } = await consentingReader(gdpr);
    const hit = (headers: Record<string, string> = {}, context = {}) =>
      handler(new Request(`https://app.acme.test/gdpr/t/o/${token}.gif`, { headers }), context);
    try {
      const dnt = await hit({ dnt: '1' });
      const gpc = await hit({ 'sec-gpc': '1' });
      // Signals an adapter read before the handler (Express's `req.privacySignals`).
      const given = await hit({}, { privacySignals: { dnt: false, gpc: true } });
      expect(opens).toEqual([]);
      // The answer says nothing of the choice: the same GIF every time.
      const counted = await hit();
      expect(opens).toEqual([subjectId]);
      const bodies = await Promise.all([dnt, gpc, given, counted].map((r) => r.arrayBuffer()));
      for (const [i, response] of [dnt, gpc, given].entries()) {
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('image/gif');
        expect(Buffer.from(bodies[i]!).equals(Buffer.from(bodies[3]!))).toBe(true);
      }
      // Only the exact value 1 is a signal.
      await hit({ dnt: '0', 'sec-gpc': 'yes' });
      expect(opens).toEqual([subjectId, subjectId]);
    } finally {
      await gdpr.close();
    }
  });
});
