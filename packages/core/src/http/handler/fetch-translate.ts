import type { WebhookResponse } from '../../webhooks/webhook-handler.js';
import type { PrivacySignals } from '../privacy-signals.js';
import { parseCookies } from '../routes/cookies.js';
import type { GdprHttpRequest, GdprHttpResponse } from '../routes/gdpr-http-types.js';
import { textStream } from './text-stream.js';

/**
 * What a Fetch `Request` does not carry and a framework knows: give it when
 * you have it. Every field is optional: the handler works on the request alone.
 */
export interface GdprRequestContext {
  /**
   * The client address as your framework resolves it (behind its proxy
   * settings): the sign-up and DSAR rate limits key on it, and consent proof
   * records it. Without it every sign-up shares one limit, the DSAR intake
   * keeps only its per-address limit, and the routes warn once
   * (`CLIENT_IP_UNKNOWN`).
   */
  ip?: string | undefined;
  /** DNT / Sec-GPC as read by a middleware; read from the headers when absent. */
  privacySignals?: PrivacySignals | undefined;
  /**
   * A body your framework already read (an object from its urlencoded or JSON
   * parser, or the raw text or bytes): used instead of reading the request's
   * stream, which can be read only once.
   */
  body?: unknown;
}

type Headers_ = Record<string, string | string[] | undefined>;

/** The Fetch headers as a Node-style record: lower-case names, one joined value each. */
export function headerRecord(headers: Headers): Headers_ {
  const record: Headers_ = {};
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/** Query parameters as Express gives them: a repeated key becomes an array. */
export function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of params) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

/** The route table's request shape, built once per request from the Fetch request. */
export function toRouteRequest(
  request: Request,
  url: URL,
  path: string,
  params: Record<string, string>,
  body: unknown,
  context: GdprRequestContext,
): GdprHttpRequest {
  const headers = headerRecord(request.headers);
  return {
    method: request.method,
    path,
    params,
    query: queryRecord(url.searchParams),
    body,
    headers,
    ip: context.ip,
    cookies: parseCookies(headers.cookie),
    ...(context.privacySignals ? { privacySignals: context.privacySignals } : {}),
  };
}

const NULL_BODY = new Set([101, 204, 205, 304]);

/** A route's answer as a Fetch `Response`; `head` keeps the headers and drops the body. */
export function toFetchResponse(
  response: GdprHttpResponse | WebhookResponse,
  head = false,
): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    else headers.set(name, value);
  }
  const body = response.body ?? '';
  // A 204 or 304 may carry no body at all: the Response constructor refuses even an empty one.
  if (NULL_BODY.has(response.status))
    return new Response(null, { status: response.status, headers });
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    headers.set('content-length', String(bytes.byteLength));
    return new Response(head ? null : bytes, { status: response.status, headers });
  }
  return new Response(head ? null : textStream(body), { status: response.status, headers });
}
