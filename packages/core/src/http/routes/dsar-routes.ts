import type { z } from 'zod';
import { DSAR_FORM_TYPES, DSAR_TEXT, dsarActionPage, dsarFormPage } from '../pages/dsar-pages.js';
import {
  dsarExportAnswer,
  dsarFormAnswer,
  dsarReceivedAnswer,
  dsarVerifiedAnswer,
  dsarVerifyPageAnswer,
} from './answer-schemas.js';
import { dsarBodySchema, parseBody, tokenFormBodySchema } from './form-schemas.js';
import type { GdprHttpRequest, GdprHttpResponse, GdprRoute } from './gdpr-http-types.js';
import { htmlResponse, jsonResponse, wantsJson } from './respond.js';
import type { RouteContext } from './route-context.js';
import { FORM_PROBLEMS, PATH_PROBLEMS, TOKEN_PROBLEMS } from './route-doc.js';

/**
 * Data-subject requests (Art. 15-21): a public form, the mailed verification
 * link (GET shows a button, POST acts), and a single-use download (GET shows a
 * button too; the POST streams the export).
 */
export function dsarRoutes(ctx: RouteContext): GdprRoute[] {
  const { gdpr, basePath, pages, paths, guarded } = ctx;
  const action = `${basePath}/dsar`;
  const dsarText = (request: GdprHttpRequest) => DSAR_TEXT[ctx.pageContext(request).locale];

  async function dsarForm(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const { pair, cookie } = ctx.csrfCookie();
    if (wantsJson(request)) {
      const response = jsonResponse(200, {
        action,
        csrf: pair.field,
        types: [...DSAR_FORM_TYPES],
      } satisfies z.input<typeof dsarFormAnswer>);
      response.headers['set-cookie'] = cookie;
      return response;
    }
    const body = dsarFormPage(ctx.pageContext(request), { action, csrfField: pair.field });
    return htmlResponse(200, body, { 'set-cookie': cookie });
  }

  /** The DSAR form sent back after a problem, with the type the person chose. */
  const dsarFormAgain = ctx.formAgain(({ raw, typed, page, ...view }) =>
    dsarFormPage(page, {
      ...view,
      action,
      ...(typed && typeof raw.type === 'string' ? { type: raw.type } : {}),
    }),
  );

  async function dsarRequest(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    if (!ctx.csrfHolds(request)) {
      return ctx.formProblem(request, ctx.csrfProblem(), dsarFormAgain);
    }
    const body = parseBody(dsarBodySchema, request.body);
    // The same answer for every address: the page must not reveal who is on file (REQ-21),
    // neither by its words nor by its time (issue #19). Syntax and the per-IP limit are
    // checked now; the lookup, the request record and its mail run after the answer.
    const ip = ctx.clientIp(request);
    await gdpr.dsar.admit({ email: body.email, type: body.type, ...(ip ? { ip } : {}) });
    // The mail is written in the language the form was read in, as the signup's is.
    await gdpr.outbox.enqueue({
      kind: 'dsar-request',
      email: body.email,
      type: body.type,
      language: ctx.pageContext(request).locale,
    });
    ctx.drainAfter(request);
    const t = dsarText(request);
    if (wantsJson(request))
      return jsonResponse(200, { status: 'received' } satisfies z.input<typeof dsarReceivedAnswer>);
    return htmlResponse(
      200,
      pages.message(ctx.pageContext(request), t.receivedTitle!, t.receivedBody!),
    );
  }

  async function dsarVerifyView(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const value = ctx.token(request);
    const t = dsarText(request);
    const target = ctx.linkAction(paths.dsarVerify, value);
    if (wantsJson(request))
      return jsonResponse(200, { action: target } satisfies z.input<typeof dsarVerifyPageAnswer>);
    return htmlResponse(
      200,
      dsarActionPage(ctx.pageContext(request), {
        title: t.verifyTitle!,
        body: t.verifyBody!,
        action: target,
        submit: t.verifySubmit!,
        token: value,
      }),
    );
  }

  /** The verified person's request is carried out at once where it needs nothing more. */
  async function dsarVerify(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const verified = await gdpr.dsar.verify(ctx.token(request));
    const t = dsarText(request);
    let done: string;
    if (verified.type === 'access' || verified.type === 'portability') {
      await gdpr.dsar.sendDownloadLink(verified.id);
      done = t.accessDone!;
    } else if (verified.type === 'erasure') {
      const certificate = await gdpr.dsar.erase(verified.id, { actor: 'subject' });
      // A source that failed keeps the person on file until the erasure is retried:
      // the page must not tell them it is done.
      const partial = Object.values(certificate.sources).some((s) => s.status === 'failed');
      done = partial ? t.erasurePending! : t.erasureDone!;
    } else if (verified.type === 'restriction') {
      await gdpr.dsar.restrict(verified.id, 'requested by the person');
      await gdpr.dsar.complete(verified.id, 'subject');
      done = t.restrictionDone!;
    } else if (verified.type === 'objection') {
      await gdpr.dsar.object(verified.id);
      await gdpr.dsar.complete(verified.id, 'subject');
      done = t.objectionDone!;
    } else {
      // A rectification needs the corrected values, which the link does not carry: the
      // request stays verified for the controller's `rectify` (never an objection).
      done = t.rectificationDone!;
    }
    if (wantsJson(request)) {
      return jsonResponse(200, {
        status: 'confirmed',
        type: verified.type,
      } satisfies z.input<typeof dsarVerifiedAnswer>);
    }
    return htmlResponse(200, pages.message(ctx.pageContext(request), t.readyTitle!, done));
  }

  async function dsarDownloadView(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const value = ctx.token(request);
    const t = dsarText(request);
    return htmlResponse(
      200,
      dsarActionPage(ctx.pageContext(request), {
        title: t.downloadTitle!,
        body: t.downloadBody!,
        action: ctx.linkAction(paths.dsarDownload, value),
        submit: t.downloadSubmit!,
        token: value,
      }),
    );
  }

  /** The export, streamed chunk by chunk: never held whole in memory. */
  async function dsarDownload(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const { request: dsar, body } = await gdpr.dsar.download(ctx.token(request));
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

  const verifyPath = `${paths.dsarVerify}/:token`;
  const downloadPath = `${paths.dsarDownload}/:token`;
  const tokenBody = { name: 'TokenBody', schema: tokenFormBodySchema, required: false };
  return [
    {
      name: 'dsarForm',
      method: 'GET',
      path: '/dsar',
      doc: {
        summary:
          'Data-subject request form (access, erasure, restriction, objection); sets the CSRF cookie',
        tag: 'dsar',
        answers: {
          200: { kind: 'page', description: 'The form with its CSRF field', json: dsarFormAnswer },
        },
        problems: [],
      },
      handle: guarded(dsarForm),
    },
    {
      name: 'dsarRequest',
      method: 'POST',
      path: '/dsar',
      doc: {
        summary: 'Receive a request; the verification link goes to the address on file only',
        description:
          'Answers the same whatever the address (no enumeration). Needs the CSRF cookie and field. A browser whose form has a problem gets the form back (same status) with what it typed and a fresh CSRF pair.',
        tag: 'dsar',
        body: { name: 'DsarBody', schema: dsarBodySchema, required: true },
        answers: {
          200: {
            kind: 'page',
            description: '"If we hold data for this address, we mailed a link"',
            json: dsarReceivedAnswer,
          },
        },
        problems: [
          ...FORM_PROBLEMS,
          'INVALID_EMAIL',
          'CSRF_FAILED',
          'RATE_LIMITED',
          'STORE_FAILURE',
        ],
      },
      handle: guarded(ctx.formHandler(dsarRequest, dsarFormAgain)),
    },
    {
      name: 'dsarVerifyPage',
      method: 'GET',
      path: verifyPath,
      doc: {
        summary: 'Verification interstitial; changes nothing and reads nothing',
        tag: 'dsar',
        answers: {
          200: {
            kind: 'page',
            description: 'The page with a confirm button',
            json: dsarVerifyPageAnswer,
          },
        },
        problems: PATH_PROBLEMS,
      },
      handle: guarded(dsarVerifyView),
    },
    {
      name: 'dsarVerify',
      method: 'POST',
      path: verifyPath,
      doc: {
        summary: 'Prove control of the address (single use) and carry out or start the request',
        tag: 'dsar',
        body: tokenBody,
        answers: {
          200: { kind: 'page', description: 'Request verified', json: dsarVerifiedAnswer },
        },
        problems: [...TOKEN_PROBLEMS, ...FORM_PROBLEMS, 'TOKEN_USED'],
      },
      handle: guarded(dsarVerify),
    },
    {
      name: 'dsarDownloadPage',
      method: 'GET',
      path: downloadPath,
      doc: {
        summary: 'Download interstitial; changes nothing and reads nothing',
        tag: 'dsar',
        answers: { 200: { kind: 'page', description: 'The page with a download button' } },
        problems: PATH_PROBLEMS,
      },
      handle: guarded(dsarDownloadView),
    },
    {
      name: 'dsarDownload',
      method: 'POST',
      path: downloadPath,
      doc: {
        summary: 'The export bundle (JSON, streamed; single use)',
        tag: 'dsar',
        body: tokenBody,
        answers: {
          200: {
            kind: 'json',
            description: 'The machine-readable export (Art. 15, Art. 20), as an attachment',
            schema: dsarExportAnswer,
          },
        },
        problems: [...TOKEN_PROBLEMS, ...FORM_PROBLEMS, 'TOKEN_USED'],
      },
      handle: guarded(dsarDownload),
    },
  ];
}
