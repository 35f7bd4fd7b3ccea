import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { PrivacySignals } from '../privacy-signals.js';
import type { GdprHandler } from './create-gdpr-handler.js';
import type { GdprRequestContext } from './fetch-translate.js';

/** A Node request as Express and Nest leave it: maybe read already by a body parser. */
export interface NodeHttpRequest extends IncomingMessage {
  body?: unknown;
  /** body-parser's mark once it has read the stream. */
  _body?: boolean;
  /** The bytes Nest keeps when the app was created with `{ rawBody: true }`. */
  rawBody?: Buffer;
  /** The client address as the framework resolved it (Express's `req.ip`, behind `trust proxy`). */
  ip?: string | undefined;
  /** The URL before a router cut its mount path off (Express, Nest on Express). */
  originalUrl?: string;
  /** DNT / Sec-GPC as a middleware left them (`privacySignals()` of `@gdpr-mail/express`). */
  privacySignals?: PrivacySignals | undefined;
}

/** A Connect-style middleware, as Express and Nest (on either platform) call one. */
export type NodeMiddleware = (
  req: NodeHttpRequest,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/** Node's header record → Fetch `Headers` (a repeated header stays repeated). */
export function toFetchHeaders(record: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(record)) {
    if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** Fetch `Headers` → a record for Node or Fastify, each `Set-Cookie` kept apart in an array. */
export function toNodeHeaders(headers: Headers): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') record[name] = value;
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) record['set-cookie'] = cookies;
  return record;
}

const FETCH_FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const UNSUPPORTED_METHOD = 'X-UNSUPPORTED-METHOD';

/**
 * A Node request's method as a Fetch `Request` can carry it. The methods it refuses (it
 * throws a TypeError), which Node's server and Fastify still hand to the app (`TRACE`),
 * become a stand-in no route serves, so the handler answers its 405 problem (404 off its
 * routes) with the security headers, instead of the framework's 500 error page, which
 * showed a stack trace outside production. For adapters that build the `Request` themselves.
 */
export function toFetchMethod(method: string): string {
  return FETCH_FORBIDDEN_METHODS.has(method.toUpperCase()) ? UNSUPPORTED_METHOD : method;
}

/**
 * A Node request → a Fetch `Request` for `createGdprHandler`, for adapters on
 * `node:http` (Express, Nest). `url` is the one the handler should see (its
 * base path plus the path below the mount). An unread body goes through as a
 * stream; one a parser already read goes in the context (the raw bytes when
 * the framework kept them), for the handler to use instead.
 */
export function nodeToFetchRequest(
  req: NodeHttpRequest,
  url: string,
  context: GdprRequestContext = {},
): { request: Request; context: GdprRequestContext } {
  const headers = toFetchHeaders(req.headers);
  const method = toFetchMethod(req.method ?? 'GET');
  if (method === 'GET' || method === 'HEAD') {
    return { request: new Request(url, { method, headers }), context };
  }
  if (req._body === true || req.readableEnded) {
    const body = req.rawBody ?? req.body;
    return { request: new Request(url, { method, headers }), context: { ...context, body } };
  }
  const body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
  // `duplex: 'half'` is what Node's fetch needs for a streamed request body.
  const init = { method, headers, body, duplex: 'half' } as RequestInit;
  return { request: new Request(url, init), context };
}

/** A Fetch `Response` → a Node response: status, headers (each Set-Cookie apart), the body streamed. */
export function writeFetchResponse(res: ServerResponse, response: Response): void {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(toNodeHeaders(response.headers))) {
    res.setHeader(name, value);
  }
  if (!response.body) {
    res.end();
    return;
  }
  Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>)
    .on('error', (error) => res.destroy(error))
    .pipe(res);
}

export interface NodeMiddlewareOptions {
  /**
   * The path the middleware is bound at, as the request's `originalUrl` starts with it (Nest's
   * mount path with the global prefix in front); a request whose path does not start with it
   * goes to `next()`. Without it, `req.url` is taken as the path below the mount, which is what
   * an Express router sees wherever it is mounted.
   */
  mountPath?: string;
}

/**
 * The part of `url` after `mountPath` when its path starts with it as whole segments:
 * `/gdpr/u?x` → `/u?x`. Only a prefix of the path counts: `/shop/gdpr/u` and
 * `/search?next=/gdpr/u` belong to the app, not to the mount.
 */
function belowMount(url: string, mountPath: string): string | undefined {
  const mount = mountPath.endsWith('/') ? mountPath.slice(0, -1) : mountPath;
  if (!url.startsWith(mount)) return undefined;
  const rest = url.slice(mount.length);
  if (rest === '' || rest.startsWith('/') || rest.startsWith('?')) return rest;
  return undefined;
}

/**
 * The handler as one Node middleware (Express, Nest on either platform, Connect): the path
 * below the mount goes to the handler under its base path, with the client address and the
 * privacy signals the framework found; the answer is written back streamed. Routing, bodies,
 * limits, CSRF and problems all stay in the handler; an error writing the answer goes to `next`.
 */
export function toNodeMiddleware(
  handler: GdprHandler,
  options: NodeMiddlewareOptions = {},
): NodeMiddleware {
  const { mountPath } = options;
  return (req, res, next) => {
    const url = req.url ?? '/';
    const below = mountPath === undefined ? url : belowMount(req.originalUrl ?? url, mountPath);
    if (below === undefined) {
      next();
      return;
    }
    const target = `http://localhost${handler.basePath}${below.startsWith('/') ? below : `/${below}`}`;
    const given: GdprRequestContext = { ip: req.ip ?? req.socket.remoteAddress };
    if (req.privacySignals) given.privacySignals = req.privacySignals;
    const { request, context } = nodeToFetchRequest(req, target, given);
    handler(request, context).then((response) => writeFetchResponse(res, response), next);
  };
}
