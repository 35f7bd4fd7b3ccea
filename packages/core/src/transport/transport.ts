import type { TransferSafeguard } from '../records/eea.js';
import type { OutgoingMessage } from './outgoing-message.js';
import type { SendResult } from './send-result.js';

export interface TransportCapabilities {
  /** Most messages the provider takes in one call; `sendBatch` chunks larger batches itself. */
  maxBatchSize: number;
  /** Most recipients the provider takes on one message (gdpr-mail always sends one). */
  maxRecipients: number;
  /** Whether `message.headers` reach the wire unchanged (List-Unsubscribe needs this). */
  customHeaders: boolean;
  /** Whether the provider deduplicates on `message.idempotencyKey` itself. */
  nativeIdempotency: boolean;
}

/**
 * Who handles the mail on our behalf, for the record of processing (Art. 30)
 * and the sub-processor register: declared by the driver or its user. Same
 * shape as a `processors` entry of the config, so it can be listed there.
 */
export interface ProcessorDescriptor {
  /** Legal or service name, e.g. "Mailjet SAS" or "Our Postfix relay". */
  name: string;
  /** What it does for us, e.g. "email delivery". */
  role: string;
  /** ISO 3166-1 alpha-2 country where the data is processed, e.g. "FR". */
  country: string;
  /** Provider region, e.g. "eu-west-1". */
  region?: string;
  /** Required when `country` is outside the EEA (Chapter V GDPR). */
  transferSafeguard?: TransferSafeguard;
}

export interface SendOptions {
  /** Aborting stops messages not yet handed over; they come back `failed` / `aborted`. */
  signal?: AbortSignal;
}

/**
 * A transport sends, it does not decide: consent, suppression, unsubscribe
 * headers, retries, rate limits and idempotency live in core around it.
 *
 * Contract (checked by `runTransportConformance`): one result per message, in
 * order; a per-message failure is a result, never a thrown error; a message
 * whose fate is unknown is `ambiguous`, never reported as failed-retryable.
 */
export interface Transport {
  /** Short driver name for logs and delivery records, e.g. "smtp". */
  readonly name: string;
  readonly capabilities: TransportCapabilities;
  readonly processor: ProcessorDescriptor;
  send(message: OutgoingMessage, options?: SendOptions): Promise<SendResult>;
  sendBatch(messages: readonly OutgoingMessage[], options?: SendOptions): Promise<SendResult[]>;
  /** Checks connectivity and credentials; throws a GdprMailError when they fail. */
  verify?(options?: SendOptions): Promise<void>;
  /** Releases connections. Idempotent. */
  close?(): Promise<void>;
  /**
   * Deletes the person at the provider (its contact lists, stored events) when
   * they are erased (Art. 19, REQ-26). `createGdprMail` registers it as a DSAR
   * processor, so every erasure calls it and records the result in the certificate.
   */
  eraseContact?(email: string): Promise<ProcessorErasureResult>;
  /**
   * Asks the provider (or the relay's log) what became of messages whose
   * outcome is unknown here: a process died between handing them over and
   * recording the answer (`sending`), or the connection dropped after the body
   * went out (`ambiguous`). One answer per query, in order. Campaign runs use
   * it to settle such deliveries instead of leaving them unknown: `accepted`
   * is recorded as delivered, `not-found` is sent again (once), `unknown`
   * stays as it is. Answer `not-found` only where the provider's answer is
   * final: a message it may still accept must be `unknown`.
   */
  lookup?(
    queries: readonly DeliveryLookup[],
    options?: SendOptions,
  ): Promise<DeliveryLookupResult[]>;
}

/** One message to look up at the provider: the Message-ID it was sent with. */
export interface DeliveryLookup {
  /** The Message-ID header, angle brackets included, e.g. `<uuid@news.example>`. */
  messageId: string;
  /** The SDK's idempotency key of the delivery (opaque, no personal data). */
  idempotencyKey: string;
}

/** What the provider knows of one looked-up message. */
export type DeliveryLookupResult =
  | { status: 'accepted'; providerMessageId?: string }
  /** The provider never accepted it and never will: safe to send again. */
  | { status: 'not-found' }
  /** The provider cannot tell (yet): leave the delivery unknown. */
  | { status: 'unknown' };

/** What a processor answered to an erasure; `detail` never holds the address. */
export interface ProcessorErasureResult {
  ok: boolean;
  detail?: string;
}

export function isTransport(value: unknown): value is Transport {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof Transport, unknown>>;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.send === 'function' &&
    typeof candidate.sendBatch === 'function' &&
    typeof candidate.capabilities === 'object' &&
    candidate.capabilities !== null
  );
}
