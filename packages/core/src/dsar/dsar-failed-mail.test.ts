import { describe, expect, it } from 'vitest';
import { checkboxEvidence } from '../testing/fixtures.js';
import { testGdpr } from '../testing/test-gdpr.js';

const email = 'camille@example.org';

function setup() {
  const ctx = testGdpr({ outbox: { maxAttempts: 5, retryBaseMs: 60_000 } });
  const link = (path: string) => {
    const text = ctx.transport.sentTo(email).at(-1)?.message.text ?? '';
    const url = new RegExp(`(https://\\S+${path}/\\S+)`).exec(text)?.[1];
    return url ? url.slice(url.lastIndexOf('/') + 1) : undefined;
  };
  return { ...ctx, link };
}

async function auditActions(gdpr: ReturnType<typeof testGdpr>['gdpr']): Promise<string[]> {
  const actions: string[] = [];
  for await (const entry of gdpr.audit.entries()) actions.push(entry.action);
  return actions;
}

describe('a DSAR mail the transport did not take is not recorded as sent (REQ-20, REQ-21, SEED-12)', () => {
  it('SEED-12: sendDownloadLink fails loudly and records no download-link-sent step', async () => {
    const { gdpr, transport, link } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.dsar.request({ email, type: 'access' });
    const request = await gdpr.dsar.verify(link('/dsar/verify')!);

    transport.failFor(email, 'transient', {
      retryable: true,
      message: `451 temporary failure for <${email}>`,
      times: 1,
    });
    const error = await gdpr.dsar.sendDownloadLink(request.id).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: true });
    // The error may be logged: it does not repeat the provider's text naming the person.
    expect(JSON.stringify(error)).not.toContain(email);
    expect(String((error as Error).message)).not.toContain(email);
    const after = await gdpr.dsar.get(request.id);
    expect(after.steps.map((s) => s.action)).not.toContain('download-link-sent');
    expect(await auditActions(gdpr)).not.toContain('dsar.download-link-sent');

    // Once the transport takes it, the link goes out and the step is recorded.
    await gdpr.dsar.sendDownloadLink(request.id);
    expect((await gdpr.dsar.get(request.id)).steps.at(-1)?.action).toBe('download-link-sent');
    expect(link('/dsar/download')).toBeDefined();
  });

  it('SEED-12: a download link the mailer refuses (the address bounced since) throws SUPPRESSED and records nothing', async () => {
    const { gdpr, transport, link } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.dsar.request({ email, type: 'access' });
    const request = await gdpr.dsar.verify(link('/dsar/verify')!);
    const before = transport.sentTo(email).length;

    await gdpr.suppression.add(email, 'hard-bounce');
    const error = await gdpr.dsar.sendDownloadLink(request.id).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SUPPRESSED', details: { reason: 'suppressed' } });
    expect(String((error as Error).message)).not.toContain(email);
    expect(transport.sentTo(email)).toHaveLength(before);
    const after = await gdpr.dsar.get(request.id);
    // Still open for the controller to answer another way, and no step claims a mail.
    expect(after.status).toBe('identity-verified');
    expect(after.steps.map((s) => s.action)).not.toContain('download-link-sent');
    expect(await auditActions(gdpr)).not.toContain('dsar.download-link-sent');
  });

  it('REQ-21: a DSAR request queued in the outbox is retried when its verification mail fails', async () => {
    const { gdpr, transport, clock, link } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    transport.failFor(email, 'transient', { retryable: true, times: 1 });
    await gdpr.outbox.enqueue({ kind: 'dsar-request', email, type: 'erasure' });

    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 1, dropped: 0 });
    expect(link('/dsar/verify')).toBeUndefined();
    clock.advance(60_000);
    expect(await gdpr.outbox.drain()).toEqual({ done: 1, retried: 0, dropped: 0 });
    // The retry re-sends the one recorded request's link; it verifies.
    const requests = await gdpr.dsar.list();
    expect(requests).toHaveLength(1);
    expect((await gdpr.dsar.verify(link('/dsar/verify')!)).status).toBe('identity-verified');
  });

  it('REQ-21: four refused verification mails in a row still end in one mail whose link verifies (retries are not re-sends)', async () => {
    // A re-send of a pending request counts against 3 an hour and 3 a day per address: were
    // each retry a new `dsar.request`, the third refused mail would use up the allowance and
    // the outbox would finish the item with no mail ever sent.
    const { gdpr, transport, clock, link } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    transport.failFor(email, 'transient', { retryable: true, times: 4 });
    await gdpr.outbox.enqueue({ kind: 'dsar-request', email, type: 'access' });
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 1, dropped: 0 });
      clock.advance(60_000 * 2 ** (attempt - 1));
    }
    expect(await gdpr.outbox.drain()).toEqual({ done: 1, retried: 0, dropped: 0 });
    expect(transport.sentTo(email)).toHaveLength(1);
    expect(await gdpr.dsar.list()).toHaveLength(1);
    expect((await gdpr.dsar.verify(link('/dsar/verify')!)).status).toBe('identity-verified');
  });

  it('REQ-21: a retried verification mail is not sent once the request was verified, and is made afresh once its link expired', async () => {
    const { gdpr, transport, clock, link } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    transport.failFor(email, 'transient', { retryable: true, times: 1 });
    await gdpr.outbox.enqueue({ kind: 'dsar-request', email, type: 'access' });
    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 1, dropped: 0 });
    // No drain for two days: the kept link (P1D) is dead, so the retry mails a fresh one.
    clock.advance(2 * 86_400_000);
    expect(await gdpr.outbox.drain()).toEqual({ done: 1, retried: 0, dropped: 0 });
    expect(transport.sentTo(email)).toHaveLength(1);
    expect(await gdpr.dsar.list()).toHaveLength(1);
    expect((await gdpr.dsar.verify(link('/dsar/verify')!)).status).toBe('identity-verified');

    // A second request whose mail fails, closed by the controller before the retry: the
    // retry sends nothing.
    transport.failFor(email, 'transient', { retryable: true, times: 1 });
    await gdpr.outbox.enqueue({ kind: 'dsar-request', email, type: 'erasure' });
    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 1, dropped: 0 });
    const [erasure] = (await gdpr.dsar.list()).filter((r) => r.type === 'erasure');
    await gdpr.dsar.reject(erasure!.id, 'handled by phone', 'dpo', { notify: false });
    clock.advance(60_000);
    expect(await gdpr.outbox.drain()).toEqual({ done: 1, retried: 0, dropped: 0 });
    expect(transport.sentTo(email)).toHaveLength(1);
  });
});
