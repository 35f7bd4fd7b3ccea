import { GdprMailError } from '../../errors/gdpr-mail-error.js';
import type { GdprMail } from '../../gdpr-mail.js';
import type { WebhookRequest } from '../../webhooks/webhook-handler.js';
import { problem } from '../problem-details.js';
import type { GdprRoutes } from '../routes/create-gdpr-routes.js';
import { createGdprRoutes } from '../routes/create-gdpr-routes.js';
import type { GdprHttpRequest } from '../routes/gdpr-http-types.js';
import type { GdprRoutesOptions } from '../routes/gdpr-routes-options.js';
import type { GdprRequestContext } from './fetch-translate.js';
import { headerRecord, queryRecord, toFetchResponse, toRouteRequest } from './fetch-translate.js';
import { BodyTooLargeError, byteLimit, readBytes, readForm } from './read-body.js';
import { createRouteMatcher } from './route-matcher.js';

export interface GdprHandlerOptions extends GdprRoutesOptions {
  /** Largest accepted form body (urlencoded or JSON); larger ones get a 413 problem. Default 16 kB. */
  bodyLimit?: string | number;
  /** Largest accepted provider webhook body (a batch of events). Default 1 MB. */
  webhookBodyLimit?: string | number;
}

/**
 * The gdpr-mail routes as one Fetch-API function. Every framework mounts it:
 * Hono, Next.js route handlers, Bun and Deno as it is; Express, Nest and
 * Fastify through their adapters, which only translate.
 */
export interface GdprHandler {
  (request: Request, context?: GdprRequestContext): Promise<Response>;
  /** The path the routes live under, e.g. `/gdpr`: requests outside it get a 404 problem. */
  readonly basePath: string;
}

/**
 * Serves every gdpr-mail route (signup, confirm, one-click unsubscribe,
 * preferences, DSAR pages and downloads, tracking pixels, provider webhooks,
 * and the OpenAPI document when asked) on web-standard `Request` and
 * `Response`. It reads and parses bodies itself, within their limits; it never
 * throws: every failure is an RFC 9457 problem or an error page.
 */
export function createGdprHandler(gdpr: GdprMail, options: GdprHandlerOptions = {}): GdprHandler {
  return serveGdprRoutes(createGdprRoutes(gdpr, options), options);
}

/**
 * The handler over a route table already built with `createGdprRoutes`: for an
 * adapter that also exposes the table (the Nest module's `GDPR_MAIL_ROUTES`).
 */
export function serveGdprRoutes(
  routes: GdprRoutes,
  options: Pick<GdprHandlerOptions, 'bodyLimit' | 'webhookBodyLimit'> = {},
): GdprHandler {
  const { basePath } = routes;
  const match = createRouteMatcher(routes.routes, routes.webhooks);
  const formLimit = byteLimit(options.bodyLimit ?? '16kb');
  const webhookLimit = byteLimit(options.webhookBodyLimit ?? '1mb');

  /** Below the mount: `/gdpr/u/x` → `/u/x`; undefined outside it. */
  function below(pathname: string): string | undefined {
    if (basePath === '') return pathname;
    if (pathname === basePath) return '/';
    return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : undefined;
  }

  /** A body a parser read before us is held to the same limit, by its declared length. */
  function checkDeclared(request: Request, limit: number): void {
    if (Number(request.headers.get('content-length') ?? 0) > limit) throw new BodyTooLargeError();
  }

  async function rawText(request: Request, context: GdprRequestContext): Promise<string> {
    const given = context.body;
    if (given === undefined)
      return new TextDecoder().decode(await readBytes(request, webhookLimit));
    checkDeclared(request, webhookLimit);
    // A chunked body declares no length: the bytes a framework kept are held to the limit too.
    if (typeof given === 'string') {
      if (Buffer.byteLength(given) > webhookLimit) throw new BodyTooLargeError();
      return given;
    }
    if (given instanceof Uint8Array) {
      if (given.byteLength > webhookLimit) throw new BodyTooLargeError();
      return new TextDecoder().decode(given);
    }
    // Re-serialising a parsed body would not give the bytes the provider signed.
    throw new GdprMailError(
      'CONFIG_INVALID',
      'A provider webhook body was parsed before gdpr-mail could read it: mount gdpr-mail before app-wide body parsers, or keep the raw body (Nest: NestFactory.create(AppModule, { rawBody: true })).',
    );
  }

  async function formBody(request: Request, context: GdprRequestContext): Promise<unknown> {
    const given = context.body;
    if (given === undefined) return readForm(request, formLimit);
    checkDeclared(request, formLimit);
    if (typeof given !== 'string' && !(given instanceof Uint8Array)) return given;
    // The framework kept the raw body: parse it as if it came from the stream.
    const raw = new Request(request.url, { method: 'POST', headers: request.headers, body: given });
    return readForm(raw, formLimit);
  }

  async function handle(request: Request, context: GdprRequestContext = {}): Promise<Response> {
    const url = new URL(request.url);
    const path = below(url.pathname) ?? url.pathname;
    const head = request.method === 'HEAD';
    const method = head ? 'GET' : request.method;
    const found = below(url.pathname) === undefined ? undefined : match(method, path);
    const bare = (): GdprHttpRequest => toRouteRequest(request, url, path, {}, undefined, context);
    try {
      if (found === undefined || found === 'method') {
        return toFetchResponse(routes.unmatched(bare(), found === 'method'), head);
      }
      if (found.kind === 'webhook') {
        const webhook: WebhookRequest = {
          method: request.method,
          headers: headerRecord(request.headers),
          query: queryRecord(url.searchParams),
          rawBody: await rawText(request, context),
          ip: context.ip,
        };
        return toFetchResponse(await found.route.handle(webhook));
      }
      const body = method === 'POST' ? await formBody(request, context) : undefined;
      const routeRequest = toRouteRequest(request, url, path, found.params, body, context);
      return toFetchResponse(await found.route.handle(routeRequest), head);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        const details = problem('PAYLOAD_TOO_LARGE', 'The request body is too large.');
        return toFetchResponse(routes.renderProblem(bare(), details));
      }
      // An unreadable body is a VALIDATION_FAILED problem; anything else a 500 that says nothing.
      return toFetchResponse(routes.problem(bare(), error), head);
    }
  }
  return Object.assign(handle, { basePath });
}
