import { GdprMailError, InMemoryTransport } from '@gdpr-mail/core';
import { checkboxEvidence } from '@gdpr-mail/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

const email = 'dominique@example.org';

describe('#19 finding 7: a failed DSAR export does not burn the single-use link', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('REQ-21: the export fails with a problem response and onError, and the same link works afterwards', async () => {
    const transport = new InMemoryTransport();
    const errors: unknown[] = [];
    harness = await startHarness(
      { onError: (error) => errors.push(error) },
      {
        transport,
        mailer: {
          from: { address: 'privacy@acme.test' },
          retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        },
      },
    );
    const link = (path: string) => {
      const text = transport.sentTo(email).at(-1)?.message.text ?? '';
      return new RegExp(`https://app\\.acme\\.test(/gdpr${path}/\\S+)`).exec(text)?.[1];
    };
    await harness.gdpr.consent.record({
      email,
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    await harness.gdpr.dsar.request({ email, type: 'access' });
    const verify = await harness.agent().post(link('/dsar/verify')!).type('form').send({});
    expect(verify.status).toBe(200);
    const download = link('/dsar/download')!;

    // The store fails while the export reads the person's record.
    const getSubject = harness.store.getSubject.bind(harness.store);
    harness.store.getSubject = async () => {
      throw new GdprMailError('STORE_FAILURE', 'The store is unavailable.', { retryable: true });
    };
    const failed = await harness.agent().post(download).set('accept', 'application/json');
    expect(failed.status).toBe(503);
    expect(failed.headers['content-type']).toMatch(/problem\+json/);
    expect(failed.body.code).toBe('STORE_FAILURE');
    expect(errors).toHaveLength(1);

    // Fixed: the same link still downloads, once.
    harness.store.getSubject = getSubject;
    const file = await harness
      .agent()
      .post(download)
      .buffer(true)
      .parse((res, done) => {
        let data = '';
        res.on('data', (chunk: Buffer) => (data += chunk));
        res.on('end', () => done(null, data));
      });
    expect(file.status).toBe(200);
    expect(JSON.parse(file.body as string).subject.email).toBe(email);
    const again = await harness.agent().post(download).set('accept', 'application/json');
    expect(again.body.code).toBe('TOKEN_USED');
  });
});
