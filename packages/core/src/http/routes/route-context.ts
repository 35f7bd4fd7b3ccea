import { createHmac } from 'node:crypto';
import { GdprMailError, isGdprMailError } from '../../errors/gdpr-mail-error.js';
import type { GdprMail } from '../../gdpr-mail.js';
import { warnOperator } from '../../observability/logger.js';
import { createCsrfPair, verifyCsrf } from '../csrf.js';
import { negotiateLocale } from '../locale.js';
import type { NextLink, PageContext } from '../pages/consent-pages.js';
import {
  confirmPage,
  errorPage,
  messagePage,
  preferencesPage,
  signupPage,
  unsubscribePage,
} from '../pages/consent-pages.js';
import type { PageMessages } from '../pages/messages.js';
import { formErrorMessage, LOCALES, messagesFor } from '../pages/messages.js';
import type { PrivacySignals } from '../privacy-signals.js';
import { readPrivacySignals } from '../privacy-signals.js';
import type { ProblemDetails } from '../problem-details.js';
import { problem, toProblem } from '../problem-details.js';
import { serializeCookie } from './cookies.js';
import type { GdprHttpRequest, GdprHttpResponse } from './gdpr-http-types.js';
import type { GdprPages, GdprRoutesOptions } from './gdpr-routes-options.js';
import {
  htmlResponse,
  jsonResponse,
  problemResponse,
  retryAfterHeader,
  wantsJson,
} from './respond.js';

export const CSRF_COOKIE = 'gdpr_mail_csrf';
const CSRF_MAX_AGE_SECONDS = 2 * 3600;

export type Handle = (request: GdprHttpRequest) => Promise<GdprHttpResponse>;
export type FormAgain = (
  request: GdprHttpRequest,
  details: ProblemDetails,
  typed: boolean,
) => GdprHttpResponse;

export function trimSlash(path: string): string {
  return path.replace(/\/+$/, '');
}

/**
 * What every route module shares: the config read once, the pages, the CSRF
 * pair, and the helpers that turn a request into a page or a problem. Built
 * once per handler; the route modules (consent, preferences, DSAR, tracking)
 * take it and return their rows of the route table.
 */
export function createRouteContext(gdpr: GdprMail, options: GdprRoutesOptions) {
  const config = gdpr.config;
  const ownOrigin = new URL(config.links.baseUrl).origin;
  const basePath = trimSlash(options.basePath ?? new URL(config.links.baseUrl).pathname);
  const secureCookie = options.secureCookies ?? new URL(config.links.baseUrl).protocol === 'https:';
  const csrfSecret =
    options.csrfSecret ??
    createHmac('sha256', config.secrets.pepper).update('gdpr-mail/csrf-secret').digest('base64url');
  const pages: GdprPages = {
    signup: signupPage,
    confirm: confirmPage,
    unsubscribe: unsubscribePage,
    preferences: preferencesPage,
    message: messagePage,
    error: errorPage,
    ...options.pages,
  };
  const paths = {
    confirm: trimSlash(config.links.paths.confirm),
    unsubscribe: trimSlash(config.links.paths.unsubscribe),
    preferences: trimSlash(config.links.paths.preferences),
    dsarVerify: trimSlash(config.links.paths.dsarVerify),
    dsarDownload: trimSlash(config.links.paths.dsarDownload),
    repermission: trimSlash(config.links.paths.repermission),
    tracking: trimSlash(config.tracking.path),
  };

  function pageContext(request: GdprHttpRequest): PageContext {
    const acceptLanguage = request.headers['accept-language'];
    const locale = negotiateLocale(
      Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage,
      LOCALES,
      options.defaultLocale ?? 'en',
    );
    return {
      locale,
      messages: messagesFor(locale, options.messages),
      ...(config.links.privacyUrl ? { privacyUrl: config.links.privacyUrl } : {}),
      siteUrl,
    };
  }

  function renderProblem(request: GdprHttpRequest, details: ProblemDetails): GdprHttpResponse {
    return problemResponse(request, details, { ...pageContext(request), errorPage: pages.error });
  }

  function fail(request: GdprHttpRequest, error: unknown): GdprHttpResponse {
    const details = toProblem(error);
    if (details.status >= 500) options.onError?.(error, request);
    return renderProblem(request, details);
  }

  /** Every handler answers: whatever it throws becomes a problem (JSON) or an error page. */
  const guarded =
    (handler: Handle): Handle =>
    async (request) => {
      try {
        return await handler(request);
      } catch (error) {
        return fail(request, error);
      }
    };

  /** Drains after the answer; a drain that fails as a whole (store down) leaves its items for the next. */
  function drainAfter(request: GdprHttpRequest): void {
    gdpr.outbox.drainSoon((error) => options.onError?.(error, request));
  }

  let warnedNoClientIp = false;
  /**
   * The client IP the per-IP limits key on. A mount that passes none (a Fetch
   * handler called without `{ ip }`) is told once, to the configured logger or
   * else the console: sign-ups then share one bucket, and the DSAR intake keeps
   * its per-address limit only, since one shared per-IP bucket would let anyone
   * block everyone's requests.
   */
  function clientIp(request: GdprHttpRequest): string | undefined {
    if (request.ip) return request.ip;
    if (!warnedNoClientIp) {
      warnedNoClientIp = true;
      const text =
        '[gdpr-mail] A sign-up or data-subject request arrived without a client IP ' +
        '(CLIENT_IP_UNKNOWN): every sign-up shares one rate-limit bucket and the DSAR per-IP ' +
        'limit cannot apply. Pass the address your proxy vouches for: handler(request, { ip }) ' +
        '(docs/hono.md); Express and Fastify pass req.ip (mind trust proxy).';
      warnOperator(config.logger, 'CLIENT_IP_UNKNOWN', text);
    }
    return undefined;
  }

  function signals(request: GdprHttpRequest): PrivacySignals {
    return request.privacySignals ?? readPrivacySignals(request.headers);
  }

  /**
   * Where a link page's button posts: the route of `path` with the link's segment encoded.
   * The segment is the visitor's, decoded: as is, `..%2F..%2Flogout` or `x%3Fq` would send
   * the button to another path of the site (the DSAR pages show it before any token check).
   */
  function linkAction(path: string, value: string): string {
    return `${basePath}${path}/${encodeURIComponent(value)}`;
  }

  function token(request: GdprHttpRequest): string {
    const value = request.params.token;
    if (!value) throw new GdprMailError('TOKEN_INVALID', 'This link is incomplete.');
    return value;
  }

  function evidence(request: GdprHttpRequest): { ip?: string; userAgent?: string } {
    const raw = request.headers['user-agent'];
    const userAgent = (Array.isArray(raw) ? raw[0] : raw)?.slice(0, 1000);
    return {
      ...(request.ip ? { ip: request.ip.slice(0, 100) } : {}),
      ...(userAgent ? { userAgent } : {}),
    };
  }

  function message(
    request: GdprHttpRequest,
    title: keyof PageMessages,
    body: keyof PageMessages,
    json: Record<string, unknown>,
    next?: (ctx: PageContext) => NextLink,
  ): GdprHttpResponse {
    if (wantsJson(request)) return jsonResponse(200, json);
    const ctx = pageContext(request);
    return htmlResponse(
      200,
      pages.message(ctx, ctx.messages[title], ctx.messages[body], next?.(ctx)),
    );
  }

  const siteUrl = options.siteUrl ?? `${ownOrigin}/`;
  const backToSite = (ctx: PageContext): NextLink => ({
    href: siteUrl,
    label: ctx.messages.backToSite,
  });

  /**
   * A confirmation link opened again after it did its work is no fault of the
   * person's: browsers get a plain "already used" page with a way on, not an
   * error code. JSON clients keep the TOKEN_USED problem.
   */
  const usedLinkAware =
    (handler: Handle): Handle =>
    async (request) => {
      try {
        return await handler(request);
      } catch (error) {
        if (wantsJson(request) || !isGdprMailError(error, 'TOKEN_USED')) throw error;
        const ctx = pageContext(request);
        const { linkUsedTitle, linkUsedBody } = ctx.messages;
        return htmlResponse(409, pages.message(ctx, linkUsedTitle, linkUsedBody, backToSite(ctx)));
      }
    };

  const csrfProblem = () =>
    problem('CSRF_FAILED', 'The form expired or came from another site: reload it and retry.');

  function csrfHolds(request: GdprHttpRequest): boolean {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    return verifyCsrf(csrfSecret, request.cookies[CSRF_COOKIE], raw._csrf);
  }

  /**
   * A form's problem: JSON clients get the problem document; browsers get the
   * form back, with what they typed and plain words on what to fix. What the
   * form sent is kept only when its CSRF pair holds: a post from another site
   * must not pre-fill a form the person then only has to submit.
   */
  function formProblem(
    request: GdprHttpRequest,
    details: ProblemDetails,
    again: FormAgain,
  ): GdprHttpResponse {
    if (wantsJson(request)) return renderProblem(request, details);
    const page = again(request, details, csrfHolds(request));
    return { ...page, headers: { ...page.headers, ...retryAfterHeader(details) } };
  }

  /** Runs a form's handler; a 4xx it throws comes back as {@link formProblem}. */
  const formHandler =
    (handler: Handle, again: FormAgain): Handle =>
    async (request) => {
      try {
        return await handler(request);
      } catch (error) {
        const details = toProblem(error);
        if (details.status >= 500) throw error;
        return formProblem(request, details, again);
      }
    };

  /** A fresh CSRF pair for a browser form: the cookie half and the field half. */
  function csrfCookie() {
    const pair = createCsrfPair(csrfSecret);
    const cookie = serializeCookie(CSRF_COOKIE, pair.cookie, {
      path: basePath || '/',
      secure: secureCookie,
      maxAgeSeconds: CSRF_MAX_AGE_SECONDS,
    });
    return { pair, cookie };
  }

  /**
   * A form sent back after a problem: a fresh CSRF pair, plain words on what to
   * fix, and what the person typed only when the CSRF pair held (`typed`).
   */
  const formAgain =
    (render: (view: FormAgainView) => string): FormAgain =>
    (request, details, typed) => {
      const raw = (request.body ?? {}) as Record<string, unknown>;
      const page = pageContext(request);
      const { pair, cookie } = csrfCookie();
      const email = typed ? typedEmail(raw) : undefined;
      const body = render({
        raw,
        typed,
        page,
        csrfField: pair.field,
        ...(email ? { email } : {}),
        error: formErrorMessage(page.messages, details.code),
        errorCode: details.code,
      });
      return htmlResponse(details.status, body, { 'set-cookie': cookie });
    };

  return {
    gdpr,
    config,
    options,
    ownOrigin,
    basePath,
    pages,
    paths,
    now: config.clock ?? (() => new Date()),
    pageContext,
    renderProblem,
    fail,
    guarded,
    drainAfter,
    signals,
    clientIp,
    token,
    linkAction,
    evidence,
    message,
    usedLinkAware,
    csrfProblem,
    csrfHolds,
    formProblem,
    formHandler,
    csrfCookie,
    formAgain,
  };
}

export interface FormAgainView {
  /** The form as sent; read it only when `typed`. */
  raw: Record<string, unknown>;
  typed: boolean;
  page: PageContext;
  csrfField: string;
  email?: string;
  error: string;
  errorCode: ProblemDetails['code'];
}

export type RouteContext = ReturnType<typeof createRouteContext>;

/** The typed address as sent (trimmed, bounded); escaped when the page renders it. */
export function typedEmail(raw: Record<string, unknown>): string | undefined {
  return typeof raw.email === 'string' ? raw.email.trim().slice(0, 320) : undefined;
}
