import {
  type DeliveryLookup,
  type DeliveryLookupResult,
  defineTransport,
  GdprMailError,
  type ProcessorErasureResult,
  type SendOptions,
  type SendResult,
  type Transport,
  type ValidatedMessage,
} from '@gdpr-mail/core';
import { abortedResult } from '@gdpr-mail/core/internal';
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
 * Runs at most `size` tasks at once, the others in order of arrival: one
 * bound on calls in flight across chunks, whatever the envelopes.
 */
function limiter(size: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    else active += 1;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, or is freed.
      const next = waiting.shift();
      if (next === undefined) active -= 1;
      else next();
    }
  };
}

/**
 * A transport over Brevo's transactional API (`POST {baseUrl}/v3/smtp/email`)
 * on a keep-alive undici `Pool`.
 *
 * - Core's `defineTransport` validates, handles abort and close, and hands
 *   over chunks of up to `batchSize` messages. In a chunk, messages that
 *   share sender, headers and tags go in one call as `messageVersions`; the
 *   others go one per call. Up to `connections` calls are in flight for the
 *   whole transport.
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
  const slot = limiter(config.connections);

  async function post(
    chunk: readonly ValidatedMessage[],
    signal: AbortSignal | undefined,
  ): Promise<HttpAnswer | SendResult[]> {
    return slot(async () => {
      // The signal stops calls not yet made; a call in flight is left to
      // finish, since cutting it would make its messages ambiguous.
      if (signal?.aborted) return chunk.map(() => abortedResult());
      try {
        return await http.request('POST', '/v3/smtp/email', toBrevoRequest(chunk, convert));
      } catch (error) {
        if (error instanceof HttpFailure) return mapHttpFailure(error, chunk.length);
        throw error;
      }
    });
  }

  /** One call; `signal` is checked before it is made (not before the one-by-one resends of a 400). */
  async function sendCall(
    chunk: readonly ValidatedMessage[],
    signal?: AbortSignal,
  ): Promise<SendResult[]> {
    const answer = await post(chunk, signal);
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

  /** Calls in order of first appearance (indexes into `chunk`), one envelope each. */
  function planCalls(chunk: readonly ValidatedMessage[]): number[][] {
    const open = new Map<string, number[]>();
    chunk.forEach((message, index) => {
      const key = envelopeKey(message, convert);
      const call = open.get(key);
      if (call === undefined) open.set(key, [index]);
      else call.push(index);
    });
    return [...open.values()];
  }

  return defineTransport({
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
    concurrency: config.connections,
    async sendValidatedBatch(chunk, { signal }): Promise<SendResult[]> {
      const results: SendResult[] = new Array(chunk.length);
      await Promise.all(
        planCalls(chunk).map(async (call) => {
          const callResults = await sendCall(
            call.map((i) => chunk[i] as ValidatedMessage),
            signal,
          );
          call.forEach((i, j) => {
            results[i] = callResults[j] as SendResult;
          });
        }),
      );
      return results;
    },
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
    close: () => http.close(),
  });
}
