import { type Dispatcher, Pool } from 'undici';
import { z } from 'zod';
import { parseJsonKeepingIds } from './json-big-int.js';

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
