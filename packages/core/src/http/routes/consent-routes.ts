import type { z } from 'zod';
import type { ConsentEvidence } from '../../consent/evidence.js';
import { GdprMailError } from '../../errors/gdpr-mail-error.js';
import { normalizeEmail } from '../../subjects/normalize-email.js';
import type { PurposeView } from '../pages/consent-pages.js';
import type { RateLimiter } from '../rate-limiter.js';
import { createMemoryRateLimiter } from '../rate-limiter.js';
import {
  confirmedAnswer,
  confirmPageAnswer,
  repermissionPageAnswer,
  signupAnswer,
  signupFormAnswer,
} from './answer-schemas.js';
import { parseBody, signupBodySchema, tokenFormBodySchema } from './form-schemas.js';
import type { GdprHttpRequest, GdprHttpResponse, GdprRoute } from './gdpr-http-types.js';
import { htmlResponse, jsonResponse, wantsJson } from './respond.js';
import type { RouteContext } from './route-context.js';
import { FORM_PROBLEMS, TOKEN_PROBLEMS } from './route-doc.js';

/**
 * Consent pages: the signup form with double opt-in, the mailed confirmation
 * link, and the re-permission link (SEED-02). A GET only shows; only a POST
 * records consent.
 */
export function consentRoutes(ctx: RouteContext): GdprRoute[] {
  const { gdpr, config, options, basePath, pages, paths } = ctx;
  const limiter: RateLimiter =
    options.signup?.rateLimiter ?? createMemoryRateLimiter({ limit: 10, windowMs: 60_000 });
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
    // Tracking needs an act of its own (REQ-15, REQ-29): among the signup boxes it would be
    // ticked in the same gesture as the newsletter, so only the preference centre offers it.
    if (purpose.kind === 'tracking') {
      throw new GdprMailError(
        'CONFIG_INVALID',
        `signup.purposes: "${id}" is a tracking purpose; tracking is offered in the preference centre only.`,
        { issues: [{ path: 'signup.purposes', message: `"${id}" is a tracking purpose` }] },
      );
    }
    return {
      id,
      title: purpose.title,
      noticeText: purpose.notice.text,
      noticeVersion: purpose.notice.version,
    };
  });
  const action = `${basePath}/signup`;

  /** The signup form sent back after a problem: the person's own ticks come back ticked, nothing else (REQ-01). */
  const signupFormAgain = ctx.formAgain(({ raw, typed, page, ...view }) => {
    const sent = raw.purposes;
    const ticked = new Set(
      typed ? (Array.isArray(sent) ? sent : [sent]).filter((v) => typeof v === 'string') : [],
    );
    return pages.signup({
      ...page,
      ...view,
      action,
      purposes: signupPurposes.map((p) => (ticked.has(p.id) ? { ...p, checked: true } : p)),
    });
  });

  async function signupForm(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const { pair, cookie } = ctx.csrfCookie();
    if (wantsJson(request)) {
      const response = jsonResponse(200, {
        action,
        csrf: pair.field,
        purposes: signupPurposes,
      } satisfies z.input<typeof signupFormAnswer>);
      response.headers['set-cookie'] = cookie;
      return response;
    }
    const body = pages.signup({
      ...ctx.pageContext(request),
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
    if (!(await limiter.hit(`signup:${ctx.clientIp(request) ?? 'unknown'}`))) {
      throw new GdprMailError('RATE_LIMITED', 'Too many sign-ups from here: try again later.', {
        retryable: true,
        ...(limiter.windowMs === undefined ? {} : { details: { retryAfterMs: limiter.windowMs } }),
      });
    }
    if (!ctx.csrfHolds(request)) {
      return ctx.formProblem(request, ctx.csrfProblem(), signupFormAgain);
    }
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(signupBodySchema, raw);
    const offered = new Set(signupIds);
    const ticked = [...new Set(body.purposes)];
    const unknown = ticked.filter((id) => !offered.has(id));
    if (unknown.length > 0) {
      throw new GdprMailError('VALIDATION_FAILED', 'The form lists a purpose it does not offer.', {
        issues: unknown.map((id) => ({ path: 'purposes', message: `"${id}" is not offered` })),
      });
    }
    const page = ctx.pageContext(request);
    // Syntax is checked for every address alike, so a 400 here reveals nothing.
    normalizeEmail(body.email);
    if (ticked.length === 0) {
      // Nothing ticked: nothing is recorded and nothing is mailed, and the page says
      // so. The answer depends on the form alone, never on the address (REQ-21).
      return ctx.message(
        request,
        'nothingTickedTitle',
        'nothingTickedBody',
        { status: 'nothing-recorded' } satisfies z.input<typeof signupAnswer>,
        (p) => ({ href: action, label: p.messages.backToForm }),
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
      ...ctx.evidence(request),
    };
    // The form's own faults (a stale notice, a bad purpose) are told now, for every address.
    gdpr.optIn.admit(body.email, ticked, proof);
    const { dnt, gpc } = ctx.signals(request);
    // Issue #19: nothing the store knows about the address is read before the
    // answer. The suppression check, the opt-in, its mail and the privacy
    // signals run after it, from the outbox (see gdpr.outbox).
    await gdpr.outbox.enqueue({
      kind: 'signup',
      email: body.email,
      purposes: ticked,
      evidence: proof,
      locale: page.locale,
      signals: { dnt, gpc },
      at: ctx.now().toISOString(),
    });
    ctx.drainAfter(request);
    return ctx.message(request, 'checkInboxTitle', 'checkInboxBody', {
      status: 'check-inbox',
    } satisfies z.input<typeof signupAnswer>);
  }

  async function confirmView(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const value = ctx.token(request);
    const inspection = await gdpr.optIn.inspect(value);
    if (wantsJson(request)) {
      return jsonResponse(200, {
        maskedEmail: inspection.maskedEmail,
        purposes: inspection.purposes,
        expiresAt: inspection.expiresAt.toISOString(),
      } satisfies z.input<typeof confirmPageAnswer>);
    }
    return htmlResponse(
      200,
      pages.confirm({
        ...ctx.pageContext(request),
        action: ctx.linkAction(paths.confirm, value),
        token: value,
        purposes: inspection.purposes,
      }),
    );
  }

  async function confirm(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    parseBody(tokenFormBodySchema, request.body);
    const result = await gdpr.optIn.confirm(ctx.token(request), {
      source: 'double-opt-in-confirmation',
      ...ctx.evidence(request),
    });
    return ctx.message(request, 'confirmedTitle', 'confirmedBody', {
      status: 'confirmed',
      purposes: result.confirmed,
    } satisfies z.input<typeof confirmedAnswer>);
  }

  async function repermissionView(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const value = ctx.token(request);
    const inspection = await gdpr.repermission.inspect(value);
    if (wantsJson(request)) {
      return jsonResponse(200, {
        maskedEmail: inspection.maskedEmail,
        purposes: inspection.purposes,
        deadline: inspection.deadline?.toISOString(),
      } satisfies z.input<typeof repermissionPageAnswer>);
    }
    return htmlResponse(
      200,
      pages.confirm({
        ...ctx.pageContext(request),
        action: ctx.linkAction(paths.repermission, value),
        token: value,
        purposes: inspection.purposes,
      }),
    );
  }

  async function repermission(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    parseBody(tokenFormBodySchema, request.body);
    const result = await gdpr.repermission.confirm(ctx.token(request), ctx.evidence(request));
    return ctx.message(request, 'confirmedTitle', 'confirmedBody', {
      status: 'confirmed',
      purposes: result.purposeIds,
    } satisfies z.input<typeof confirmedAnswer>);
  }

  const { guarded, usedLinkAware } = ctx;
  const tokenBody = { name: 'TokenBody', schema: tokenFormBodySchema, required: false };
  return [
    {
      name: 'signupForm',
      method: 'GET',
      path: '/signup',
      doc: {
        summary: 'Signup form: one unticked box per purpose, with its notice version',
        description:
          'Sets the CSRF cookie; JSON clients get the CSRF field and the purposes on offer.',
        tag: 'consent',
        answers: { 200: { kind: 'page', description: 'The form', json: signupFormAnswer } },
        problems: [],
      },
      handle: guarded(signupForm),
    },
    {
      name: 'signup',
      method: 'POST',
      path: '/signup',
      doc: {
        summary: 'Start double opt-in',
        description:
          'Answers the same whatever the address (no enumeration). Needs the CSRF cookie and field. A browser whose form has a problem gets the form back (same status) with what it typed and a fresh CSRF pair. The opt-in and its mail run after the answer, from the outbox.',
        tag: 'consent',
        body: { name: 'SignupBody', schema: signupBodySchema, required: true },
        answers: {
          200: {
            kind: 'page',
            description:
              '"Check your inbox" (`check-inbox`), whatever happened to the address; with no purpose ticked, "nothing was recorded" (`nothing-recorded`), which depends on the form alone',
            json: signupAnswer,
          },
        },
        problems: [
          ...FORM_PROBLEMS,
          'INVALID_EMAIL',
          'CSRF_FAILED',
          'NOTICE_VERSION_MISMATCH',
          'RATE_LIMITED',
          'STORE_FAILURE',
        ],
      },
      handle: guarded(ctx.formHandler(signup, signupFormAgain)),
    },
    {
      name: 'confirmPage',
      method: 'GET',
      path: `${paths.confirm}/:token`,
      doc: {
        summary: 'Confirmation interstitial; changes nothing (link scanners prefetch)',
        tag: 'consent',
        answers: {
          200: {
            kind: 'page',
            description: 'The page with a confirm button',
            json: confirmPageAnswer,
          },
        },
        problems: [...TOKEN_PROBLEMS, 'TOKEN_USED', 'OPT_IN_NOT_PENDING'],
      },
      handle: guarded(usedLinkAware(confirmView)),
    },
    {
      name: 'confirm',
      method: 'POST',
      path: `${paths.confirm}/:token`,
      doc: {
        summary: 'Confirm the pending opt-in (single use)',
        description:
          'A browser opening a spent link gets a plain "already used" page (409); JSON clients the TOKEN_USED problem.',
        tag: 'consent',
        body: tokenBody,
        answers: { 200: { kind: 'page', description: 'Confirmed', json: confirmedAnswer } },
        problems: [...TOKEN_PROBLEMS, ...FORM_PROBLEMS, 'TOKEN_USED', 'OPT_IN_NOT_PENDING'],
      },
      handle: guarded(usedLinkAware(confirm)),
    },
    {
      name: 'repermissionPage',
      method: 'GET',
      path: `${paths.repermission}/:token`,
      doc: {
        summary: 'Re-permission page: "do you still want our mail?"; changes nothing',
        tag: 'consent',
        answers: {
          200: {
            kind: 'page',
            description: 'The page with one confirm button',
            json: repermissionPageAnswer,
          },
        },
        problems: [...TOKEN_PROBLEMS, 'TOKEN_USED'],
      },
      handle: guarded(usedLinkAware(repermissionView)),
    },
    {
      name: 'repermission',
      method: 'POST',
      path: `${paths.repermission}/:token`,
      doc: {
        summary: 'Confirm consent again (single use): recorded with proof (SEED-02)',
        tag: 'consent',
        body: tokenBody,
        answers: { 200: { kind: 'page', description: 'Consent recorded', json: confirmedAnswer } },
        problems: [...TOKEN_PROBLEMS, ...FORM_PROBLEMS, 'TOKEN_USED'],
      },
      handle: guarded(usedLinkAware(repermission)),
    },
  ];
}
