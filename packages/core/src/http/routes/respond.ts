import { errorPage } from '../pages/consent-pages.js';
import type { Locale, PageMessages } from '../pages/messages.js';
import type { ProblemDetails } from '../problem-details.js';
import { PROBLEM_CONTENT_TYPE } from '../problem-details.js';
import type { GdprHttpRequest, GdprHttpResponse } from './gdpr-http-types.js';

function header(request: Pick<GdprHttpRequest, 'headers'>, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value.join(',') : value) ?? '';
}

/**
 * JSON for API clients, HTML for browsers: a browser always lists text/html in
 * Accept; a client that sent JSON, or asks for JSON or nothing, gets JSON.
 */
export function wantsJson(request: Pick<GdprHttpRequest, 'headers'>): boolean {
  const accept = header(request, 'accept').toLowerCase();
  if (accept.includes('text/html')) return false;
  return true;
}

/**
 * Sent on every response the routes produce (pages, problems, redirects, pixels,
 * exports). Their URLs carry tokens, so no Referer may leak them; the pages run
 * no script at all and may not be framed (clickjacking of the unsubscribe and
 * preference forms). Styles are one inline <style> block, hence 'unsafe-inline'
 * for styles only. `data:` images are allowed for the layout's empty icon
 * (`<link rel="icon" href="data:,">`): without it every page makes the browser
 * fetch /favicon.ico (a 404 most apps log); a data: image runs no code.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/** Adds {@link SECURITY_HEADERS} to a response (its own headers win only where it set them). */
export function withSecurityHeaders(response: GdprHttpResponse): GdprHttpResponse {
  return { ...response, headers: { ...SECURITY_HEADERS, ...response.headers } };
}

/** Pages and problems must never be cached: they carry tokens and personal choices. */
const NO_STORE = { 'cache-control': 'no-store' };

export function htmlResponse(
  status: number,
  body: string,
  headers: Record<string, string | string[]> = {},
): GdprHttpResponse {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', ...NO_STORE, ...headers },
    body,
  };
}

export function jsonResponse(status: number, value: unknown): GdprHttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE },
    body: JSON.stringify(value),
  };
}

export interface ProblemRenderContext {
  locale: Locale;
  messages: PageMessages;
  privacyUrl?: string;
  siteUrl?: string;
  errorPage?: typeof errorPage;
}

export function problemResponse(
  request: Pick<GdprHttpRequest, 'headers'>,
  problem: ProblemDetails,
  page: ProblemRenderContext,
): GdprHttpResponse {
  return withSecurityHeaders(renderProblemBody(request, problem, page));
}

/** `Retry-After` for a problem that says when to come back (a 429), else nothing. */
export function retryAfterHeader(problem: ProblemDetails): Record<string, string> {
  return problem.retryAfter === undefined ? {} : { 'retry-after': String(problem.retryAfter) };
}

function renderProblemBody(
  request: Pick<GdprHttpRequest, 'headers'>,
  problem: ProblemDetails,
  page: ProblemRenderContext,
): GdprHttpResponse {
  const retryAfter = retryAfterHeader(problem);
  if (wantsJson(request)) {
    return {
      status: problem.status,
      headers: {
        'content-type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
        ...NO_STORE,
        ...retryAfter,
      },
      body: JSON.stringify(problem),
    };
  }
  const render = page.errorPage ?? errorPage;
  return htmlResponse(
    problem.status,
    render(
      {
        locale: page.locale,
        messages: page.messages,
        ...(page.privacyUrl ? { privacyUrl: page.privacyUrl } : {}),
        ...(page.siteUrl ? { siteUrl: page.siteUrl } : {}),
      },
      problem,
    ),
    retryAfter,
  );
}
