import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEea, TRANSFER_SAFEGUARDS } from '../records/eea.js';
import type { OutgoingMessage } from '../transport/outgoing-message.js';
import { FAILURE_CATEGORIES } from '../transport/send-result.js';
import type { Transport } from '../transport/transport.js';

/** What the peer (a test SMTP server, a mock API, the memory transport) received. */
export interface ReceivedMessage {
  /** The recipient address. */
  to: string;
  subject: string;
  /** Header fields by lower-cased name, values as received (unfolded). */
  headers: Readonly<Record<string, string>>;
  text?: string;
  messageId?: string;
}

export interface TransportConformanceOptions {
  /**
   * Every message the peer received so far (across tests: the suite tells its
   * messages apart by unique subjects). Without it the suite only checks results.
   */
  received?: () => Promise<readonly ReceivedMessage[]>;
  /** A recipient the peer refuses for good (e.g. SMTP 550), to check `rejected`. */
  rejectedRecipient?: string;
  /** Sender address the peer accepts. Default `sender@example.test`. */
  from?: string;
  /** The transport offers `lookup`: checks its contract. */
  lookup?: boolean;
  /** Called after each test with the transport it made. Defaults to `transport.close?.()`. */
  teardown?: (transport: Transport) => Promise<void>;
}

/**
 * The behaviour every transport must show. From a driver's test file:
 * `runTransportConformance('smtp', () => createSmtpTransport(...), { received })`.
 * Each test gets a fresh transport from `makeTransport`.
 */
export function runTransportConformance(
  name: string,
  makeTransport: () => Transport | Promise<Transport>,
  options: TransportConformanceOptions = {},
): void {
  const from = options.from ?? 'sender@example.test';

  function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
    const id = randomUUID();
    return {
      from,
      to: `rcpt-${id.slice(0, 8)}@example.test`,
      subject: `conformance ${id}`,
      text: `Hello ${id}`,
      ...overrides,
    };
  }

  async function receivedWithSubject(subject: string): Promise<ReceivedMessage[]> {
    if (!options.received) return [];
    return (await options.received()).filter((m) => m.subject === subject);
  }

  describe(`Transport conformance: ${name}`, () => {
    let transport: Transport;

    beforeEach(async () => {
      transport = await makeTransport();
    });
    afterEach(async () => {
      await (options.teardown ? options.teardown(transport) : transport.close?.());
    });

    it('declares its capabilities and its processor for the record of processing', () => {
      const { capabilities, processor } = transport;
      expect(transport.name).toMatch(/\S/);
      expect(capabilities.maxBatchSize).toBeGreaterThanOrEqual(1);
      expect(capabilities.maxRecipients).toBeGreaterThanOrEqual(1);
      expect(typeof capabilities.customHeaders).toBe('boolean');
      expect(typeof capabilities.nativeIdempotency).toBe('boolean');
      expect(processor.name).toMatch(/\S/);
      expect(processor.role).toMatch(/\S/);
      expect(processor.country).toMatch(/^[A-Z]{2}$/);
      // Outside the EEA a transfer needs a safeguard (Chapter V), as in the config.
      if (!isEea(processor.country))
        expect(TRANSFER_SAFEGUARDS).toContain(processor.transferSafeguard);
    });

    it('sends one message and answers accepted with a provider id', async () => {
      const msg = message();
      const result = await transport.send(msg);
      expect(result).toMatchObject({ status: 'accepted' });
      if (result.status === 'accepted') expect(result.providerMessageId).toMatch(/\S/);
      if (options.received) {
        const arrived = await receivedWithSubject(msg.subject);
        expect(arrived).toHaveLength(1);
        expect(arrived[0]?.to).toBe(msg.to);
      }
    });

    it('answers a batch with one result per message, in order', async () => {
      const batch = [message(), message(), message()];
      const results = await transport.sendBatch(batch);
      expect(results).toHaveLength(3);
      for (const result of results) expect(result.status).toBe('accepted');
      const ids = results.map((r) => (r.status === 'accepted' ? r.providerMessageId : ''));
      expect(new Set(ids).size).toBe(3);
      for (const msg of batch) {
        if (options.received) expect(await receivedWithSubject(msg.subject)).toHaveLength(1);
      }
      expect(await transport.sendBatch([])).toEqual([]);
    });

    it('reports an invalid message in a batch as a result, sends the others, never throws', async () => {
      const good1 = message();
      const bad = message({ headers: { 'X-Evil': 'a\r\nBcc: victim@example.test' } });
      const badAddress = message({ to: 'not an address' });
      const good2 = message();
      const results = await transport.sendBatch([good1, bad, badAddress, good2]);
      expect(results.map((r) => r.status)).toEqual(['accepted', 'failed', 'failed', 'accepted']);
      for (const result of [results[1], results[2]]) {
        expect(result).toMatchObject({
          status: 'failed',
          error: { category: 'invalid', retryable: false },
        });
      }
      const single = await transport.send(bad);
      expect(single).toMatchObject({ status: 'failed', error: { category: 'invalid' } });
      if (options.received) {
        expect(await receivedWithSubject(bad.subject)).toHaveLength(0);
        expect(await receivedWithSubject(good2.subject)).toHaveLength(1);
      }
    });

    // Only registered where the peer can refuse a recipient (a fake that accepts all cannot).
    if (options.rejectedRecipient !== undefined)
      it('reports a recipient the provider refuses as rejected, not retryable, in place', async () => {
        const refused = message({ to: options.rejectedRecipient as string });
        const results = await transport.sendBatch([message(), refused, message()]);
        expect(results.map((r) => r.status)).toEqual(['accepted', 'failed', 'accepted']);
        expect(results[1]).toMatchObject({
          status: 'failed',
          error: { category: 'rejected', retryable: false },
        });
        const error = results[1]?.status === 'failed' ? results[1].error : undefined;
        expect(FAILURE_CATEGORIES).toContain(error?.category);
        expect(error?.message).not.toContain(options.rejectedRecipient);
      });

    it('delivers custom headers unchanged where it claims customHeaders', async (context) => {
      if (!transport.capabilities.customHeaders || !options.received) {
        context.skip();
        return;
      }
      const token = randomUUID();
      const headers = {
        'List-Unsubscribe': `<https://mail.example.test/u/${token}>, <mailto:unsubscribe+${token}@example.test>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Gdpr-Mail-Delivery': token,
      };
      const msg = message({ headers, messageId: `<${token}@conformance.example.test>` });
      const result = await transport.send(msg);
      expect(result.status).toBe('accepted');
      const [arrived] = await receivedWithSubject(msg.subject);
      expect(arrived?.headers['list-unsubscribe']).toBe(headers['List-Unsubscribe']);
      expect(arrived?.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
      expect(arrived?.headers['x-gdpr-mail-delivery']).toBe(token);
      if (arrived?.messageId !== undefined) expect(arrived.messageId).toBe(msg.messageId);
    });

    it('honours an aborted signal: every message comes back aborted, nothing is sent', async () => {
      const controller = new AbortController();
      controller.abort();
      const batch = [message(), message()];
      const results = await transport.sendBatch(batch, { signal: controller.signal });
      expect(results).toHaveLength(2);
      for (const result of results) {
        expect(result).toMatchObject({ status: 'failed', error: { category: 'aborted' } });
      }
      const single = await transport.send(message(), { signal: controller.signal });
      expect(single).toMatchObject({ status: 'failed', error: { category: 'aborted' } });
      for (const msg of batch) expect(await receivedWithSubject(msg.subject)).toHaveLength(0);
    });

    // Only registered for a transport made with a lookup (a plain SMTP relay has none).
    if (options.lookup === true)
      it('looks messages up: one answer per query, in order; what it sent is found, nothing else', async () => {
        const lookup = transport.lookup?.bind(transport);
        expect(lookup).toBeTypeOf('function');
        if (!lookup) return;
        const id = randomUUID();
        const sentId = `<sent-${id}@conformance.example.test>`;
        const neverId = `<never-${id}@conformance.example.test>`;
        // As the mailer sends: a Message-ID and an idempotency key, either of which a lookup may use.
        const sent = message({ messageId: sentId, idempotencyKey: `k-sent-${id}` });
        expect((await transport.send(sent)).status).toBe('accepted');
        const answers = await lookup([
          { messageId: neverId, idempotencyKey: `k-never-${id}` },
          { messageId: sentId, idempotencyKey: `k-sent-${id}` },
        ]);
        expect(answers).toHaveLength(2);
        // A message never sent is never reported as accepted.
        expect(['not-found', 'unknown']).toContain(answers[0]?.status);
        expect(answers[1]?.status).toBe('accepted');
        expect(await lookup([])).toEqual([]);
      });

    it('closes idempotently', async () => {
      await transport.send(message());
      await transport.close?.();
      await transport.close?.();
    });
  });
}
