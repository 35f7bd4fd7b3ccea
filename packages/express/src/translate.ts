import { Readable } from 'node:stream';
import type { WebhookRequest, WebhookResponse } from '@gdpr-mail/core';
import type { GdprHttpRequest, GdprHttpResponse } from '@gdpr-mail/core/http';
import { parseCookies } from '@gdpr-mail/core/http';
import type { Request, Response } from 'express';

/** Express request → the framework-free shape the routes take. */
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

export function sendGdprResponse(res: Response, response: GdprHttpResponse): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  const { body } = response;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    res.send(body);
    return;
  }
  // A streamed export: written chunk by chunk, never held whole.
  Readable.from(body)
    .on('error', (error) => res.destroy(error))
    .pipe(res);
}

/** Express request → a provider webhook's request, with the raw text body. */
export function toWebhookRequest(req: Request): WebhookRequest {
  return {
    method: req.method,
    headers: req.headers,
    query: (req.query ?? {}) as Record<string, unknown>,
    rawBody: typeof req.body === 'string' ? req.body : '',
    ip: req.ip,
  };
}

export function sendWebhookResponse(res: Response, response: WebhookResponse): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  res.send(response.body ?? '');
}
