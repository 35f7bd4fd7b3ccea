import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { WebhookRequest, WebhookResponse } from '@gdpr-mail/core';
import type { GdprHttpRequest, GdprHttpResponse } from '@gdpr-mail/core/http';
import { parseCookies, readPrivacySignals } from '@gdpr-mail/core/http';
import type { Request } from 'express';

/** Express (Nest's platform-express) request → the framework-free shape the routes take. */
export function toGdprRequest(req: Request, routePath: string, body: unknown): GdprHttpRequest {
  const params = { ...(req.params as Record<string, string>) };
  return {
    method: req.method,
    // The path below the mount point, rebuilt from the route: the app's global
    // prefix and the mount path are not the routes' business.
    path: routePath.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) =>
      encodeURIComponent(params[name] ?? ''),
    ),
    params,
    query: (req.query ?? {}) as Record<string, unknown>,
    body,
    headers: req.headers,
    ip: req.ip,
    cookies: parseCookies(req.headers.cookie),
    privacySignals: readPrivacySignals(req.headers),
  };
}

/** Writes a route's answer; an `AsyncIterable<string>` body is streamed chunk by chunk. */
export function sendGdprResponse(res: ServerResponse, response: GdprHttpResponse): void {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  const { body } = response;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    res.setHeader('content-length', bytes.length);
    res.end(bytes);
    return;
  }
  // A streamed export: written as it is produced, never held whole.
  Readable.from(body)
    .on('error', (error) => res.destroy(error))
    .pipe(res);
}

/** A provider webhook's request, with the raw text body. */
export function toWebhookRequest(req: Request, rawBody: string): WebhookRequest {
  return {
    method: req.method,
    headers: req.headers,
    query: (req.query ?? {}) as Record<string, unknown>,
    rawBody,
    ip: req.ip,
  };
}

export function sendWebhookResponse(res: ServerResponse, response: WebhookResponse): void {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  const bytes = Buffer.from(response.body ?? '', 'utf8');
  res.setHeader('content-length', bytes.length);
  res.end(bytes);
}
