import {
  type DeliveryLookup,
  type DeliveryLookupResult,
  defineTransport,
  GdprMailError,
  type ProcessorErasureResult,
  type SendOptions,
  type SendResult,
  type Transport,
} from '@gdpr-mail/core';
import {
  checkOptions,
  DEFAULT_MAILJET_CONNECTIONS,
  DEFAULT_MAILJET_TIMEOUT_MS,
  MAILJET_CAPABILITIES,
  type MailjetTransportOptions,
  resolveProcessor,
} from './config.js';
import { eraseMailjetContact } from './erase.js';
import { HttpFailure, MailjetHttp, mapHttpFailure, mapSendResponse } from './http-client.js';
import { lookupMailjetMessages } from './lookup.js';
import { type MailjetSendRequest, toMailjetMessage } from './message-converter.js';

/** A Mailjet transport, with `eraseContact` (Art. 19) that core registers as a DSAR processor. */
export interface MailjetTransport extends Transport {
  eraseContact(email: string): Promise<ProcessorErasureResult>;
  /**
   * By CustomID (the idempotency key, which every message that has one is sent
   * with, `metadata.customId` or not) in Mailjet's message list: `accepted`
   * when listed, else `unknown`.
   */
  lookup(
    queries: readonly DeliveryLookup[],
    options?: SendOptions,
  ): Promise<DeliveryLookupResult[]>;
  /** Checks the credentials with a light API call; throws `PROVIDER_AUTH_FAILED` when refused. */
  verify(options?: SendOptions): Promise<void>;
  /** Closes the transport's pool (never a `dispatcher` it was given). Idempotent. */
  close(): Promise<void>;
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
 * - Validation, abort, chunking and close are core's `defineTransport`.
 */
export function createMailjetTransport(options: MailjetTransportOptions): MailjetTransport {
  const { baseUrl } = checkOptions(options);
  const connections = options.connections ?? DEFAULT_MAILJET_CONNECTIONS;
  const http = new MailjetHttp({
    baseUrl,
    apiKey: options.apiKey,
    apiSecret: options.apiSecret,
    dispatcher: options.dispatcher,
    connections,
    timeoutMs: options.timeoutMs ?? DEFAULT_MAILJET_TIMEOUT_MS,
  });

  return defineTransport({
    name: options.name ?? 'mailjet',
    capabilities: MAILJET_CAPABILITIES,
    processor: resolveProcessor(options.processor),
    // One call per pooled connection at most.
    concurrency: connections,
    async sendValidatedBatch(chunk): Promise<SendResult[]> {
      const body: MailjetSendRequest = { Messages: chunk.map(toMailjetMessage) };
      if (options.sandbox) body.SandboxMode = true;
      try {
        return mapSendResponse(await http.request('POST', '/v3.1/send', body), chunk.length);
      } catch (error) {
        if (error instanceof HttpFailure) return mapHttpFailure(error, chunk.length);
        throw error;
      }
    },
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
    close: () => http.close(),
  });
}
