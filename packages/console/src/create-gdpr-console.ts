import { createHmac, randomBytes } from 'node:crypto';
import type { GdprMail } from '@gdpr-mail/core';
import { GdprMailError, isGdprMailError } from '@gdpr-mail/core';
import type { SafeHtml } from '@gdpr-mail/core/http';
import {
  BodyTooLargeError,
  byteLimit,
  csrfField,
  html,
  negotiateLocale,
  parseCookies,
  readForm,
  SECURITY_HEADERS,
  serializeCookie,
  statusForCode,
  verifyCsrf,
} from '@gdpr-mail/core/http';
import { textStream } from '@gdpr-mail/core/internal';
import type { ConsoleSection } from './layout.js';
import { consoleLayout } from './layout.js';
import type { ConsoleLocale, ConsoleMessages } from './messages.js';
import { CONSOLE_LOCALES, CONSOLE_MESSAGES } from './messages.js';
import type { PageKit } from './pages.js';
import {
  auditPages,
  breachPages,
  coreWords,
  personPages,
  recordPages,
  requestPages,
  retentionPages,
} from './pages.js';
import { createPlanRunner, createSweepRunner } from './sweep-runner.js';

/**
 * What a console user may do; `authorize` is asked for one of these on every request.
 * `answer`: completing a request, refusing it with reasons, rectifying, lifting a
 * restriction. Mailing a download link is an `export`: it hands the person's data over.
 */
export const CONSOLE_ACTIONS = [
  'view',
  'export',
  'erase',
  'breach',
  'sweep',
  'extend',
  'answer',
] as const;
export type ConsoleAction = (typeof CONSOLE_ACTIONS)[number];

/**
 * What a framework knows and a Fetch `Request` does not carry: the signed-in
 * user your login put on its request, and a body a parser read already.
 */
export interface GdprConsoleContext {
  /** Handed to `authorize` as it is (e.g. Express's `req.user` or `req.session`). */
  user?: unknown;
  /** A body your framework already read (object, text or bytes), used instead of the stream. */
  body?: unknown;
}

/**
 * Decides whether this request may do `action`. Returns the actor (an id of
 * the signed-in user, never an address: it is written in the audit log) or
 * `null`/`undefined`/`false` to refuse with 403.
 */
export type ConsoleAuthorize = (
  request: Request,
  action: ConsoleAction,
  context: GdprConsoleContext,
) => string | null | undefined | false | Promise<string | null | undefined | false>;

export interface GdprConsoleOptions {
  /** Required: the access check of every page and form, per action (SEED-06). */
  authorize: ConsoleAuthorize;
  /** Where the console is mounted, e.g. `/admin/privacy`; links and cookies use it. Default ''. */
  basePath?: string;
  /** `en`, `fr`, or `auto` (Accept-Language, English otherwise). Default `auto`. */
  locale?: ConsoleLocale | 'auto';
  /** Signs the CSRF field; default derived from `secrets.pepper`. */
  csrfSecret?: string;
  /** Signs the JSON proofs of consent (HMAC-SHA256); default derived from `secrets.pepper`. */
  proofSecret?: string;
  /** Marks the CSRF cookie `Secure`; default: when `links.baseUrl` is https. */
  secureCookies?: boolean;
  /** Largest accepted form body. Default 16 kB. */
  bodyLimit?: string | number;
  /** Rows per page of the request and breach lists, 1 to 1000. Default 25. */
  pageSize?: number;
}

/** The console as one Fetch-API function, mounted like the core handler. */
export interface GdprConsole {
  (request: Request, context?: GdprConsoleContext): Promise<Response>;
  readonly basePath: string;
}

/** A route's answer before the frame and headers are added. */
export type ConsoleResult =
  | {
      kind: 'page';
      status?: number;
      section: ConsoleSection | undefined;
      title: string;
      body: SafeHtml;
    }
  | { kind: 'redirect'; location: string }
  | {
      kind: 'file';
      contentType: string;
      filename?: string;
      body: string | AsyncIterable<string>;
    };

export interface ConsoleRoute {
  method: 'GET' | 'POST';
  pattern: RegExp;
  action: ConsoleAction;
  handle(
    kit: PageKit,
    params: string[],
    form: Record<string, string | string[]>,
  ): Promise<ConsoleResult>;
}

export const CSRF_COOKIE = 'gdpr_console_csrf';

function derive(pepper: string, label: string): string {
  return createHmac('sha256', pepper).update(label).digest('base64url');
}

/**
 * The privacy console (issue #24): open DSARs by deadline, a person's consent
 * proofs, the breach register with its 72-hour clock, the retention plan and
 * sweep, the record of processing and the audit chain. Server-rendered HTML
 * without scripts; every request is checked by `authorize` for its action and
 * every form carries a CSRF field. Throws CONFIG_INVALID without `authorize`.
 */
export function createGdprConsole(gdpr: GdprMail, options: GdprConsoleOptions): GdprConsole {
  if (typeof options?.authorize !== 'function') {
    throw new GdprMailError(
      'CONFIG_INVALID',
      'The privacy console needs an authorize(request, action) hook: it decides who may view, export, erase, record breaches, sweep, extend and answer requests.',
      { issues: [{ path: 'authorize', message: 'must be a function' }] },
    );
  }
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  if (basePath !== '' && !/^\/[A-Za-z0-9._~\-/]*$/.test(basePath)) {
    throw new GdprMailError('CONFIG_INVALID', 'basePath must be a path like /admin/privacy.', {
      issues: [{ path: 'basePath', message: 'must start with / and hold only path characters' }],
    });
  }
  const pepper = gdpr.config.secrets.pepper;
  const csrfSecret = options.csrfSecret ?? derive(pepper, 'gdpr-mail/console-csrf');
  const proofSecret = options.proofSecret ?? derive(pepper, 'gdpr-mail/console-proof');
  const secure = options.secureCookies ?? gdpr.config.links.baseUrl.startsWith('https:');
  const formLimit = byteLimit(options.bodyLimit ?? '16kb');
  const pageSize = options.pageSize ?? 25;
  // 0, a fraction or NaN would make every list page fail (a 500) or show nothing.
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new GdprMailError('CONFIG_INVALID', 'pageSize must be a whole number from 1 to 1000.', {
      issues: [{ path: 'pageSize', message: 'must be a whole number from 1 to 1000' }],
    });
  }
  const clock = gdpr.config.clock;
  const now = () => (clock ? clock() : new Date());
  const sweeps = createSweepRunner(gdpr, now);
  const plans = createPlanRunner(gdpr, now);

  const routes: ConsoleRoute[] = [
    {
      method: 'GET',
      pattern: /^\/?$/,
      action: 'view',
      handle: async () => ({ kind: 'redirect', location: `${basePath}/requests` }),
    },
    ...requestPages,
    ...personPages,
    ...breachPages,
    ...retentionPages,
    ...recordPages,
    ...auditPages,
  ];

  function localeOf(request: Request): ConsoleLocale {
    if (options.locale && options.locale !== 'auto') return options.locale;
    return negotiateLocale(
      request.headers.get('accept-language') ?? undefined,
      CONSOLE_LOCALES,
      'en',
    );
  }

  async function formOf(
    request: Request,
    context: GdprConsoleContext,
  ): Promise<Record<string, string | string[]>> {
    let parsed: unknown;
    const given = context.body;
    if (given === undefined) parsed = await readForm(request, formLimit);
    else if (typeof given === 'string' || given instanceof Uint8Array) {
      const raw = new Request(request.url, {
        method: 'POST',
        headers: request.headers,
        body: given,
      });
      parsed = await readForm(raw, formLimit);
    } else {
      if (Number(request.headers.get('content-length') ?? 0) > formLimit) {
        throw new BodyTooLargeError();
      }
      parsed = given;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const form: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof value === 'string') form[name] = value;
      else if (Array.isArray(value))
        form[name] = value.filter((v): v is string => typeof v === 'string');
    }
    return form;
  }

  function headers(extra: Record<string, string> = {}): Headers {
    const all = new Headers({ ...SECURITY_HEADERS, 'cache-control': 'no-store', ...extra });
    return all;
  }

  function render(
    kit: Pick<PageKit, 'locale' | 'm'>,
    page: {
      status?: number;
      section: ConsoleSection | undefined;
      title: string;
      body: SafeHtml;
    },
    setCookie: string | undefined,
  ): Response {
    const body = consoleLayout({
      locale: kit.locale,
      messages: kit.m,
      basePath,
      section: page.section,
      title: page.title,
      body: page.body,
    });
    const h = headers({ 'content-type': 'text/html; charset=utf-8' });
    if (setCookie) h.append('set-cookie', setCookie);
    return new Response(body, { status: page.status ?? 200, headers: h });
  }

  function errorPage(
    kit: Pick<PageKit, 'locale' | 'm'>,
    status: number,
    text: string | SafeHtml,
    code: string,
  ): Response {
    return render(
      kit,
      {
        status,
        section: undefined,
        title: status === 403 ? kit.m.forbidden : kit.m.error,
        body: html`<p class="error" role="alert" data-code="${code}">${text}</p>`,
      },
      undefined,
    );
  }

  async function handle(request: Request, context: GdprConsoleContext = {}): Promise<Response> {
    const url = new URL(request.url);
    const locale = localeOf(request);
    const m: ConsoleMessages = CONSOLE_MESSAGES[locale];
    const base = { locale, m };
    let path: string | undefined;
    if (basePath === '') path = url.pathname;
    else if (url.pathname === basePath) path = '/';
    else if (url.pathname.startsWith(`${basePath}/`)) path = url.pathname.slice(basePath.length);
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    let matched: { route: ConsoleRoute; params: string[] } | undefined;
    let methodMismatch = false;
    if (path !== undefined) {
      for (const route of routes) {
        const found = route.pattern.exec(path);
        if (!found) continue;
        if (route.method !== method) {
          methodMismatch = true;
          continue;
        }
        matched = { route, params: found.slice(1).map((p) => decodeURIComponent(p)) };
        break;
      }
    }
    if (!matched) {
      return methodMismatch
        ? errorPage(base, 405, m.methodNotAllowed, 'METHOD_NOT_ALLOWED')
        : errorPage(base, 404, m.pageNotFound, 'NOT_FOUND');
    }
    const { route, params } = matched;
    try {
      const actor = await options.authorize(request, route.action, context);
      if (typeof actor !== 'string' || actor === '') {
        return errorPage(base, 403, m.forbidden, 'FORBIDDEN');
      }
      const cookies = parseCookies(request.headers.get('cookie') ?? undefined);
      let csrfCookie = cookies[CSRF_COOKIE];
      let setCookie: string | undefined;
      let form: Record<string, string | string[]> = {};
      if (method === 'POST') {
        form = await formOf(request, context);
        if (!verifyCsrf(csrfSecret, csrfCookie, form._csrf)) {
          return errorPage(base, 403, m.csrf, 'CSRF_FAILED');
        }
      }
      if (typeof csrfCookie !== 'string' || csrfCookie.length < 16) {
        csrfCookie = randomBytes(18).toString('base64url');
        setCookie = serializeCookie(CSRF_COOKIE, csrfCookie, {
          path: basePath === '' ? '/' : basePath,
          secure,
          maxAgeSeconds: 8 * 3600,
        });
      }
      const kit: PageKit = {
        gdpr,
        actor,
        locale,
        m,
        basePath,
        now,
        pageSize,
        proofSecret,
        sweeps,
        plans,
        csrf: csrfField(csrfSecret, csrfCookie),
        query: url.searchParams,
        audit: async (action, details = {}, subjectRef) => {
          await gdpr.audit.record({
            actor,
            action: `console.${action}`,
            ...(subjectRef ? { subjectRef } : {}),
            details,
          });
        },
      };
      const result = await route.handle(kit, params, form);
      switch (result.kind) {
        case 'redirect': {
          const h = headers({ location: result.location });
          if (setCookie) h.append('set-cookie', setCookie);
          return new Response(null, { status: 303, headers: h });
        }
        case 'file': {
          const h = headers({ 'content-type': result.contentType });
          if (result.filename) {
            h.set('content-disposition', `attachment; filename="${result.filename}"`);
          }
          return new Response(
            typeof result.body === 'string' ? result.body : textStream(result.body),
            { status: 200, headers: h },
          );
        }
        default:
          return render(kit, result, setCookie);
      }
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return errorPage(base, 413, m.formTooLarge, 'PAYLOAD_TOO_LARGE');
      }
      if (isGdprMailError(error)) {
        const status = statusForCode(error.code);
        // A 5xx says nothing of its cause: the message may name internals.
        return errorPage(
          base,
          status,
          status >= 500 ? m.error : coreWords(locale, error.message),
          error.code,
        );
      }
      return errorPage(base, 500, m.error, 'INTERNAL_ERROR');
    }
  }

  return Object.assign(handle, { basePath });
}
