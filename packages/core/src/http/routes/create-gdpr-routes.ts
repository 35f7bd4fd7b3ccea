import type { GdprMail } from '../../gdpr-mail.js';
import { warnOperator } from '../../observability/logger.js';
import type { ProblemDetails } from '../problem-details.js';
import { problem } from '../problem-details.js';
import type { GdprHttpRequest, GdprHttpResponse, GdprRoute } from './gdpr-http-types.js';
import type { GdprRoutesOptions } from './gdpr-routes-options.js';
import { openapiRoutes } from './openapi-routes.js';
import { SECURITY_HEADERS, withSecurityHeaders } from './respond.js';
import { createRouteContext } from './route-context.js';
import { routeTable } from './route-table.js';
import type { WebhookRoute } from './webhook-routes.js';
import { createWebhookRoutes } from './webhook-routes.js';

export type { GdprPages, GdprRoutesOptions, SendMail } from './gdpr-routes-options.js';
export { CSRF_COOKIE } from './route-context.js';

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

/** Instances already told that their routes cannot mail: one warning each. */
const warnedCannotMail = new WeakSet<GdprMail>();

/**
 * Without a transport the signup and DSAR forms still answer "check your inbox" (the same for
 * every address), and the mails then fail after the answer, where no one sees it: said once,
 * when the routes are made, to the configured logger or else the console.
 */
function warnIfCannotMail(gdpr: GdprMail, options: GdprRoutesOptions): void {
  if (gdpr.config.transport || warnedCannotMail.has(gdpr)) return;
  warnedCannotMail.add(gdpr);
  const links = options.sendMail
    ? 'the verification links of data-subject requests (`sendMail` sends the double opt-in mail only)'
    : 'the double opt-in confirmation links or the verification links of data-subject requests';
  const message =
    `[gdpr-mail] The config has no \`transport\`: the routes answer sign-ups and data-subject requests ` +
    `but cannot mail ${links} (MAILER_NOT_CONFIGURED). ` +
    'Add `transport` and `mailer: { from }` to the config (docs/transports.md).';
  warnOperator(gdpr.config.logger, 'MAILER_NOT_CONFIGURED', message);
}

/**
 * The gdpr-mail route table, free of any framework, assembled from one module
 * per route group. `createGdprHandler` serves it on the Fetch API; this lower
 * level is kept for code that drives the routes itself. Handlers never throw;
 * every failure becomes an RFC 9457 problem (JSON) or an error page (browsers).
 */
export function createGdprRoutes(gdpr: GdprMail, options: GdprRoutesOptions = {}): GdprRoutes {
  warnIfCannotMail(gdpr, options);
  // The signup's confirmation mail is sent by the outbox, after the answer.
  if (options.sendMail) gdpr.outbox.useSender(options.sendMail);
  // Leftovers of a crash or a restart run without waiting for new traffic.
  gdpr.outbox.startSweeping();
  const ctx = createRouteContext(gdpr, options);
  const providerRoutes = createWebhookRoutes(options.webhooks ?? [], (error, request, path) => {
    const { method, headers, query, ip } = request;
    options.onError?.(error, {
      method,
      path,
      params: {},
      query,
      body: undefined,
      headers,
      ip,
      cookies: {},
    });
  });
  // A provider's handler answers with its own few headers; the router's promise (security
  // headers, nothing cached) holds for these answers too, the handler's own winning.
  const webhooks: WebhookRoute[] = providerRoutes.map((route) => ({
    ...route,
    handle: async (request) => {
      const response = await route.handle(request);
      return {
        ...response,
        headers: { ...SECURITY_HEADERS, 'cache-control': 'no-store', ...response.headers },
      };
    },
  }));
  const table = routeTable(ctx);
  // The OpenAPI route (when asked) documents the table it is served with.
  const ownRoutes: GdprRoute[] = [...table, ...openapiRoutes(ctx, [...table, ...webhooks])];
  // One place adds the security headers, so no route (present or future) can forget them.
  const routes: GdprRoute[] = ownRoutes.map((route) => ({
    ...route,
    handle: async (request) => withSecurityHeaders(await route.handle(request)),
  }));

  /** A path under the mount that no route serves (404), or a known path with the wrong method (405). */
  function unmatched(request: GdprHttpRequest, knownPath: boolean): GdprHttpResponse {
    return knownPath
      ? ctx.renderProblem(
          request,
          problem('METHOD_NOT_ALLOWED', 'This address does not accept that method.'),
        )
      : ctx.renderProblem(request, problem('NOT_FOUND', 'There is nothing at this address.'));
  }
  return {
    routes,
    webhooks,
    basePath: ctx.basePath,
    problem: ctx.fail,
    renderProblem: ctx.renderProblem,
    unmatched,
  };
}
