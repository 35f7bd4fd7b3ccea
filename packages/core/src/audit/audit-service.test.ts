import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { testGdpr } from '../testing/test-gdpr.js';

describe('gdpr.audit.record (REQ-32)', () => {
  it('REQ-32: refuses an address as subjectRef without echoing it, and writes nothing', async () => {
    const { gdpr } = testGdpr();
    const address = 'victim@example.org';
    let refused: unknown;
    try {
      await gdpr.audit.record({ actor: 'admin', action: 'app.fix', subjectRef: address });
    } catch (error) {
      refused = error;
    }
    expect(isGdprMailError(refused, 'VALIDATION_FAILED')).toBe(true);
    // Not in the message, the details or the issues: the error may be logged.
    expect(JSON.stringify(refused)).not.toContain('victim');
    expect((refused as Error).message).not.toContain('victim');
    expect(await gdpr.audit.verify()).toEqual({ ok: true, checked: 0 });
  });

  it('REQ-32: records a pseudonymous reference: a subject id or the keyed suppression hash', async () => {
    const { gdpr } = testGdpr();
    const subject = await gdpr.subjects.upsert('ann@example.org');
    const byId = await gdpr.audit.record({
      actor: 'admin:dpo',
      action: 'app.manual-fix',
      subjectRef: subject.id,
      details: { ticket: 'T-42' },
    });
    const byHash = await gdpr.audit.record({
      actor: 'admin:dpo',
      action: 'app.manual-fix',
      subjectRef: gdpr.suppression.hash('ann@example.org'),
    });
    expect(byId).toMatchObject({ subjectRef: subject.id, details: { ticket: 'T-42' } });
    expect(byHash.seq).toBe(byId.seq + 1);
    expect((await gdpr.audit.verify()).ok).toBe(true);
  });
});
