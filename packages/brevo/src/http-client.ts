import { failed, parseRetryAfter, redactAddresses, type SendResult } from '@gdpr-mail/core';
import { type Dispatcher, Pool } from 'undici';

/** An answer with a status: the request reached the API and it replied. */
export interface HttpAnswer {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body, or `undefined` when the connection failed while reading it. */
  text: string | undefined;
}

/**
 * A request that got no answer. `sent` is false when it failed before a
 * byte reached the API (refused, DNS, connect timeout): nothing happened
 * there. Otherwise Brevo may have acted on it.
 */
export class HttpFailure extends Error {
  override readonly name = 'HttpFailure';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly sent: boolean,
  ) {
    super(message);
  }
}

// Errors raised while connecting, before the request is written.
const BEFORE_SENDING = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

function codeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; depth < 4 && e instanceof Object; depth++) {
    const { code, cause } = e as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    e = cause;
  }
  return undefined;
}

export interface BrevoHttpOptions {
  baseUrl: string;
  apiKey: string;
  dispatcher: Dispatcher | undefined;
  connections: number;
  timeoutMs: number;
}

/** One keep-alive pool to the API origin; the key goes in the `api-key` header of every call. */
export class BrevoHttp {
  private readonly origin: string;
  private readonly prefix: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private closing: Promise<void> | undefined;

  constructor(options: BrevoHttpOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Pool(url.origin, {
        connections: options.connections,
        keepAliveTimeout: 30_000,
        pipelining: 1,
      });
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs;
  }

  /** Resolves with Brevo's answer, whatever its status; rejects with an `HttpFailure`. */
  async request(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<HttpAnswer> {
    const headers: Record<string, string> = { 'api-key': this.apiKey, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Dispatcher.ResponseData;
    try {
      response = await this.dispatcher.request({
        origin: this.origin,
        path: this.prefix + path,
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (error) {
      const code = codeOf(error);
      const text = error instanceof Error ? error.message : String(error);
      throw new HttpFailure(text, code, code === undefined || !BEFORE_SENDING.has(code));
    }
    const text = await response.body.text().catch(() => undefined);
    return { status: response.statusCode, headers: response.headers, text };
  }

  /** Closes the pool it opened, never a dispatcher it was given. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.ownsDispatcher ? this.dispatcher.close() : Promise.resolve();
    return this.closing;
  }
}

function firstHeader(answer: HttpAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * How long Brevo asks us to wait, in ms: `Retry-After` (core's
 * `parseRetryAfter`), else `x-sib-ratelimit-reset` (seconds until the limit
 * resets, Brevo's own header).
 */
export function retryAfterMs(answer: HttpAnswer, now: () => number = Date.now): number | undefined {
  const retryAfter = parseRetryAfter(firstHeader(answer, 'retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = firstHeader(answer, 'x-sib-ratelimit-reset')?.trim();
  return reset !== undefined && /^\d+$/.test(reset) ? Number(reset) * 1000 : undefined;
}

/** Brevo's error body: `{ "code": "invalid_parameter", "message": "…" }`. */
export interface BrevoError {
  code?: string;
  message?: string;
}

export function readJson(answer: HttpAnswer): unknown {
  if (answer.text === undefined || answer.text === '') return undefined;
  try {
    return JSON.parse(answer.text);
  } catch {
    return undefined;
  }
}

export function readError(answer: HttpAnswer): BrevoError | undefined {
  const json = readJson(answer);
  if (typeof json !== 'object' || json === null) return undefined;
  const { code, message } = json as Record<string, unknown>;
  const error: BrevoError = {};
  if (typeof code === 'string') error.code = code.slice(0, 60);
  if (typeof message === 'string') error.message = redactAddresses(message).slice(0, 300);
  return error.code === undefined && error.message === undefined ? undefined : error;
}

function same(count: number, result: SendResult): SendResult[] {
  return Array.from({ length: count }, () => result);
}

/**
 * One result for each of the `count` messages of a call Brevo answered with
 * an error status (anything but 2xx). A 400 means Brevo refused the whole
 * call before sending any of it.
 */
export function mapErrorAnswer(answer: HttpAnswer, count: number): SendResult[] {
  const { status } = answer;
  const error = readError(answer);
  const providerCode = error?.code ? `${error.code} (${status})` : `HTTP ${status}`;
  const say = (fallback: string) => error?.message ?? fallback;
  const wait = retryAfterMs(answer);
  const hint = wait === undefined ? {} : { retryAfterMs: wait };
  if (status === 401 || status === 403) {
    return same(count, failed('auth', say('Brevo refused the API key.'), { providerCode }));
  }
  if (status === 402) {
    // not_enough_credits: nothing goes out until the account is topped up.
    const message = say('Brevo refused the call: the account has no credits left.');
    return same(count, failed('account-blocked', message, { retryable: false, providerCode }));
  }
  if (status === 429) {
    const message = say('Brevo asked to slow down (HTTP 429).');
    return same(count, failed('rate-limited', message, { providerCode, ...hint }));
  }
  if (status >= 500) {
    // A Brevo error body (or a 503) says the API refused the call. A bare
    // 500/502/504 from a gateway may hide a send that went through.
    if (error?.code !== undefined || status === 503) {
      const message = say(`Brevo is unavailable (HTTP ${status}).`);
      return same(count, failed('transient', message, { providerCode, ...hint }));
    }
    return same(count, {
      status: 'ambiguous',
      message: `Brevo answered HTTP ${status} without saying whether the messages were sent.`,
      providerCode,
    });
  }
  const message = say(`Brevo refused the call (HTTP ${status}).`);
  return same(count, failed('rejected', message, { retryable: false, providerCode }));
}

/** The result for every message of a call that got no answer. */
export function mapHttpFailure(failure: HttpFailure, count: number): SendResult[] {
  const text = redactAddresses(failure.message);
  const extra = failure.code === undefined ? {} : { providerCode: failure.code };
  if (!failure.sent)
    return same(count, failed('transient', `Could not reach Brevo: ${text}`, extra));
  return same(count, {
    status: 'ambiguous',
    message: `The connection to Brevo failed after the request was sent; the messages may have been sent: ${text}`,
    ...extra,
  });
}
