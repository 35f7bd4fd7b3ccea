import { createHmac } from 'node:crypto';
import type { ConsentEvidence } from '../../consent/evidence.js';
import { GdprMailError, isGdprMailError } from '../../errors/gdpr-mail-error.js';
import type { GdprMail } from '../../gdpr-mail.js';
import { normalizeEmail } from '../../subjects/normalize-email.js';
import type { RenderedMail } from '../../templates/confirmation-template.js';
import type { WebhookHandler } from '../../webhooks/webhook-handler.js';
import { createCsrfPair, isCrossSiteRequest, verifyCsrf } from '../csrf.js';
import { negotiateLocale } from '../locale.js';
import type { NextLink, PageContext, PurposeView } from '../pages/consent-pages.js';
import {
  confirmPage,
  errorPage,
  messagePage,
  preferencesPage,
  signupPage,
  unsubscribePage,
} from '../pages/consent-pages.js';
import { DSAR_FORM_TYPES, DSAR_TEXT, dsarActionPage, dsarFormPage } from '../pages/dsar-pages.js';
import type { Locale, PageMessages } from '../pages/messages.js';
import { formErrorMessage, LOCALES, messagesFor } from '../pages/messages.js';
import type { PrivacySignals } from '../privacy-signals.js';
import { readPrivacySignals } from '../privacy-signals.js';
import type { ProblemDetails } from '../problem-details.js';
import { problem, toProblem } from '../problem-details.js';
import type { RateLimiter } from '../rate-limiter.js';
import { createMemoryRateLimiter } from '../rate-limiter.js';
import { serializeCookie } from './cookies.js';
import {
  dsarBodySchema,
  parseBody,
  preferencesBodySchema,
  signupBodySchema,
  tokenFormBodySchema,
} from './form-schemas.js';
import type { GdprHttpRequest, GdprHttpResponse, GdprRoute } from './gdpr-http-types.js';
import {
  htmlResponse,
  jsonResponse,
  problemResponse,
  wantsJson,
  withSecurityHeaders,
} from './respond.js';
import type { WebhookRoute } from './webhook-routes.js';
import { createWebhookRoutes } from './webhook-routes.js';

/** Sends one mail the routes produced; defaults to `gdpr.mailer.sendSystem`. */
export type SendMail = (mail: RenderedMail, kind: 'double-opt-in') => Promise<void>;

/** Every page the routes render; replace any of them with your own templates. */
export interface GdprPages {
  signup: typeof signupPage;
  confirm: typeof confirmPage;
  unsubscribe: typeof unsubscribePage;
  preferences: typeof preferencesPage;
  message: typeof messagePage;
  error: typeof errorPage;
}

export interface GdprRoutesOptions {
  /**
   * Hands the double opt-in mail to a transport. Default: `gdpr.mailer.sendSystem`,
   * which needs `transport` and `mailer` in the config.
   */
  sendMail?: SendMail;
  /**
   * Where the routes are mounted, e.g. `/gdpr`. Defaults to the path of
   * `links.baseUrl`, which is what the mailed links point at.
   */
  basePath?: string;
  signup?: {
    /** Purpose ids offered at signup; default: every consent-based purpose except tracking ones. */
    purposes?: readonly string[];
    /** Written into the consent proof (`source`, `formId`). */
    source?: string;
    formId?: string;
    /**
     * Per client IP; default 10 sign-ups a minute per process (bounded memory,
     * oldest windows evicted). Behind several processes pass a shared one:
     * `createRedisRateLimiter` / `createPostgresRateLimiter`.
     */
    rateLimiter?: RateLimiter;
  };
  /** Signs the CSRF field; default derived from `secrets.pepper`, so every process agrees. */
  csrfSecret?: string;
  /** Marks the CSRF cookie `Secure`; default: when `links.baseUrl` is https. */
  secureCookies?: boolean;
  defaultLocale?: Locale;
  /**
   * Where "Back to the website" leads from a page that ends a flow (an
   * already-used confirmation link). Default: the origin of `links.baseUrl`.
   */
  siteUrl?: string;
  /** Your words per locale, merged over the built-in EN / FR ones. */
  messages?: Partial<Record<Locale, Partial<PageMessages>>>;
  /** Your own page templates. */
  pages?: Partial<GdprPages>;
  /**
   * Provider event endpoints (`@gdpr-mail/ses`, `@gdpr-mail/mailjet`), each
   * mounted at `POST {basePath}/webhooks/{name}` with its raw body.
   */
  webhooks?: readonly WebhookHandler[];
  /** Called with every unexpected (500) error; the response never shows it. */
  onError?: (error: unknown, request: GdprHttpRequest) => void;
  /**
   * Tracking pixel hits (`tracking.path`): `onOpen` is called only when the
   * person consents to tracking at the moment of the hit (REQ-30); `onAggregateOpen`
   * counts the shared campaign pixel (no person). Store what you like: nothing is
   * stored by the SDK.
   */
  tracking?: {
    onOpen?: (hit: { subjectId: string }) => void | Promise<void>;
    onAggregateOpen?: (campaignId: string) => void | Promise<void>;
  };
}

export interface GdprRoutes {
  routes: readonly GdprRoute[];
  /** The provider webhooks: POST routes that need the raw body, not a parsed one. */
  webhooks: readonly WebhookRoute[];
  basePath: string;
  /** Renders any thrown value the way the routes do (JSON problem or HTML page). */
  problem(request: GdprHttpRequest, error: unknown): GdprHttpResponse;
  /** Renders a ready problem, e.g. an adapter's 413 for a body over the limit. */
  renderProblem(request: GdprHttpRequest, details: ProblemDetails): GdprHttpResponse;
  /**
   * The problem for a request under the mount that matched no route: 405 when
   * `knownPath` (the path exists with another method), else 404.
   */
  unmatched(request: GdprHttpRequest, knownPath: boolean): GdprHttpResponse;
}

export const CSRF_COOKIE = 'gdpr_mail_csrf';
const CSRF_MAX_AGE_SECONDS = 2 * 3600;

function basePathOf(baseUrl: string): string {
  return new URL(baseUrl).pathname.replace(/\/+$/, '');
}

function trimSlash(path: string): string {
  return path.replace(/\/+$/, '');
}

function userAgentOf(request: GdprHttpRequest): string | undefined {
  const value = request.headers['user-agent'];
  return (Array.isArray(value) ? value[0] : value)?.slice(0, 1000);
}

/**
 * The gdpr-mail HTTP routes, free of any framework: an adapter maps each
 * `{ method, path }` to its router and translates requests and responses.
 * Handlers never throw; every failure becomes an RFC 9457 problem (JSON) or
 * an error page (browsers).
 */
export function createGdprRoutes(gdpr: GdprMail, options: GdprRoutesOptions = {}): GdprRoutes {
  const config = gdpr.config;
  const ownOrigin = new URL(config.links.baseUrl).origin;
  // The signup's confirmation mail is sent by the outbox, after the answer.
  if (options.sendMail) gdpr.outbox.useSender(options.sendMail);
  // Leftovers of a crash or a restart run without waiting for new traffic.
  gdpr.outbox.startSweeping();
  const basePath = trimSlash(options.basePath ?? basePathOf(config.links.baseUrl));
  const secureCookie = options.secureCookies ?? new URL(config.links.baseUrl).protocol === 'https:';
  const csrfSecret =
    options.csrfSecret ??
    createHmac('sha256', config.secrets.pepper).update('gdpr-mail/csrf-secret').digest('base64url');
  const limiter =
    options.signup?.rateLimiter ?? createMemoryRateLimiter({ limit: 10, windowMs: 60_000 });
  const pages: GdprPages = {
    signup: signupPage,
    confirm: confirmPage,
    unsubscribe: unsubscribePage,
    preferences: preferencesPage,
    message: messagePage,
    error: errorPage,
    ...options.pages,
  };
  const signupIds =
    options.signup?.purposes ??
    config.purposes
      .filter((p) => p.lawfulBasis === 'consent' && p.kind !== 'tracking')
      .map((p) => p.id);
  const signupPurposes: PurposeView[] = signupIds.map((id) => {
    const purpose = config.purposes.find((p) => p.id === id);
    if (!purpose) {
      throw new GdprMailError('UNKNOWN_PURPOSE', `signup.purposes: unknown purpose "${id}".`);
    }
    return {
      id,
      title: purpose.title,
      noticeText: purpose.notice.text,
      noticeVersion: purpose.notice.version,
    };
  });
  const now = config.clock ?? (() => new Date());
  const paths = {
    confirm: trimSlash(config.links.paths.confirm),
    unsubscribe: trimSlash(config.links.paths.unsubscribe),
    preferences: trimSlash(config.links.paths.preferences),
    dsarVerify: trimSlash(config.links.paths.dsarVerify),
    dsarDownload: trimSlash(config.links.paths.dsarDownload),
    repermission: trimSlash(config.links.paths.repermission),
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

  /** Drains after the answer; a drain that fails as a whole (store down) leaves its items for the next. */
  function drainAfter(request: GdprHttpRequest): void {
    gdpr.outbox.drainSoon((error) => options.onError?.(error, request));
  }

  function signals(request: GdprHttpRequest): PrivacySignals {
    return request.privacySignals ?? readPrivacySignals(request.headers);
  }

  function token(request: GdprHttpRequest): string {
    const value = request.params.token;
    if (!value) throw new GdprMailError('TOKEN_INVALID', 'This link is incomplete.');
    return value;
  }

  function evidence(request: GdprHttpRequest): { ip?: string; userAgent?: string } {
    const userAgent = userAgentOf(request);
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
    (handler: (request: GdprHttpRequest) => Promise<GdprHttpResponse>) =>
    async (request: GdprHttpRequest): Promise<GdprHttpResponse> => {
      try {
        return await handler(request);
      } catch (error) {
        if (wantsJson(request) || !isGdprMailError(error, 'TOKEN_USED')) throw error;
        const ctx = pageContext(request);
        return htmlResponse(
          409,
          pages.message(
            ctx,
            ctx.messages.linkUsedTitle,
            ctx.messages.linkUsedBody,
            backToSite(ctx),
          ),
        );
      }
    };

  const CSRF_PROBLEM = () =>
    problem('CSRF_FAILED', 'The form expired or came from another site: reload it and retry.');

  /**
   * A form's problem: JSON clients get the problem document; browsers get the
   * form back, with what they typed and plain words on what to fix. What the
   * form sent is kept only when its CSRF pair holds: a post from another site
   * must not pre-fill a form the person then only has to submit.
   */
  function formProblem(
    request: GdprHttpRequest,
    details: ProblemDetails,
    again: (request: GdprHttpRequest, details: ProblemDetails, typed: boolean) => GdprHttpResponse,
  ): GdprHttpResponse {
    if (wantsJson(request)) return renderProblem(request, details);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const typed = verifyCsrf(csrfSecret, request.cookies[CSRF_COOKIE], raw._csrf);
    return again(request, details, typed);
  }

  /** Runs a form's handler; a 4xx it throws comes back as {@link formProblem}. */
  const formHandler =
    (
      handler: (request: GdprHttpRequest) => Promise<GdprHttpResponse>,
      again: (
        request: GdprHttpRequest,
        details: ProblemDetails,
        typed: boolean,
      ) => GdprHttpResponse,
    ) =>
    async (request: GdprHttpRequest): Promise<GdprHttpResponse> => {
      try {
        return await handler(request);
      } catch (error) {
        const details = toProblem(error);
        if (details.status >= 500) throw error;
        return formProblem(request, details, again);
      }
    };

  /** The typed address as sent (trimmed, bounded); escaped when the page renders it. */
  function typedEmail(raw: Record<string, unknown>): string | undefined {
    return typeof raw.email === 'string' ? raw.email.trim().slice(0, 320) : undefined;
  }

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

  /** The signup form sent back after a problem, with a fresh CSRF pair. */
  function signupFormAgain(
    request: GdprHttpRequest,
    details: ProblemDetails,
    typed: boolean,
  ): GdprHttpResponse {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const ctx = pageContext(request);
    const { pair, cookie } = csrfCookie();
    const sent = raw.purposes;
    // The person's own ticks come back ticked; nothing else is (REQ-01: no pre-ticked box).
    const ticked = new Set(
      typed ? (Array.isArray(sent) ? sent : [sent]).filter((v) => typeof v === 'string') : [],
    );
    const email = typed ? typedEmail(raw) : undefined;
    const body = pages.signup({
      ...ctx,
      action: `${basePath}/signup`,
      csrfField: pair.field,
      purposes: signupPurposes.map((p) => (ticked.has(p.id) ? { ...p, checked: true } : p)),
      ...(email ? { email } : {}),
      error: formErrorMessage(ctx.messages, details.code),
      errorCode: details.code,
    });
    return htmlResponse(details.status, body, { 'set-cookie': cookie });
  }

  async function signupForm(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const { pair, cookie } = csrfCookie();
    const action = `${basePath}/signup`;
    if (wantsJson(request)) {
      const response = jsonResponse(200, { action, csrf: pair.field, purposes: signupPurposes });
      response.headers['set-cookie'] = cookie;
      return response;
    }
    const body = pages.signup({
      ...pageContext(request),
      action,
      csrfField: pair.field,
      purposes: signupPurposes,
    });
    return htmlResponse(200, body, { 'set-cookie': cookie });
  }

  /**
   * Starts double opt-in. The answer is the same whatever the address is
   * (new, known, suppressed, over its daily limit): the page must not reveal
   * who is on the list.
   */
  async function signup(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    if (!(await limiter.hit(`signup:${request.ip ?? 'unknown'}`))) {
      throw new GdprMailError('RATE_LIMITED', 'Too many sign-ups from here: try again later.', {
        retryable: true,
      });
    }
    const raw = (request.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrf(csrfSecret, request.cookies[CSRF_COOKIE], raw._csrf)) {
      return formProblem(request, CSRF_PROBLEM(), signupFormAgain);
    }
    const body = parseBody(signupBodySchema, raw);
    const offered = new Set(signupIds);
    const ticked = [...new Set(body.purposes)];
    const unknown = ticked.filter((id) => !offered.has(id));
    if (unknown.length > 0) {
      throw new GdprMailError('VALIDATION_FAILED', 'The form lists a purpose it does not offer.', {
        issues: unknown.map((id) => ({ path: 'purposes', message: `"${id}" is not offered` })),
      });
    }
    const ctx = pageContext(request);
    // Syntax is checked for every address alike, so a 400 here reveals nothing.
    normalizeEmail(body.email);
    if (ticked.length === 0) {
      // Nothing ticked: nothing is recorded and nothing is mailed, and the page says
      // so. The answer depends on the form alone, never on the address (REQ-21).
      return message(
        request,
        'nothingTickedTitle',
        'nothingTickedBody',
        { status: 'nothing-recorded' },
        (page) => ({ href: `${basePath}/signup`, label: page.messages.backToForm }),
      );
    }
    const noticeVersions: Record<string, string> = {};
    for (const id of ticked) {
      const shown = raw[`notice_${id}`];
      if (typeof shown === 'string') noticeVersions[id] = shown;
    }
    const proof: ConsentEvidence = {
      action: 'affirmative',
      method: 'checkbox',
      source: options.signup?.source ?? 'signup-form',
      formId: options.signup?.formId ?? 'gdpr-mail-signup',
      noticeVersions,
      ...evidence(request),
    };
    // The form's own faults (a stale notice, a bad purpose) are told now, for every address.
    gdpr.optIn.admit(body.email, ticked, proof);
    const { dnt, gpc } = signals(request);
    // Issue #19: nothing the store knows about the address is read before the
    // answer. The suppression check, the opt-in, its mail and the privacy
    // signals run after it, from the outbox (see gdpr.outbox).
    await gdpr.outbox.enqueue({
      kind: 'signup',
      email: body.email,
      purposes: ticked,
      evidence: proof,
      locale: ctx.locale,
      signals: { dnt, gpc },
      at: now().toISOString(),
    });
    drainAfter(request);
    return message(request, 'checkInboxTitle', 'checkInboxBody', { status: 'check-inbox' });
  }

  async function confirmView(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const value = token(request);
    const inspection = await gdpr.optIn.inspect(value);
    if (wantsJson(request)) {
      return jsonResponse(200, {
        maskedEmail: inspection.maskedEmail,
        purposes: inspection.purposes,
        expiresAt: inspection.expiresAt.toISOString(),
      });
    }
    return htmlResponse(
      200,
      pages.confirm({
        ...pageContext(request),
        action: `${basePath}${paths.confirm}/${value}`,
        token: value,
        purposes: inspection.purposes,
      }),
    );
  }

  async function confirm(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    parseBody(tokenFormBodySchema, request.body);
    const result = await gdpr.optIn.confirm(token(request), {
      source: 'double-opt-in-confirmation',
      ...evidence(request),
    });
    return message(request, 'confirmedTitle', 'confirmedBody', {
      status: 'confirmed',
      purposes: result.confirmed,
    });
  }

  /** The re-permission link (SEED-02): the GET shows one button, only its POST records consent. */
  async function repermissionView(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const value = token(request);
    const inspection = await gdpr.repermission.inspect(value);
    if (wantsJson(request)) {
      return jsonResponse(200, {
        maskedEmail: inspection.maskedEmail,
        purposes: inspection.purposes,
        deadline: inspection.deadline?.toISOString(),
      });
    }
    return htmlResponse(
      200,
      pages.confirm({
        ...pageContext(request),
        action: `${basePath}${paths.repermission}/${value}`,
        token: value,
        purposes: inspection.purposes,
      }),
    );
  }

  async function repermission(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    parseBody(tokenFormBodySchema, request.body);
    const result = await gdpr.repermission.confirm(token(request), evidence(request));
    return message(request, 'confirmedTitle', 'confirmedBody', {
      status: 'confirmed',
      purposes: result.purposeIds,
    });
  }

  async function unsubscribeView(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const value = token(request);
    const inspection = await gdpr.unsubscribe.inspect(value);
    if (wantsJson(request)) return jsonResponse(200, { scope: inspection.scope });
    const ctx = pageContext(request);
    return htmlResponse(
      200,
      pages.unsubscribe({
        ...ctx,
        action: `${basePath}${paths.unsubscribe}/${value}`,
        token: value,
        purposes:
          inspection.scope === 'all' ? [{ title: ctx.messages.everything }] : inspection.scope,
      }),
    );
  }

  /** RFC 8058 one-click and the page's button: no cookie, no redirect, idempotent 200. */
  async function unsubscribe(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    parseBody(tokenFormBodySchema, request.body);
    await gdpr.unsubscribe.oneClick(token(request), evidence(request));
    return message(request, 'unsubscribedTitle', 'unsubscribedBody', { status: 'unsubscribed' });
  }

  async function renderPreferences(
    request: GdprHttpRequest,
    value: string,
    saved: boolean,
  ): Promise<GdprHttpResponse> {
    const view = await gdpr.preferences.inspect(value);
    if (wantsJson(request)) return jsonResponse(200, { items: view.items, saved });
    const tracking = view.items.find((item) => item.kind === 'tracking');
    return htmlResponse(
      200,
      pages.preferences({
        ...pageContext(request),
        action: `${basePath}${paths.preferences}/${value}`,
        token: value,
        purposes: view.items
          .filter((item) => item.kind !== 'tracking')
          .map((item) => ({
            id: item.id,
            title: item.title,
            noticeText: item.noticeText,
            noticeVersion: item.noticeVersion,
            checked: item.subscribed,
          })),
        ...(tracking
          ? {
              tracking: {
                purposeId: tracking.id,
                checked: tracking.subscribed,
                noticeText: tracking.noticeText,
                noticeVersion: tracking.noticeVersion,
              },
            }
          : {}),
        saved,
      }),
    );
  }

  async function preferences(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    if (isCrossSiteRequest(request.headers, ownOrigin)) {
      return renderProblem(
        request,
        problem('CSRF_FAILED', 'The form came from another site: open the link from your email.'),
      );
    }
    const value = token(request);
    const body = parseBody(preferencesBodySchema, request.body);
    if (body.action === 'unsubscribe-all') {
      await gdpr.preferences.unsubscribeAll(value, evidence(request));
      return message(request, 'unsubscribedTitle', 'unsubscribedBody', { status: 'unsubscribed' });
    }
    const view = await gdpr.preferences.inspect(value);
    // Browsers omit unticked boxes: every item not ticked is a withdrawal.
    const choices: Record<string, boolean> = Object.fromEntries(
      view.items.map((item) => [item.id, false]),
    );
    for (const id of body.purposes) choices[id] = true;
    await gdpr.preferences.save(value, choices, evidence(request));
    return renderPreferences(request, value, true);
  }

  const guarded =
    (handler: (request: GdprHttpRequest) => Promise<GdprHttpResponse>) =>
    async (request: GdprHttpRequest): Promise<GdprHttpResponse> => {
      try {
        return await handler(request);
      } catch (error) {
        return fail(request, error);
      }
    };

  // A transparent 1×1 GIF: what every pixel answers, counted or not, so the
  // answer says nothing about the person's choices.
  const PIXEL = Uint8Array.from(
    Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'),
  );
  const pixelResponse = (): GdprHttpResponse => ({
    status: 200,
    headers: {
      'content-type': 'image/gif',
      'cache-control': 'no-store, private',
    },
    body: PIXEL,
  });
  const pixelName = (request: GdprHttpRequest) => (request.params.file ?? '').replace(/\.gif$/, '');

  async function personalPixel(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    try {
      const hit = await gdpr.tracking.open(pixelName(request));
      if (hit.counted && hit.subjectId)
        await options.tracking?.onOpen?.({ subjectId: hit.subjectId });
    } catch (error) {
      options.onError?.(error, request);
    }
    return pixelResponse();
  }

  async function campaignPixel(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const campaignId = pixelName(request);
    if (config.tracking.mode === 'aggregate' && /^[A-Za-z0-9_-]{1,128}$/.test(campaignId)) {
      try {
        await options.tracking?.onAggregateOpen?.(campaignId);
      } catch (error) {
        options.onError?.(error, request);
      }
    }
    return pixelResponse();
  }

  // Data-subject requests (Art. 15-21): a public form, the mailed verification link
  // (GET shows a button, POST acts), and a single-use download (GET shows a button too).
  const dsarText = (request: GdprHttpRequest) => DSAR_TEXT[pageContext(request).locale];
  const dsarVerifyPath = paths.dsarVerify;
  const dsarDownloadPath = paths.dsarDownload;

  async function dsarForm(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const { pair, cookie } = csrfCookie();
    const action = `${basePath}/dsar`;
    if (wantsJson(request)) {
      const response = jsonResponse(200, { action, csrf: pair.field, types: DSAR_FORM_TYPES });
      response.headers['set-cookie'] = cookie;
      return response;
    }
    return htmlResponse(
      200,
      dsarFormPage(pageContext(request), { action, csrfField: pair.field }),
      {
        'set-cookie': cookie,
      },
    );
  }

  /** The DSAR form sent back after a problem, with a fresh CSRF pair. */
  function dsarFormAgain(
    request: GdprHttpRequest,
    details: ProblemDetails,
    typed: boolean,
  ): GdprHttpResponse {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const ctx = pageContext(request);
    const { pair, cookie } = csrfCookie();
    const email = typed ? typedEmail(raw) : undefined;
    const body = dsarFormPage(ctx, {
      action: `${basePath}/dsar`,
      csrfField: pair.field,
      ...(email ? { email } : {}),
      ...(typed && typeof raw.type === 'string' ? { type: raw.type } : {}),
      error: formErrorMessage(ctx.messages, details.code),
      errorCode: details.code,
    });
    return htmlResponse(details.status, body, { 'set-cookie': cookie });
  }

  async function dsarRequest(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrf(csrfSecret, request.cookies[CSRF_COOKIE], raw._csrf)) {
      return formProblem(request, CSRF_PROBLEM(), dsarFormAgain);
    }
    const body = parseBody(dsarBodySchema, raw);
    // The same answer for every address: the page must not reveal who is on file (REQ-21),
    // neither by its words nor by its time (issue #19). Syntax and the per-IP limit are
    // checked now; the lookup, the request record and its mail run after the answer.
    await gdpr.dsar.admit({
      email: body.email,
      type: body.type,
      ...(request.ip ? { ip: request.ip } : {}),
    });
    // The mail is written in the language the form was read in, as the signup's is.
    await gdpr.outbox.enqueue({
      kind: 'dsar-request',
      email: body.email,
      type: body.type,
      language: pageContext(request).locale,
    });
    drainAfter(request);
    const t = dsarText(request);
    if (wantsJson(request)) return jsonResponse(200, { status: 'received' });
    return htmlResponse(
      200,
      pages.message(pageContext(request), t.receivedTitle!, t.receivedBody!),
    );
  }

  async function dsarVerifyView(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const value = token(request);
    const t = dsarText(request);
    if (wantsJson(request))
      return jsonResponse(200, { action: `${basePath}${dsarVerifyPath}/${value}` });
    return htmlResponse(
      200,
      dsarActionPage(pageContext(request), {
        title: t.verifyTitle!,
        body: t.verifyBody!,
        action: `${basePath}${dsarVerifyPath}/${value}`,
        submit: t.verifySubmit!,
        token: value,
      }),
    );
  }

  /** The verified person's request is carried out at once where it needs nothing more. */
  async function dsarVerify(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const verified = await gdpr.dsar.verify(token(request));
    const t = dsarText(request);
    let done: string;
    if (verified.type === 'access' || verified.type === 'portability') {
      await gdpr.dsar.sendDownloadLink(verified.id);
      done = t.accessDone!;
    } else if (verified.type === 'erasure') {
      await gdpr.dsar.erase(verified.id, { actor: 'subject' });
      done = t.erasureDone!;
    } else if (verified.type === 'restriction') {
      await gdpr.dsar.restrict(verified.id, 'requested by the person');
      await gdpr.dsar.complete(verified.id, 'subject');
      done = t.restrictionDone!;
    } else {
      await gdpr.dsar.object(verified.id);
      await gdpr.dsar.complete(verified.id, 'subject');
      done = t.objectionDone!;
    }
    if (wantsJson(request)) return jsonResponse(200, { status: 'confirmed', type: verified.type });
    return htmlResponse(200, pages.message(pageContext(request), t.readyTitle!, done));
  }

  async function dsarDownloadView(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const value = token(request);
    const t = dsarText(request);
    return htmlResponse(
      200,
      dsarActionPage(pageContext(request), {
        title: t.downloadTitle!,
        body: t.downloadBody!,
        action: `${basePath}${dsarDownloadPath}/${value}`,
        submit: t.downloadSubmit!,
        token: value,
      }),
    );
  }

  async function dsarDownload(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const { request: dsar, body } = await gdpr.dsar.download(token(request));
    return {
      status: 200,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-disposition': `attachment; filename="my-data-${dsar.id}.json"`,
        'cache-control': 'no-store, private',
      },
      body,
    };
  }

  const trackingPath = trimSlash(config.tracking.path);
  const ownRoutes: GdprRoute[] = [
    { name: 'dsarForm', method: 'GET', path: '/dsar', handle: guarded(dsarForm) },
    {
      name: 'dsarRequest',
      method: 'POST',
      path: '/dsar',
      handle: guarded(formHandler(dsarRequest, dsarFormAgain)),
    },
    {
      name: 'dsarVerifyPage',
      method: 'GET',
      path: `${dsarVerifyPath}/:token`,
      handle: guarded(dsarVerifyView),
    },
    {
      name: 'dsarVerify',
      method: 'POST',
      path: `${dsarVerifyPath}/:token`,
      handle: guarded(dsarVerify),
    },
    {
      name: 'dsarDownloadPage',
      method: 'GET',
      path: `${dsarDownloadPath}/:token`,
      handle: guarded(dsarDownloadView),
    },
    {
      name: 'dsarDownload',
      method: 'POST',
      path: `${dsarDownloadPath}/:token`,
      handle: guarded(dsarDownload),
    },
    {
      name: 'personalPixel',
      method: 'GET',
      path: `${trackingPath}/o/:file`,
      handle: personalPixel,
    },
    {
      name: 'campaignPixel',
      method: 'GET',
      path: `${trackingPath}/c/:file`,
      handle: campaignPixel,
    },
    { name: 'signupForm', method: 'GET', path: '/signup', handle: guarded(signupForm) },
    {
      name: 'signup',
      method: 'POST',
      path: '/signup',
      handle: guarded(formHandler(signup, signupFormAgain)),
    },
    {
      name: 'confirmPage',
      method: 'GET',
      path: `${paths.confirm}/:token`,
      handle: guarded(usedLinkAware(confirmView)),
    },
    {
      name: 'confirm',
      method: 'POST',
      path: `${paths.confirm}/:token`,
      handle: guarded(usedLinkAware(confirm)),
    },
    {
      name: 'repermissionPage',
      method: 'GET',
      path: `${paths.repermission}/:token`,
      handle: guarded(usedLinkAware(repermissionView)),
    },
    {
      name: 'repermission',
      method: 'POST',
      path: `${paths.repermission}/:token`,
      handle: guarded(usedLinkAware(repermission)),
    },
    {
      name: 'unsubscribePage',
      method: 'GET',
      path: `${paths.unsubscribe}/:token`,
      handle: guarded(unsubscribeView),
    },
    {
      name: 'unsubscribe',
      method: 'POST',
      path: `${paths.unsubscribe}/:token`,
      handle: guarded(unsubscribe),
    },
    {
      name: 'preferencesPage',
      method: 'GET',
      path: `${paths.preferences}/:token`,
      handle: guarded((request) => renderPreferences(request, token(request), false)),
    },
    {
      name: 'preferences',
      method: 'POST',
      path: `${paths.preferences}/:token`,
      handle: guarded(preferences),
    },
  ];
  // One place adds the security headers, so no route (present or future) can forget them.
  const routes: GdprRoute[] = ownRoutes.map((route) => ({
    ...route,
    handle: async (request) => withSecurityHeaders(await route.handle(request)),
  }));

  /** A path under the mount that no route serves (404), or a known path with the wrong method (405). */
  function unmatched(request: GdprHttpRequest, knownPath: boolean): GdprHttpResponse {
    return knownPath
      ? renderProblem(
          request,
          problem('METHOD_NOT_ALLOWED', 'This address does not accept that method.'),
        )
      : renderProblem(request, problem('NOT_FOUND', 'There is nothing at this address.'));
  }
  const webhooks = createWebhookRoutes(options.webhooks ?? [], (error, request, path) => {
    const { method, headers, query, ip } = request;
    const cookies = {};
    options.onError?.(error, {
      method,
      path,
      params: {},
      query,
      body: undefined,
      headers,
      ip,
      cookies,
    });
  });
  return { routes, webhooks, basePath, problem: fail, renderProblem, unmatched };
}
