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
  type TransportCapabilities,
  type ValidatedMessage,
  validateMessage,
} from '@gdpr-mail/core';
import { eraseMailjetContact } from './erase/erase-contact.js';
import { HttpFailure, MailjetHttp } from './http/mailjet-http.js';
import { lookupMailjetMessages } from './lookup/lookup-messages.js';
import type { MailjetTransportOptions } from './mailjet-transport-options.js';
import { resolveProcessor } from './processor.js';
import { type MailjetSendRequest, toMailjetMessage } from './send/mailjet-message.js';
import { mapHttpFailure, mapSendResponse } from './send/map-send-response.js';

/** Mailjet takes at most 50 messages per Send API v3.1 call. */
export const MAILJET_MAX_BATCH = 50;

export const DEFAULT_MAILJET_BASE_URL = 'https://api.mailjet.com';

const CAPABILITIES: TransportCapabilities = {
  maxBatchSize: MAILJET_MAX_BATCH,
  maxRecipients: 1,
  customHeaders: true,
  // CustomID is echoed in events but Mailjet does not deduplicate on it.
  nativeIdempotency: false,
};

/** A Mailjet transport, with `eraseContact` (Art. 19) that core registers as a DSAR processor. */
export interface MailjetTransport extends Transport {
  eraseContact(email: string): Promise<ProcessorErasureResult>;
  /** By CustomID in Mailjet's message list: `accepted` when listed, else `unknown`. */
  lookup(
    queries: readonly DeliveryLookup[],
    options?: SendOptions,
  ): Promise<DeliveryLookupResult[]>;
  /** Checks the credentials with a light API call; throws `PROVIDER_AUTH_FAILED` when refused. */
  verify(options?: SendOptions): Promise<void>;
  /** Closes the transport's pool (never a `dispatcher` it was given). Idempotent. */
  close(): Promise<void>;
}

function configError(path: string, message: string): GdprMailError {
  return new GdprMailError('CONFIG_INVALID', `Mailjet transport: ${path} ${message}.`, {
    issues: [{ path, message }],
  });
}

function checkOptions(options: MailjetTransportOptions): { baseUrl: string } {
  if (typeof options !== 'object' || options === null) {
    throw configError('options', 'must be an object');
  }
  for (const key of ['apiKey', 'apiSecret'] as const) {
    if (typeof options[key] !== 'string' || options[key].trim() === '') {
      throw configError(key, 'is required');
    }
  }
  const baseUrl = options.baseUrl ?? DEFAULT_MAILJET_BASE_URL;
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw configError('baseUrl', 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw configError('baseUrl', 'must be an http(s) URL');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw configError('baseUrl', 'must not hold credentials, a query or a fragment');
  }
  for (const key of ['connections', 'timeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw configError(key, 'must be a positive integer');
    }
  }
  return { baseUrl };
}

/**
 * A transport over the Mailjet Send API v3.1 (`POST {baseUrl}/v3.1/send`),
 * on a keep-alive undici `Pool`.
 *
 * - Batches of up to 50 messages per call; `sendBatch` chunks larger input
 *   and keeps up to `connections` calls in flight.
 * - Results per message from `Messages[i]`, on HTTP 400 partial failures too:
 *   the good messages of such a call were sent and a batch is never resent.
 * - 401/403 → `auth`; 429 → `rate-limited` with `retryAfterMs`; a 5xx where
 *   Mailjet says it refused the call → `transient`; a connection lost after
 *   the request was written → `ambiguous` for every message of that call.
 * - It does not retry: core's `withRetries` / `resilientTransport` do.
 */
export function createMailjetTransport(options: MailjetTransportOptions): MailjetTransport {
  const { baseUrl } = checkOptions(options);
  const processor = resolveProcessor(options.processor);
  const connections = options.connections ?? 8;
  const http = new MailjetHttp({
    baseUrl,
    apiKey: options.apiKey,
    apiSecret: options.apiSecret,
    dispatcher: options.dispatcher,
    connections,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  let closed = false;

  async function sendChunk(chunk: readonly ValidatedMessage[]): Promise<SendResult[]> {
    const body: MailjetSendRequest = { Messages: chunk.map(toMailjetMessage) };
    if (options.sandbox) body.SandboxMode = true;
    try {
      const answer = await http.request('POST', '/v3.1/send', body);
      return mapSendResponse(answer, chunk.length);
    } catch (error) {
      if (error instanceof HttpFailure) return mapHttpFailure(error, chunk.length);
      throw error;
    }
  }

  async function sendBatch(
    messages: readonly OutgoingMessage[],
    sendOptions: SendOptions = {},
  ): Promise<SendResult[]> {
    const { signal } = sendOptions;
    const results: SendResult[] = new Array(messages.length);
    const valid: { index: number; message: ValidatedMessage }[] = [];
    messages.forEach((message, index) => {
      if (signal?.aborted) {
        results[index] = abortedResult();
        return;
      }
      if (closed) {
        results[index] = failed('transient', 'The Mailjet transport is closed.', {
          retryable: false,
        });
        return;
      }
      try {
        valid.push({ index, message: validateMessage(message) });
      } catch (error) {
        results[index] = invalidResult(error);
      }
    });

    const chunks: (typeof valid)[] = [];
    for (let i = 0; i < valid.length; i += MAILJET_MAX_BATCH) {
      chunks.push(valid.slice(i, i + MAILJET_MAX_BATCH));
    }
    let next = 0;
    // A fixed number of workers take chunks in turn: at most `connections`
    // calls in flight, each on its own pooled connection.
    const worker = async (): Promise<void> => {
      for (;;) {
        const chunk = chunks[next++];
        if (chunk === undefined) return;
        // The signal stops chunks not yet handed over; a call in flight is
        // left to finish, since cutting it would make its messages ambiguous.
        const chunkResults = signal?.aborted
          ? chunk.map(() => abortedResult())
          : await sendChunk(chunk.map((entry) => entry.message));
        chunk.forEach((entry, j) => {
          results[entry.index] = chunkResults[j] as SendResult;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(connections, chunks.length) }, worker));
    return results;
  }

  return {
    name: options.name ?? 'mailjet',
    capabilities: CAPABILITIES,
    processor,
    async send(message, sendOptions = {}) {
      const [result] = await sendBatch([message], sendOptions);
      return result as SendResult;
    },
    sendBatch,
    async verify() {
      let status: number;
      try {
        status = (await http.request('GET', '/v3/REST/apikey?Limit=1')).status;
      } catch (error) {
        throw new GdprMailError('PROVIDER_UNAVAILABLE', 'Mailjet could not be reached.', {
          cause: error,
          retryable: true,
        });
      }
      if (status === 401 || status === 403) {
        throw new GdprMailError('PROVIDER_AUTH_FAILED', 'Mailjet refused the API key and secret.');
      }
      if (status >= 400) {
        throw new GdprMailError('PROVIDER_UNAVAILABLE', `Mailjet answered HTTP ${status}.`, {
          retryable: status >= 500,
        });
      }
    },
    eraseContact: (email) => eraseMailjetContact(http, email),
    // Found by CustomID: accepted; not listed (yet): unknown, never re-sent on that basis.
    lookup: (queries, lookupOptions) => lookupMailjetMessages(http, queries, lookupOptions),
    async close() {
      closed = true;
      await http.close();
    },
  };
}
