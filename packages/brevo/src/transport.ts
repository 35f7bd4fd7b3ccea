import {
  abortedResult,
  type DeliveryLookup,
  type DeliveryLookupResult,
  failed,
  GdprMailError,
  invalidResult,
  type OutgoingMessage,
  type ProcessorErasureResult,
  type SendOptions,
  type SendResult,
  type Transport,
  type ValidatedMessage,
  validateMessage,
} from '@gdpr-mail/core';
import { BREVO_MAX_BATCH, type BrevoTransportOptions, resolveConfig } from './config.js';
import { eraseBrevoContact } from './erase.js';
import {
  BrevoHttp,
  type HttpAnswer,
  HttpFailure,
  mapErrorAnswer,
  mapHttpFailure,
  readJson,
} from './http-client.js';
import { lookupBrevoMessages } from './lookup.js';
import { type ConvertOptions, envelopeKey, toBrevoRequest } from './message-converter.js';

/** A Brevo transport, with `eraseContact` (Art. 19) that core registers as a DSAR processor. */
export interface BrevoTransport extends Transport {
  eraseContact(email: string): Promise<ProcessorErasureResult>;
  /** By Message-Id in Brevo's transactional log: `accepted` when listed, else `unknown`. */
  lookup(
    queries: readonly DeliveryLookup[],
    options?: SendOptions,
  ): Promise<DeliveryLookupResult[]>;
  /** Checks the API key with `GET /v3/account`; throws `PROVIDER_AUTH_FAILED` when refused. */
  verify(options?: SendOptions): Promise<void>;
  /** Closes the transport's pool (never a `dispatcher` it was given). Idempotent. */
  close(): Promise<void>;
}

type Entry = { index: number; message: ValidatedMessage };

/** The ids a 2xx answer gives, one per message of the call, or undefined where missing. */
function acceptedIds(answer: HttpAnswer, count: number): (string | undefined)[] {
  const json = readJson(answer) as { messageId?: unknown; messageIds?: unknown } | undefined;
  const ids: unknown[] = Array.isArray(json?.messageIds)
    ? json.messageIds
    : count === 1
      ? [json?.messageId]
      : [];
  return Array.from({ length: count }, (_, i) => {
    const id = ids[i];
    return typeof id === 'string' && id !== '' ? id : undefined;
  });
}

function mapAccepted(answer: HttpAnswer, count: number): SendResult[] {
  return acceptedIds(answer, count).map((id) =>
    id === undefined
      ? {
          status: 'ambiguous',
          message: `Brevo accepted the call (HTTP ${answer.status}) without an id for this message; it may have been sent.`,
          providerCode: `HTTP ${answer.status}`,
        }
      : { status: 'accepted', providerMessageId: id },
  );
}

/**
 * A transport over Brevo's transactional API (`POST {baseUrl}/v3/smtp/email`)
 * on a keep-alive undici `Pool`.
 *
 * - Messages that share sender, headers and tags go in one call as
 *   `messageVersions` (up to `batchSize`); the others go one per call. Up to
 *   `connections` calls are in flight.
 * - Brevo refuses a call as a whole (HTTP 400) when one version is bad, and
 *   sends none of it: the transport then sends each message of that call on
 *   its own, so one bad recipient fails alone.
 * - 401/403 → `auth`; 402 → `account-blocked`; 429 → `rate-limited` with the
 *   wait from `Retry-After` or `x-sib-ratelimit-reset`; a 5xx Brevo says it
 *   refused → `transient`; a bare gateway 5xx, a timeout or a connection lost
 *   after the request was written → `ambiguous` for every message of the call.
 * - It does not retry: core's `withRetries` / `resilientTransport` do.
 */
export function createBrevoTransport(options: BrevoTransportOptions): BrevoTransport {
  const config = resolveConfig(options);
  const convert: ConvertOptions = { messageIdHeader: config.messageIdHeader };
  const http = new BrevoHttp(config);
  let closed = false;

  async function post(chunk: readonly ValidatedMessage[]): Promise<HttpAnswer | SendResult[]> {
    try {
      return await http.request('POST', '/v3/smtp/email', toBrevoRequest(chunk, convert));
    } catch (error) {
      if (error instanceof HttpFailure) return mapHttpFailure(error, chunk.length);
      throw error;
    }
  }

  async function sendCall(chunk: readonly ValidatedMessage[]): Promise<SendResult[]> {
    const answer = await post(chunk);
    if (Array.isArray(answer)) return answer;
    if (answer.status >= 200 && answer.status < 300) return mapAccepted(answer, chunk.length);
    if (answer.status === 400 && chunk.length > 1) {
      // Nothing of this call was sent: find the bad message(s) one by one.
      const results: SendResult[] = [];
      for (const message of chunk) results.push(...(await sendCall([message])));
      return results;
    }
    return mapErrorAnswer(answer, chunk.length);
  }

  /** Calls in order of first appearance: one envelope, at most `batchSize` messages each. */
  function planCalls(valid: readonly Entry[]): Entry[][] {
    const open = new Map<string, Entry[]>();
    const calls: Entry[][] = [];
    for (const entry of valid) {
      const key = envelopeKey(entry.message, convert);
      let call = open.get(key);
      if (call === undefined || call.length >= config.batchSize) {
        call = [];
        open.set(key, call);
        calls.push(call);
      }
      call.push(entry);
    }
    return calls;
  }

  async function sendBatch(
    messages: readonly OutgoingMessage[],
    sendOptions: SendOptions = {},
  ): Promise<SendResult[]> {
    const { signal } = sendOptions;
    const results: SendResult[] = new Array(messages.length);
    const valid: Entry[] = [];
    messages.forEach((message, index) => {
      if (signal?.aborted) results[index] = abortedResult();
      else if (closed) {
        results[index] = failed('transient', 'The Brevo transport is closed.', {
          retryable: false,
        });
      } else {
        try {
          valid.push({ index, message: validateMessage(message) });
        } catch (error) {
          results[index] = invalidResult(error);
        }
      }
    });

    const calls = planCalls(valid);
    let next = 0;
    // A fixed number of workers take calls in turn: at most `connections` in flight.
    const worker = async (): Promise<void> => {
      for (let call = calls[next++]; call !== undefined; call = calls[next++]) {
        // The signal stops calls not yet made; a call in flight is left to
        // finish, since cutting it would make its messages ambiguous.
        const callResults = signal?.aborted
          ? call.map(() => abortedResult())
          : await sendCall(call.map((entry) => entry.message));
        call.forEach((entry, j) => {
          results[entry.index] = callResults[j] as SendResult;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.connections, calls.length) }, worker));
    return results;
  }

  return {
    name: config.name,
    capabilities: {
      maxBatchSize: Math.min(config.batchSize, BREVO_MAX_BATCH),
      maxRecipients: 1,
      customHeaders: true,
      // Brevo's idempotencyKey header is per call and lives 30 minutes at most:
      // it is no deduplication on message.idempotencyKey.
      nativeIdempotency: false,
    },
    processor: config.processor,
    async send(message, sendOptions = {}) {
      const [result] = await sendBatch([message], sendOptions);
      return result as SendResult;
    },
    sendBatch,
    async verify() {
      let status: number;
      try {
        status = (await http.request('GET', '/v3/account')).status;
      } catch (error) {
        throw new GdprMailError('PROVIDER_UNAVAILABLE', 'Brevo could not be reached.', {
          cause: error,
          retryable: true,
        });
      }
      if (status === 401 || status === 403) {
        throw new GdprMailError('PROVIDER_AUTH_FAILED', 'Brevo refused the API key.');
      }
      if (status >= 400) {
        throw new GdprMailError('PROVIDER_UNAVAILABLE', `Brevo answered HTTP ${status}.`, {
          retryable: status >= 500,
        });
      }
    },
    eraseContact: (email) => eraseBrevoContact(http, email),
    lookup: (queries, lookupOptions) =>
      lookupBrevoMessages(http, queries, config.messageIdHeader, lookupOptions),
    async close() {
      closed = true;
      await http.close();
    },
  };
}
