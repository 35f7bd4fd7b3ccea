import { failed, parseRetryAfter, redactAddresses, type SendResult } from '@gdpr-mail/core';
import { type Dispatcher, Pool } from 'undici';
import { z } from 'zod';

/** An answer with a status: the request reached the API and it replied. */
export interface HttpAnswer {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body, or `undefined` when the connection failed while reading it. */
  text: string | undefined;
}

/**
 * A request that got no answer. `sent: false` when the failure happened
 * before the request could reach the API (connection refused, DNS, connect
 * timeout): nothing was sent. Otherwise the API may have acted on it.
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

// Failures that happen while connecting, before a byte of the request is written.
const NOT_SENT_CODES = new Set([
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

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface MailjetHttpOptions {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  dispatcher?: Dispatcher | undefined;
  connections: number;
  timeoutMs: number;
}

/** The transport's HTTP side: one keep-alive pool for the API origin, basic auth on every call. */
export class MailjetHttp {
  readonly origin: string;
  private readonly prefix: string;
  private readonly dispatcher: Dispatcher;
  private readonly owned: boolean;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private closing: Promise<void> | undefined;

  constructor(options: MailjetHttpOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.owned = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Pool(url.origin, {
        connections: options.connections,
        keepAliveTimeout: 30_000,
        pipelining: 1,
      });
    this.authorization = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`;
    this.timeoutMs = options.timeoutMs;
  }

  /** Sends one request; resolves with the answer, rejects with an `HttpFailure`. */
  async request(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<HttpAnswer> {
    let response: Dispatcher.ResponseData;
    try {
      response = await this.dispatcher.request({
        origin: this.origin,
        path: `${this.prefix}${path}`,
        method,
        headers: {
          authorization: this.authorization,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (error) {
      const code = errorCode(error);
      const message = error instanceof Error ? error.message : String(error);
      throw new HttpFailure(message, code, !(code !== undefined && NOT_SENT_CODES.has(code)));
    }
    let text: string | undefined;
    try {
      text = await response.body.text();
    } catch {
      text = undefined;
    }
    return { status: response.statusCode, headers: response.headers, text };
  }

  /** Closes the pool it opened (never a dispatcher it was given). Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.owned ? this.dispatcher.close() : Promise.resolve();
    return this.closing;
  }
}

/** A REST v3 listing (`{ Count, Data: [{ ID, … }], Total }`), of which only the ids are read. */
const idList = z.looseObject({
  Data: z.array(z.looseObject({ ID: z.union([z.string(), z.number()]).transform(String) })),
});

/**
 * The ids of a REST v3 listing answered with 200, kept exact (Mailjet ids
 * exceed 2^53); undefined for any other status or a body that is not such a
 * listing.
 */
export function readIdList(answer: HttpAnswer): string[] | undefined {
  if (answer.status !== 200 || answer.text === undefined) return undefined;
  const parsed = idList.safeParse(parseJsonKeepingIds(answer.text));
  return parsed.success ? parsed.data.Data.map((entry) => entry.ID) : undefined;
}

const id = z.union([z.string(), z.number()]).transform(String);

const apiError = z.looseObject({
  ErrorIdentifier: z.string().optional(),
  ErrorCode: z.string().optional(),
  StatusCode: z.number().optional(),
  ErrorMessage: z.string().optional(),
});

const messageResult = z.looseObject({
  Status: z.string(),
  CustomID: z.string().optional(),
  Errors: z.array(apiError).optional(),
  To: z
    .array(z.looseObject({ MessageID: id.optional(), MessageUUID: z.string().optional() }))
    .optional(),
});

const sendResponse = z.looseObject({ Messages: z.array(messageResult) });

type MessageResult = z.infer<typeof messageResult>;
type ApiError = z.infer<typeof apiError>;

function describe(error: ApiError | undefined, fallback: string): string {
  return redactAddresses(error?.ErrorMessage ?? fallback);
}

function providerCode(error: ApiError | undefined, status: number): string {
  return error?.ErrorCode ? `${error.ErrorCode} (${error.StatusCode ?? status})` : `HTTP ${status}`;
}

/**
 * The result of one `Messages[i]` entry, whatever the HTTP status of the call.
 * `retryAfterMs` is the call's `Retry-After`: Mailjet sends one header for the
 * whole answer, so it is the wait for a per-message 429 or 5xx too.
 */
function mapMessage(
  entry: MessageResult | undefined,
  httpStatus: number,
  retryAfterMs: number | undefined,
): SendResult {
  if (entry === undefined) {
    return {
      status: 'ambiguous',
      message: 'Mailjet answered without a result for this message; it may have been sent.',
      providerCode: `HTTP ${httpStatus}`,
    };
  }
  if (entry.Status === 'success') {
    const to = entry.To?.[0];
    return {
      status: 'accepted',
      providerMessageId: to?.MessageID ?? to?.MessageUUID ?? entry.CustomID ?? 'mailjet:unknown',
    };
  }
  if (entry.Status !== 'error') {
    return {
      status: 'ambiguous',
      message: `Mailjet reported the unknown status "${entry.Status.slice(0, 40)}".`,
      providerCode: `HTTP ${httpStatus}`,
    };
  }
  const error = entry.Errors?.[0];
  const status = error?.StatusCode ?? httpStatus;
  const message = describe(error, 'Mailjet refused the message.');
  const code = providerCode(error, httpStatus);
  if (status === 401 || status === 403) return failed('auth', message, { providerCode: code });
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status === 429) return failed('rate-limited', message, { providerCode: code, ...wait });
  if (status >= 500) return failed('transient', message, { providerCode: code, ...wait });
  return failed('rejected', message, { retryable: false, providerCode: code });
}

function all(count: number, result: SendResult): SendResult[] {
  return Array.from({ length: count }, () => result);
}

/**
 * Turns the answer to `POST /v3.1/send` for `count` messages into one result
 * per message, in order. Per-message results come from `Messages[i]` whenever
 * the body has them, on HTTP 400 too: Mailjet sends the good messages of a
 * batch with bad ones, so the call is never resent as a whole.
 */
export function mapSendResponse(answer: HttpAnswer, count: number): SendResult[] {
  const { status } = answer;
  const retryAfterMs = parseRetryAfter(headerText(answer.headers['retry-after']));
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs };
  const json = answer.text === undefined ? undefined : parseJsonKeepingIds(answer.text);
  const parsed = sendResponse.safeParse(json);
  if (parsed.success && parsed.data.Messages.length > 0) {
    return Array.from({ length: count }, (_, i) =>
      mapMessage(parsed.data.Messages[i], status, retryAfterMs),
    );
  }

  const global = apiError.safeParse(json);
  const error = global.success ? global.data : undefined;
  const code = providerCode(error, status);

  if (status >= 200 && status < 300) {
    return all(count, {
      status: 'ambiguous',
      message:
        'Mailjet accepted the call but its answer could not be read; the messages may have been sent.',
      providerCode: code,
    });
  }
  if (status === 401 || status === 403) {
    return all(
      count,
      failed('auth', describe(error, 'Mailjet refused the API key and secret.'), {
        providerCode: code,
      }),
    );
  }
  if (status === 429) {
    return all(
      count,
      failed('rate-limited', describe(error, 'Mailjet asked to slow down (HTTP 429).'), {
        providerCode: code,
        ...wait,
      }),
    );
  }
  if (status >= 500) {
    // A Mailjet error body (or a 503) says the API refused the call: nothing
    // was sent. A bare 500/502/504 from a gateway may hide a send that went
    // through, so those are ambiguous rather than retried.
    if (error?.ErrorMessage !== undefined || error?.ErrorCode !== undefined || status === 503) {
      return all(
        count,
        failed('transient', describe(error, `Mailjet is unavailable (HTTP ${status}).`), {
          providerCode: code,
          ...wait,
        }),
      );
    }
    return all(count, {
      status: 'ambiguous',
      message: `Mailjet answered HTTP ${status} without saying whether the messages were sent.`,
      providerCode: code,
    });
  }
  return all(
    count,
    failed('rejected', describe(error, `Mailjet refused the call (HTTP ${status}).`), {
      retryable: false,
      providerCode: code,
    }),
  );
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The result for every message of a call that got no answer. */
export function mapHttpFailure(failure: HttpFailure, count: number): SendResult[] {
  const message = redactAddresses(failure.message);
  const extra = failure.code === undefined ? {} : { providerCode: failure.code };
  if (!failure.sent) {
    return all(count, failed('transient', `Could not reach Mailjet: ${message}`, extra));
  }
  return all(count, {
    status: 'ambiguous',
    message: `The connection to Mailjet failed after the request was sent; the messages may have been sent: ${message}`,
    ...extra,
  });
}

/**
 * Mailjet message ids (e.g. 1152921518473429250) are integers above 2^53:
 * `JSON.parse` would round them, and a rounded id no longer matches the
 * events that report it. This turns every integer literal of 16 digits or
 * more into a string literal before parsing, leaving string contents alone.
 */
export function quoteLargeIntegers(json: string): string {
  let out = '';
  let i = 0;
  const n = json.length;
  while (i < n) {
    const ch = json[i] as string;
    if (ch === '"') {
      // Copy a whole string literal, escapes included.
      let j = i + 1;
      while (j < n && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      out += json.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      let j = i + 1;
      while (j < n && /[0-9eE.+-]/.test(json[j] as string)) j += 1;
      const token = json.slice(i, j);
      out += /^-?\d{16,}$/.test(token) ? `"${token}"` : token;
      i = j;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

/** `JSON.parse` that keeps large integers exact (as strings); `undefined` when not JSON. */
export function parseJsonKeepingIds(text: string): unknown {
  try {
    return JSON.parse(quoteLargeIntegers(text));
  } catch {
    return undefined;
  }
}
