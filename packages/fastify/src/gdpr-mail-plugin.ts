import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { GdprMail } from '@gdpr-mail/core';
import type { GdprHandler, GdprHandlerOptions } from '@gdpr-mail/core/http';
import {
  createGdprHandler,
  toFetchHeaders,
  toFetchMethod,
  toNodeHeaders,
} from '@gdpr-mail/core/http';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import fp from 'fastify-plugin';

export interface GdprMailFastifyOptions extends GdprHandlerOptions {
  /** The instance from `createGdprMail(config)`. */
  gdpr: GdprMail;
}

/**
 * The raw path below the route's prefix: `/api/gdpr/u/a%2Fb?x` under `/api/gdpr/*` → `/u/a%2Fb`.
 * Fastify's `*` param is decoded (`%2F` becomes a `/`), so it cannot stand for the path the
 * handler must see; the raw URL can, as Express hands it over.
 */
function rawPathBelow(rawPath: string, routeUrl: string | undefined): string {
  const prefix = (routeUrl ?? '').replace(/\/\*$/, '').replace(/\/+$/, '');
  if (rawPath === prefix || rawPath.startsWith(`${prefix}/`)) return rawPath.slice(prefix.length);
  // The router matched a spelling of the prefix other than its own (another case, an encoded
  // letter): it has as many segments all the same.
  const segments = prefix === '' ? 0 : prefix.split('/').length - 1;
  const below = rawPath.split('/').slice(segments + 1);
  return below.length === 0 ? '' : `/${below.join('/')}`;
}

function splitRawUrl(request: FastifyRequest): { path: string; query: string } {
  const raw = request.raw.url ?? '/';
  const cut = raw.indexOf('?');
  return cut < 0 ? { path: raw, query: '' } : { path: raw.slice(0, cut), query: raw.slice(cut) };
}

/** Fastify request → Fetch `Request` for `below`, the raw path under the handler's base path. */
function toFetchRequest(handler: GdprHandler, request: FastifyRequest, below: string): Request {
  const { query } = splitRawUrl(request);
  const url = `http://localhost${handler.basePath}${below === '' ? '/' : below}${query}`;
  const headers = toFetchHeaders(request.headers);
  // The body arrives as the unread request stream (see the content-type parser below).
  const body =
    request.body instanceof Readable ? (Readable.toWeb(request.body) as ReadableStream) : undefined;
  // `duplex: 'half'` is what Node's fetch needs for a streamed request body.
  const init = {
    // Fastify routes a TRACE to the plugin: the handler's 405, not Fastify's 500.
    method: toFetchMethod(request.method),
    headers,
    ...(body ? { body, duplex: 'half' } : {}),
  };
  return new Request(url, init as RequestInit);
}

/** Fetch `Response` → Fastify reply: status, headers (each Set-Cookie apart), the body streamed. */
function send(reply: FastifyReply, response: Response): FastifyReply {
  reply.code(response.status).headers(toNodeHeaders(response.headers));
  if (!response.body) return reply.send();
  return reply.send(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>));
}

/** Where each server's gdpr-mail routes are, for `gdprMailFrameworkErrors`: several plugins may share one. */
const mounts = new WeakMap<object, { mountPath: string; handler: GdprHandler }[]>();

/**
 * The gdpr-mail routes as a Fastify 5 plugin: every request under
 * `links.baseUrl`'s path goes to the core handler (`createGdprHandler`).
 * The routes live in their own encapsulated context, so the one thing this
 * plugin changes there (bodies reach the handler unread, which parses forms
 * within its limits and gives webhooks their raw bytes) never touches your
 * app's own parsers.
 */
async function gdprMailPlugin(app: FastifyInstance, options: GdprMailFastifyOptions) {
  const { gdpr, ...handlerOptions } = options;
  const handler = createGdprHandler(gdpr, handlerOptions);
  const list = mounts.get(app.server) ?? [];
  list.push({ mountPath: `${app.prefix}${handler.basePath}`, handler });
  mounts.set(app.server, list);
  await app.register(
    async (routes) => {
      routes.removeAllContentTypeParsers();
      routes.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
      const serve = async (request: FastifyRequest, reply: FastifyReply) => {
        const below = rawPathBelow(splitRawUrl(request).path, request.routeOptions.url);
        const fetchRequest = toFetchRequest(handler, request, below);
        return send(reply, await handler(fetchRequest, { ip: request.ip }));
      };
      routes.all('/', serve);
      routes.all('/*', serve);
    },
    { prefix: handler.basePath },
  );
}

/** Register with `app.register(gdprMail, { gdpr, sendMail })`. */
export const gdprMail = fp(gdprMailPlugin, { name: '@gdpr-mail/fastify', fastify: '5.x' });

type FrameworkErrors = NonNullable<FastifyServerOptions['frameworkErrors']>;

/**
 * Fastify's `frameworkErrors` option: a URL under the plugin's path that Fastify's router
 * cannot decode (`/gdpr/u/abc%ZZ`) gets the core handler's answer, a 404 `NOT_FOUND` problem
 * (or error page) with the security headers, as under Express. Fastify refuses such a URL
 * before any route or hook runs, so only this server option can reach it:
 * `Fastify({ frameworkErrors: gdprMailFrameworkErrors() })`. Every other framework error goes
 * to `fallback` when given, else gets Fastify's own answer.
 */
export function gdprMailFrameworkErrors(
  fallback?: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void,
): FrameworkErrors {
  return (error, generic, genericReply) => {
    // The option's type is generic over route schemas that a framework error has none of.
    const request = generic as unknown as FastifyRequest;
    const reply = genericReply as unknown as FastifyReply;
    if (error.code === 'FST_ERR_BAD_URL') {
      const { path } = splitRawUrl(request);
      const mount = mounts
        .get(request.server.server)
        ?.find(({ mountPath }) => path === mountPath || path.startsWith(`${mountPath}/`));
      if (mount) {
        const below = path.slice(mount.mountPath.length);
        const fetchRequest = toFetchRequest(mount.handler, request, below);
        void mount.handler(fetchRequest, { ip: request.ip }).then(
          (response) => send(reply, response),
          (failure: unknown) => reply.code(500).send(failure),
        );
        return;
      }
    }
    if (fallback) {
      fallback(error, request, reply);
      return;
    }
    fastifyAnswer(error, reply);
  };
}

/** What Fastify 5 answers itself when no `frameworkErrors` is set (fastify.js, onBadUrl & co). */
function fastifyAnswer(error: FastifyError, reply: FastifyReply): void {
  const statusCode = error.statusCode ?? 400;
  const body =
    error.code === 'FST_ERR_ASYNC_CONSTRAINT'
      ? { error: 'Internal Server Error', message: error.message, statusCode }
      : { error: 'Bad Request', code: error.code, message: error.message, statusCode };
  // Bytes, as Fastify writes them: `application/json` with no charset (a string would get one).
  reply
    .code(statusCode)
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify(body)));
}
