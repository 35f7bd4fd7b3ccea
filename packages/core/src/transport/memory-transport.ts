import { randomUUID } from 'node:crypto';
import { type DefinedTransport, defineTransport } from './define-transport.js';
import type { OutgoingMessage, ValidatedMessage } from './outgoing-message.js';
import { type FailureCategory, failed, type SendFailure, type SendResult } from './send-result.js';
import type {
  DeliveryLookup,
  DeliveryLookupResult,
  ProcessorDescriptor,
  SendOptions,
  Transport,
  TransportCapabilities,
} from './transport.js';

export interface SentMessage {
  message: ValidatedMessage;
  providerMessageId: string;
  /** True when the transport answered `ambiguous` although it kept the message. */
  ambiguous: boolean;
}

type Scripted =
  | { kind: 'fail'; failure: SendFailure; times: number }
  | { kind: 'ambiguous'; delivered: boolean; times: number };

export interface InMemoryTransportOptions {
  processor?: ProcessorDescriptor;
  capabilities?: Partial<TransportCapabilities>;
  /**
   * Offer `lookup` (default true): a Message-ID among the kept messages is
   * `accepted`, any other `not-found`. `false` stands for a provider that
   * cannot be asked, like a plain SMTP relay.
   */
  lookup?: boolean;
}

/**
 * A transport that keeps what it "sends", for apps' own tests. Script faults
 * per recipient with `failFor` and `ambiguousFor`; read `sent` or `sentTo()`.
 */
export class InMemoryTransport implements Transport {
  readonly name = 'memory';
  readonly capabilities: TransportCapabilities;
  readonly processor: ProcessorDescriptor;
  /** Every message the transport kept, in order. */
  readonly sent: SentMessage[] = [];
  /** How many `send` calls each recipient got, including failed ones. */
  readonly attempts = new Map<string, number>();
  readonly lookup?: (queries: readonly DeliveryLookup[]) => Promise<DeliveryLookupResult[]>;
  private readonly scripts = new Map<string, Scripted>();
  // Abort, closed and validation checks are defineTransport's, as for every driver.
  private readonly inner: DefinedTransport;

  constructor(options: InMemoryTransportOptions = {}) {
    // Nothing leaves the process; an EEA country keeps test records free of transfers.
    this.processor = options.processor ?? {
      name: 'In-memory test transport',
      role: 'email delivery (tests)',
      country: 'FR',
    };
    this.capabilities = {
      maxBatchSize: 100,
      maxRecipients: 1,
      customHeaders: true,
      nativeIdempotency: false,
      ...options.capabilities,
    };
    this.inner = defineTransport({
      name: this.name,
      capabilities: this.capabilities,
      processor: this.processor,
      sendValidated: (message) => this.deliver(message),
    });
    if (options.lookup !== false) {
      this.lookup = async (queries) =>
        queries.map(({ messageId }): DeliveryLookupResult => {
          const kept = this.sent.find((entry) => entry.message.messageId === messageId);
          return kept
            ? { status: 'accepted', providerMessageId: kept.providerMessageId }
            : { status: 'not-found' };
        });
    }
  }

  /**
   * The next `times` sends to `recipient` fail with `category` (retryable as
   * the category implies unless `failure.retryable` says otherwise).
   */
  failFor(
    recipient: string,
    category: FailureCategory,
    failure: Partial<Omit<SendFailure, 'category'>> & { times?: number } = {},
  ): this {
    const { times = Number.POSITIVE_INFINITY, ...rest } = failure;
    const base = failed(category, rest.message ?? `Scripted ${category} failure.`, rest).error;
    this.scripts.set(recipient.toLowerCase(), { kind: 'fail', failure: base, times });
    return this;
  }

  /**
   * The next `times` sends to `recipient` answer `ambiguous`. By default the
   * message is kept anyway (it "arrived"), the case a blind retry would double.
   */
  ambiguousFor(recipient: string, options: { delivered?: boolean; times?: number } = {}): this {
    this.scripts.set(recipient.toLowerCase(), {
      kind: 'ambiguous',
      delivered: options.delivered ?? true,
      times: options.times ?? Number.POSITIVE_INFINITY,
    });
    return this;
  }

  /** Messages kept for one recipient (case-insensitive). */
  sentTo(recipient: string): SentMessage[] {
    const wanted = recipient.toLowerCase();
    return this.sent.filter((entry) => entry.message.to.address.toLowerCase() === wanted);
  }

  /** Forgets sent messages, attempts and scripts. */
  reset(): void {
    this.sent.length = 0;
    this.attempts.clear();
    this.scripts.clear();
  }

  send(message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
    return this.inner.send(message, options);
  }

  /** One `send` after the other, so a subclass that overrides `send` sees every message. */
  async sendBatch(
    messages: readonly OutgoingMessage[],
    options: SendOptions = {},
  ): Promise<SendResult[]> {
    const results: SendResult[] = [];
    for (const message of messages) results.push(await this.send(message, options));
    return results;
  }

  async verify(): Promise<void> {}

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The provider's part: scripted faults, else keep the message. */
  private async deliver(validated: ValidatedMessage): Promise<SendResult> {
    const recipient = validated.to.address.toLowerCase();
    this.attempts.set(recipient, (this.attempts.get(recipient) ?? 0) + 1);
    const script = this.scripts.get(recipient);
    if (script && script.times > 0) {
      script.times -= 1;
      if (script.kind === 'fail') return { status: 'failed', error: { ...script.failure } };
      if (script.delivered) this.keep(validated, true);
      return { status: 'ambiguous', message: 'Scripted ambiguous result.' };
    }
    const providerMessageId = this.keep(validated, false);
    const result: SendResult = { status: 'accepted', providerMessageId };
    if (validated.messageId !== undefined) result.messageId = validated.messageId;
    return result;
  }

  private keep(message: ValidatedMessage, ambiguous: boolean): string {
    const providerMessageId = `memory-${randomUUID()}`;
    this.sent.push({ message, providerMessageId, ambiguous });
    return providerMessageId;
  }
}
