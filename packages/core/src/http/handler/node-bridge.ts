import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { GdprRequestContext } from './fetch-translate.js';

/** A Node request as Express and Nest leave it: maybe read already by a body parser. */
export interface NodeHttpRequest extends IncomingMessage {
  body?: unknown;
  /** body-parser's mark once it has read the stream. */
  _body?: boolean;
  /** The bytes Nest keeps when the app was created with `{ rawBody: true }`. */
  rawBody?: Buffer;
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
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    else if (value !== undefined) headers.set(name, value);
  }
  const method = req.method ?? 'GET';
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
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (!response.body) {
    res.end();
    return;
  }
  Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>)
    .on('error', (error) => res.destroy(error))
    .pipe(res);
}
