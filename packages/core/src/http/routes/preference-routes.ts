import type { z } from 'zod';
import { isCrossSiteRequest } from '../csrf.js';
import { problem } from '../problem-details.js';
import {
  preferencesAnswer,
  preferencesSavedAnswer,
  unsubscribedAnswer,
  unsubscribePageAnswer,
} from './answer-schemas.js';
import { parseBody, preferencesBodySchema, tokenFormBodySchema } from './form-schemas.js';
import type { GdprHttpRequest, GdprHttpResponse, GdprRoute } from './gdpr-http-types.js';
import { htmlResponse, jsonResponse, wantsJson } from './respond.js';
import type { RouteContext } from './route-context.js';
import { FORM_PROBLEMS, TOKEN_PROBLEMS } from './route-doc.js';

/**
 * Unsubscribe and preferences: the one-click link (RFC 8058, no cookie, no
 * CSRF field: the signed token is the authentication) and the preference
 * centre, whose form is refused when a browser says it came from another site.
 */
export function preferenceRoutes(ctx: RouteContext): GdprRoute[] {
  const { gdpr, pages, paths, guarded } = ctx;

  async function unsubscribeView(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const value = ctx.token(request);
    const inspection = await gdpr.unsubscribe.inspect(value);
    if (wantsJson(request)) {
      return jsonResponse(200, {
        scope: inspection.scope,
      } satisfies z.input<typeof unsubscribePageAnswer>);
    }
    const page = ctx.pageContext(request);
    return htmlResponse(
      200,
      pages.unsubscribe({
        ...page,
        action: ctx.linkAction(paths.unsubscribe, value),
        token: value,
        purposes:
          inspection.scope === 'all' ? [{ title: page.messages.everything }] : inspection.scope,
      }),
    );
  }

  /** RFC 8058 one-click and the page's button: no cookie, no redirect, idempotent 200. */
  async function unsubscribe(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    parseBody(tokenFormBodySchema, request.body);
    await gdpr.unsubscribe.oneClick(ctx.token(request), ctx.evidence(request));
    return ctx.message(request, 'unsubscribedTitle', 'unsubscribedBody', {
      status: 'unsubscribed',
    } satisfies z.input<typeof unsubscribedAnswer>);
  }

  async function renderPreferences(
    request: GdprHttpRequest,
    value: string,
    saved: boolean,
  ): Promise<GdprHttpResponse> {
    const view = await gdpr.preferences.inspect(value);
    if (wantsJson(request)) {
      return jsonResponse(200, {
        items: view.items,
        saved,
      } satisfies z.input<typeof preferencesAnswer>);
    }
    const tracking = view.items.find((item) => item.kind === 'tracking');
    return htmlResponse(
      200,
      pages.preferences({
        ...ctx.pageContext(request),
        action: ctx.linkAction(paths.preferences, value),
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
    if (isCrossSiteRequest(request.headers, ctx.ownOrigin)) {
      return ctx.renderProblem(
        request,
        problem('CSRF_FAILED', 'The form came from another site: open the link from your email.'),
      );
    }
    const value = ctx.token(request);
    const body = parseBody(preferencesBodySchema, request.body);
    if (body.action === 'unsubscribe-all') {
      await gdpr.preferences.unsubscribeAll(value, ctx.evidence(request));
      return ctx.message(request, 'unsubscribedTitle', 'unsubscribedBody', {
        status: 'unsubscribed',
      } satisfies z.input<typeof unsubscribedAnswer>);
    }
    const view = await gdpr.preferences.inspect(value);
    // Browsers omit unticked boxes: every item not ticked is a withdrawal.
    const choices: Record<string, boolean> = Object.fromEntries(
      view.items.map((item) => [item.id, false]),
    );
    for (const id of body.purposes) choices[id] = true;
    await gdpr.preferences.save(value, choices, ctx.evidence(request));
    return renderPreferences(request, value, true);
  }

  return [
    {
      name: 'unsubscribePage',
      method: 'GET',
      path: `${paths.unsubscribe}/:token`,
      doc: {
        summary: 'Unsubscribe page; changes nothing',
        tag: 'preferences',
        answers: {
          200: {
            kind: 'page',
            description: 'The page with an unsubscribe button',
            json: unsubscribePageAnswer,
          },
        },
        problems: TOKEN_PROBLEMS,
      },
      handle: guarded(unsubscribeView),
    },
    {
      name: 'unsubscribe',
      method: 'POST',
      path: `${paths.unsubscribe}/:token`,
      doc: {
        summary: 'RFC 8058 one-click unsubscribe',
        description:
          "Body `List-Unsubscribe=One-Click`, or the page's button. No authentication, no cookie, no CSRF, no redirect; idempotent.",
        tag: 'preferences',
        body: { name: 'TokenBody', schema: tokenFormBodySchema, required: false },
        answers: {
          200: {
            kind: 'page',
            description: 'Unsubscribed (also on a repeat)',
            json: unsubscribedAnswer,
          },
        },
        problems: [...TOKEN_PROBLEMS, ...FORM_PROBLEMS],
      },
      handle: guarded(unsubscribe),
    },
    {
      name: 'preferencesPage',
      method: 'GET',
      path: `${paths.preferences}/:token`,
      doc: {
        summary: 'Preference centre',
        tag: 'preferences',
        answers: { 200: { kind: 'page', description: 'Current choices', json: preferencesAnswer } },
        problems: TOKEN_PROBLEMS,
      },
      handle: guarded((request) => renderPreferences(request, ctx.token(request), false)),
    },
    {
      name: 'preferences',
      method: 'POST',
      path: `${paths.preferences}/:token`,
      doc: {
        summary: 'Save choices, or unsubscribe from everything',
        description:
          'Unticked purposes are withdrawn. Refused (CSRF_FAILED) when the browser says the form came from another site (`Sec-Fetch-Site`, else `Origin`).',
        tag: 'preferences',
        body: { name: 'PreferencesBody', schema: preferencesBodySchema, required: false },
        answers: {
          200: {
            kind: 'page',
            description: 'Saved (the choices again), or unsubscribed from everything',
            json: preferencesSavedAnswer,
          },
        },
        problems: [...TOKEN_PROBLEMS, ...FORM_PROBLEMS, 'CSRF_FAILED'],
      },
      handle: guarded(preferences),
    },
  ];
}
