import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

const trackingConfig = () => {
  const base = testConfig();
  return {
    tracking: { mode: 'individual' as const, purposeId: 'open_tracking' },
    purposes: [
      ...base.purposes,
      {
        id: 'open_tracking',
        title: 'Measure opens',
        kind: 'tracking' as const,
        lawfulBasis: 'consent' as const,
        notice: {
          version: '1.0',
          text: 'Acme SAS measures whether you open its emails. Withdraw at any time.',
        },
        retention: { duration: 'P1Y', anchor: 'collected' as const },
      },
    ],
  };
};

describe('tracking pixel (REQ-29, REQ-30)', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('counts an open only while the person consents, and always answers the same GIF', async () => {
    const opens: string[] = [];
    harness = await startHarness(
      { tracking: { onOpen: ({ subjectId }) => void opens.push(subjectId) } },
      trackingConfig(),
    );
    const { gdpr } = harness;
    const email = 'reader@example.org';
    await gdpr.consent.record({
      email,
      purposes: ['newsletter', 'open_tracking'],
      evidence: checkboxEvidence,
    });
    const subject = (await gdpr.subjects.get(email))!;
    const token = gdpr.tokens.sign({
      type: 'open',
      subjectId: subject.id,
      purposes: ['open_tracking'],
    });

    const first = await harness.agent().get(`/gdpr/t/o/${token}.gif`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('image/gif');
    expect(first.headers['cache-control']).toContain('no-store');
    expect(first.headers['referrer-policy']).toBe('no-referrer');
    expect(first.body.subarray(0, 6).toString()).toBe('GIF89a');
    expect(opens).toEqual([subject.id]);

    // Withdrawn after the mail was sent: the same pixel no longer counts (REQ-30).
    await gdpr.consent.withdraw({
      email,
      purposes: ['open_tracking'],
      evidence: { source: 'link' },
    });
    const second = await harness.agent().get(`/gdpr/t/o/${token}.gif`);
    expect(second.status).toBe(200);
    expect(second.body.equals(first.body)).toBe(true);
    expect(opens).toEqual([subject.id]);

    // A forged token gets the same GIF and counts nothing.
    const forged = await harness.agent().get(`/gdpr/t/o/${token}x.gif`);
    expect(forged.status).toBe(200);
    expect(opens).toHaveLength(1);
  });

  it('counts the shared campaign pixel only in aggregate mode', async () => {
    const campaigns: string[] = [];
    harness = await startHarness(
      { tracking: { onAggregateOpen: (id) => void campaigns.push(id) } },
      { tracking: { mode: 'aggregate' } },
    );
    expect((await harness.agent().get('/gdpr/t/c/nov-2026.gif')).status).toBe(200);
    expect((await harness.agent().get('/gdpr/t/c/bad%20id.gif')).status).toBe(200);
    expect(campaigns).toEqual(['nov-2026']);
  });
});
