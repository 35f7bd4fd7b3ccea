import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { checkProcessor } from './check-processor.js';
import type { OutgoingMessage, ValidatedMessage } from './outgoing-message.js';
import {
  abortedResult,
  failed,
  invalidResult,
  type SendFailed,
  type SendResult,
  TRANSPORT_CLOSED,
} from './send-result.js';
import type {
  DeliveryLookup,
  DeliveryLookupResult,
  ProcessorDescriptor,
  ProcessorErasureResult,
  SendOptions,
  Transport,
  TransportCapabilities,
} from './transport.js';
import { validateMessage } from './validate-message.js';

interface DefinitionBase {
  /** Short driver name for logs and delivery records, e.g. `smtp`. */
  name: string;
  capabilities: TransportCapabilities;
  processor: ProcessorDescriptor;
  /**
   * How many provider calls may be in flight at once for one `sendBatch`.
   * Default 1 (one after the other). A pooled client gives its pool size.
   */
  concurrency?: number;
  /**
   * Checked once per send call, after validation and before the provider is
   * called (e.g. a client configured to retry on its own). A failure answers
   * every valid message of the call; nothing is sent.
   */
  precheck?(): Promise<SendFailed | undefined>;
  verify?(options: SendOptions): Promise<void>;
  lookup?(
    queries: readonly DeliveryLookup[],
    options: SendOptions,
  ): Promise<DeliveryLookupResult[]>;
  eraseContact?(email: string): Promise<ProcessorErasureResult>;
  /** Releases the provider's connections. Called once, however often `close` is. */
  close?(): Promise<void>;
}

/** A provider that takes one message a call (SMTP, SES). */
export interface SingleSendDefinition extends DefinitionBase {
  /**
   * The provider's part: sends one message that `validateMessage` accepted and
   * maps the provider's answer to a result. Never resends. Throwing is taken
   * as "the driver does not know": the message comes back `ambiguous`.
   */
  sendValidated(message: ValidatedMessage, options: SendOptions): Promise<SendResult>;
  sendValidatedBatch?: never;
}

/** A provider with a batch call (Mailjet's 50 messages a call). */
export interface BatchSendDefinition extends DefinitionBase {
  /**
   * The provider's part for a batch API: at most `capabilities.maxBatchSize`
   * validated messages, one result per message, in order.
   */
  sendValidatedBatch(
    messages: readonly ValidatedMessage[],
    options: SendOptions,
  ): Promise<SendResult[]>;
  sendValidated?: never;
}

export type TransportDefinition = SingleSendDefinition | BatchSendDefinition;

/**
 * The transport `defineTransport` returns: `close` always, and `verify`,
 * `lookup` and `eraseContact` as members that are not optional when the
 * definition gave them.
 */
export type DefinedTransport<D extends TransportDefinition = TransportDefinition> = Transport &
  Required<
    Pick<
      Transport,
      | 'close'
      | {
          [K in ('verify' | 'lookup' | 'eraseContact') & keyof D]-?: undefined extends D[K]
            ? never
            : K;
        }[('verify' | 'lookup' | 'eraseContact') & keyof D]
    >
  >;

function unknownOutcome(): SendResult {
  return {
    status: 'ambiguous',
    message: 'The driver failed while sending: the message may have been sent.',
    providerCode: 'DRIVER_ERROR',
  };
}

/**
 * Builds a `Transport` from a provider's part. The preamble every driver
 * shares lives here once: the processor is checked (`checkProcessor`), an
 * aborted signal answers `aborted`, a closed transport `transient` (not
 * retryable), each message goes through `validateMessage` (a refused one
 * answers `invalid` in place while the others go), batches are chunked to
 * `capabilities.maxBatchSize` and run `concurrency` calls at a time, the
 * signal stops chunks not yet handed over, results come back one per message
 * in order, `lookup` answers one result per query (an empty list without a
 * call), and `close` is idempotent.
 */
export function defineTransport<D extends TransportDefinition>(definition: D): DefinedTransport<D> {
  const { name, capabilities } = definition;
  const processor = checkProcessor(definition.processor);
  const batch = definition.sendValidatedBatch;
  const single = definition.sendValidated;
  if (typeof batch !== 'function' && typeof single !== 'function') {
    throw new GdprMailError(
      'CONFIG_INVALID',
      `Transport "${name}" needs sendValidated or sendValidatedBatch.`,
    );
  }
  const chunkSize = batch ? Math.max(1, capabilities.maxBatchSize) : 1;
  const concurrency = Math.max(1, definition.concurrency ?? 1);
  let closed = false;
  let closing: Promise<void> | undefined;

  async function call(chunk: readonly ValidatedMessage[], options: SendOptions) {
    try {
      if (batch) {
        const results = await batch.call(definition, chunk, options);
        // A driver answering short must not shift results onto other messages.
        return chunk.map((_, i) => results[i] ?? unknownOutcome());
      }
      return [
        await (single as SingleSendDefinition['sendValidated']).call(
          definition,
          chunk[0] as ValidatedMessage,
          options,
        ),
      ];
    } catch {
      return chunk.map(unknownOutcome);
    }
  }

  async function sendBatch(
    messages: readonly OutgoingMessage[],
    options: SendOptions = {},
  ): Promise<SendResult[]> {
    const { signal } = options;
    const results: SendResult[] = new Array(messages.length);
    const valid: { index: number; message: ValidatedMessage }[] = [];
    messages.forEach((message, index) => {
      if (signal?.aborted) results[index] = abortedResult();
      else if (closed) {
        results[index] = failed('transient', `The ${name} transport is closed.`, {
          retryable: false,
          providerCode: TRANSPORT_CLOSED,
        });
      } else {
        try {
          valid.push({ index, message: validateMessage(message) });
        } catch (error) {
          results[index] = invalidResult(error);
        }
      }
    });
    if (valid.length === 0) return results;

    const refused = definition.precheck ? await definition.precheck() : undefined;
    if (refused !== undefined) {
      for (const { index } of valid) results[index] = refused;
      return results;
    }

    const chunks: (typeof valid)[] = [];
    for (let i = 0; i < valid.length; i += chunkSize) chunks.push(valid.slice(i, i + chunkSize));
    let next = 0;
    // A fixed number of workers take chunks in turn: at most `concurrency` calls in flight.
    const worker = async (): Promise<void> => {
      for (let chunk = chunks[next++]; chunk !== undefined; chunk = chunks[next++]) {
        // A call in flight is left to finish (cutting it would make it ambiguous);
        // chunks not yet handed over are answered aborted.
        const chunkResults = signal?.aborted
          ? chunk.map(() => abortedResult())
          : await call(
              chunk.map((entry) => entry.message),
              options,
            );
        chunk.forEach((entry, j) => {
          results[entry.index] = chunkResults[j] as SendResult;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
    return results;
  }

  const transport: Transport = {
    name,
    capabilities,
    processor,
    async send(message, options = {}) {
      const [result] = await sendBatch([message], options);
      return result as SendResult;
    },
    sendBatch,
    close() {
      closed = true;
      closing ??= definition.close ? definition.close.call(definition) : Promise.resolve();
      return closing;
    },
  };
  const { verify, lookup, eraseContact } = definition;
  if (verify) transport.verify = (options = {}) => verify.call(definition, options);
  if (eraseContact) transport.eraseContact = (email) => eraseContact.call(definition, email);
  if (lookup) {
    transport.lookup = async (queries, options = {}) => {
      if (queries.length === 0) return [];
      const answers = await lookup.call(definition, queries, options);
      if (!Array.isArray(answers) || answers.length !== queries.length) {
        throw new GdprMailError(
          'PROVIDER_UNAVAILABLE',
          `The ${name} lookup answered ${Array.isArray(answers) ? answers.length : 'no list'} for ${queries.length} messages.`,
        );
      }
      return answers;
    };
  }
  return transport as DefinedTransport<D>;
}
