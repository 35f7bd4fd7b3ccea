import { Readable } from 'node:stream';
import type { GdprRequestContext } from '@gdpr-mail/core/http';
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';

/** body-parser's mark on a request whose stream it has read. */
interface ParsedRequest {
  _body?: boolean;
}

/**
 * Express request → Fetch `Request` for the core handler. The URL is the
 * handler's base path plus the path below the mount (`req.url`), so the router
 * works wherever it is mounted. The body stream goes through unread; when an
 * app-wide parser already read it, what it produced goes in the context.
 */
export function toFetchRequest(
  req: ExpressRequest,
  basePath: string,
): { request: Request; context: GdprRequestContext } {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    else if (value !== undefined) headers.set(name, value);
  }
  const context: GdprRequestContext = {
    ip: req.ip,
    ...(req.privacySignals ? { privacySignals: req.privacySignals } : {}),
  };
  const url = `http://localhost${basePath}${req.url}`;
  const consumed = (req as ParsedRequest)._body === true || req.readableEnded;
  if (req.method === 'GET' || req.method === 'HEAD') {
    return { request: new Request(url, { method: req.method, headers }), context };
  }
  if (consumed) {
    return {
      request: new Request(url, { method: req.method, headers }),
      context: { ...context, body: req.body },
    };
  }
  const body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
  // `duplex: 'half'` is what Node's fetch needs for a streamed request body.
  const init = { method: req.method, headers, body, duplex: 'half' } as RequestInit;
  return { request: new Request(url, init), context };
}

/** Fetch `Response` → Express: status, headers (each Set-Cookie apart), and the body streamed. */
export function sendFetchResponse(res: ExpressResponse, response: Response): void {
  res.status(response.status);
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (!response.body) {
    res.end();
    return;
  }
  Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>)
    .on('error', (error) => res.destroy(error))
    .pipe(res);
}
