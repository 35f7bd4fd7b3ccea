import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { type ReceivedMessage, runTransportConformance } from '../testing/transport-conformance.js';
import { defineTransport, type TransportDefinition } from './define-transport.js';
import type { OutgoingMessage, ValidatedMessage } from './outgoing-message.js';
import { failed, type SendResult } from './send-result.js';

const base = {
  name: 'test',
  capabilities: {
    maxBatchSize: 2,
    maxRecipients: 1,
    customHeaders: true,
    nativeIdempotency: false,
  },
  processor: { name: 'Test', role: 'email delivery', country: 'FR' },
} satisfies Omit<TransportDefinition, 'sendValidated'>;

function message(n: number, overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    from: 'a@example.test',
    to: `r${n}@example.test`,
    subject: `s${n}`,
    text: 't',
    ...overrides,
  };
}

function accepted(message: ValidatedMessage): SendResult {
  return { status: 'accepted', providerMessageId: `id-${message.to.address}` };
}

// What the fake provider kept, for the suite's delivery and header checks.
const kept: ReceivedMessage[] = [];
function keep(m: ValidatedMessage): SendResult {
  kept.push({
    to: m.to.address,
    subject: m.subject,
    headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k.toLowerCase(), v])),
    ...(m.text === undefined ? {} : { text: m.text }),
    ...(m.messageId === undefined ? {} : { messageId: m.messageId }),
  });
  return { status: 'accepted', providerMessageId: `id-${kept.length}` };
}
const received = async () => kept;

runTransportConformance(
  'defineTransport (single sends)',
  () => defineTransport({ ...base, sendValidated: async (m) => keep(m) }),
  { received },
);
runTransportConformance(
  'defineTransport (batch sends)',
  () => defineTransport({ ...base, sendValidatedBatch: async (ms) => ms.map(keep) }),
  { received },
);

describe('defineTransport: the shared preamble', () => {
  it('answers invalid messages in place and hands only valid ones to the provider, in chunks of maxBatchSize', async () => {
    const calls: string[][] = [];
    const transport = defineTransport({
      ...base,
      sendValidatedBatch: async (messages) => {
        calls.push(messages.map((m) => m.to.address));
        return messages.map(accepted);
      },
    });
    const results = await transport.sendBatch([
      message(1),
      message(2, { headers: { 'X-Evil': 'a\r\nBcc: b@example.test' } }),
      message(3),
      message(4, { to: 'not an address' }),
      message(5),
      message(6),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'accepted',
      'failed',
      'accepted',
      'failed',
      'accepted',
      'accepted',
    ]);
    expect(results[1]).toMatchObject({
      error: { category: 'invalid', providerCode: 'HEADER_INJECTION' },
    });
    expect(results[5]).toEqual({ status: 'accepted', providerMessageId: 'id-r6@example.test' });
    expect(calls).toEqual([
      ['r1@example.test', 'r3@example.test'],
      ['r5@example.test', 'r6@example.test'],
    ]);
  });

  it('keeps at most `concurrency` provider calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const transport = defineTransport({
      ...base,
      concurrency: 3,
      sendValidated: async (m) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        // Let every worker start before any finishes.
        for (let i = 0; i < 5; i++) await Promise.resolve();
        inFlight -= 1;
        return accepted(m);
      },
    });
    const results = await transport.sendBatch(Array.from({ length: 10 }, (_, i) => message(i)));
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    expect(most).toBe(3);
  });

  it('a driver that throws or answers short gives ambiguous for those messages only', async () => {
    const transport = defineTransport({
      ...base,
      sendValidatedBatch: async (messages) => {
        if (messages[0]?.to.address === 'r1@example.test') throw new Error('boom');
        return messages.slice(0, 1).map(accepted);
      },
    });
    const results = await transport.sendBatch([message(1), message(2), message(3), message(4)]);
    expect(results.map((r) => r.status)).toEqual([
      'ambiguous',
      'ambiguous',
      'accepted',
      'ambiguous',
    ]);
  });

  it('a failed precheck answers every valid message and calls nothing', async () => {
    let calls = 0;
    const transport = defineTransport({
      ...base,
      precheck: async () => failed('invalid', 'misconfigured', { retryable: false }),
      sendValidated: async (m) => {
        calls += 1;
        return accepted(m);
      },
    });
    const results = await transport.sendBatch([message(1), message(2, { to: 'bad' })]);
    expect(results[0]).toMatchObject({ error: { message: 'misconfigured' } });
    expect(results[1]).toMatchObject({
      error: { category: 'invalid', providerCode: 'INVALID_EMAIL' },
    });
    expect(calls).toBe(0);
  });

  it('an abort during a batch stops the chunks not yet handed over', async () => {
    const controller = new AbortController();
    const transport = defineTransport({
      ...base,
      sendValidatedBatch: async (messages) => {
        controller.abort();
        return messages.map(accepted);
      },
    });
    const results = await transport.sendBatch([message(1), message(2), message(3)], {
      signal: controller.signal,
    });
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'failed']);
    expect(results[2]).toMatchObject({ error: { category: 'aborted', retryable: false } });
  });

  it('closes the provider once; sends after close are transient, not retryable', async () => {
    let closes = 0;
    const transport = defineTransport({
      ...base,
      sendValidated: async (m) => accepted(m),
      close: async () => {
        closes += 1;
      },
    });
    await Promise.all([transport.close(), transport.close()]);
    await transport.close();
    expect(closes).toBe(1);
    expect(await transport.send(message(1))).toMatchObject({
      status: 'failed',
      error: { category: 'transient', retryable: false, message: 'The test transport is closed.' },
    });
  });

  it('lookup: no call for no query, and a provider answering the wrong count is an error', async () => {
    let calls = 0;
    const transport = defineTransport({
      ...base,
      sendValidated: async (m) => accepted(m),
      lookup: async () => {
        calls += 1;
        return [{ status: 'unknown' as const }];
      },
    });
    // The definition gave lookup: the result's lookup is not optional.
    expect(await transport.lookup([])).toEqual([]);
    expect(calls).toBe(0);
    const query = { messageId: '<a@example.test>', idempotencyKey: 'k1' };
    expect(await transport.lookup([query])).toEqual([{ status: 'unknown' }]);
    const error = await transport.lookup([query, query]).catch((e: unknown) => e);
    expect(isGdprMailError(error, 'PROVIDER_UNAVAILABLE')).toBe(true);
  });

  it('passes verify and eraseContact through, and refuses a definition without a send', async () => {
    const erased: string[] = [];
    const transport = defineTransport({
      ...base,
      sendValidated: async (m) => accepted(m),
      verify: async () => {},
      eraseContact: async (email) => {
        erased.push(email);
        return { ok: true };
      },
    });
    await transport.verify();
    expect(await transport.eraseContact('x@example.test')).toEqual({ ok: true });
    expect(erased).toEqual(['x@example.test']);
    const bare = defineTransport({ ...base, sendValidated: async (m) => accepted(m) });
    expect(bare.verify).toBeUndefined();
    expect(bare.lookup).toBeUndefined();
    expect(() => defineTransport({ ...base } as unknown as TransportDefinition)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('defineTransport: the processor', () => {
  it('REQ-31: checks it as the config checks processors, and upper-cases the country', () => {
    const make = (processor: TransportDefinition['processor']) =>
      defineTransport({ ...base, processor, sendValidated: async (m) => accepted(m) });
    const relay = { name: 'Relay', role: 'email delivery' };
    expect(make({ ...relay, country: 'fr' }).processor.country).toBe('FR');
    expect(
      make({ ...relay, country: 'US', transferSafeguard: 'adequacy-decision' }).processor.country,
    ).toBe('US');
    for (const processor of [
      { ...relay, country: 'US' },
      { ...relay, country: 'US', transferSafeguard: 'pinky-promise' as never },
      { ...relay, country: 'France' },
      { ...relay, name: ' ', country: 'FR' },
    ]) {
      expect(() => make(processor)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });
});
