import { Readable } from 'node:stream';
import type { GdprHttpRequest, GdprHttpResponse } from '@gdpr-mail/core/http';
import { parseCookies } from '@gdpr-mail/core/http';
import type { Request, Response } from 'express';

/**
 * Express request → the route table's request shape.
 * @deprecated The router now goes through the Fetch-API handler (`createGdprHandler`);
 * kept for code that drives `createGdprRoutes` itself. Removed in the next major.
 */
export function toGdprRequest(req: Request): GdprHttpRequest {
  return {
    method: req.method,
    path: req.path,
    params: req.params as Record<string, string>,
    query: (req.query ?? {}) as Record<string, unknown>,
    body: req.body as unknown,
    headers: req.headers,
    ip: req.ip,
    cookies: parseCookies(req.headers.cookie),
    ...(req.privacySignals ? { privacySignals: req.privacySignals } : {}),
  };
}

/**
 * Writes a route table answer to Express.
 * @deprecated See {@link toGdprRequest}.
 */
export function sendGdprResponse(res: Response, response: GdprHttpResponse): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  const { body } = response;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    res.send(body);
    return;
  }
  Readable.from(body)
    .on('error', (error) => res.destroy(error))
    .pipe(res);
}
