import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { NodeMiddleware } from '@gdpr-mail/core/http';

// The parts of Fastify's error, request and reply that `gdprMailFrameworkErrors()` reads, so
// that the package's types do not need Fastify's: the function fits `frameworkErrors` as it is.

/** The error Fastify passes to `frameworkErrors` (`FST_ERR_BAD_URL` and others). */
export interface GdprMailFrameworkError extends Error {
  code?: string;
}

/** What `gdprMailFrameworkErrors()` reads of the Fastify request. */
export interface GdprMailFrameworkRequest {
  /** The Fastify instance (the adapter's `getInstance()`). */
  server: unknown;
  /** Node's request. */
  raw: IncomingMessage | Http2ServerRequest;
  /** The client address, as Fastify resolves it (`trustProxy`). */
  ip: string;
}

/** What `gdprMailFrameworkErrors()` uses of the Fastify reply. */
export interface GdprMailFrameworkReply {
  /** Node's response, which the module's handler writes to. */
  raw: ServerResponse | Http2ServerResponse;
  send(payload?: unknown): unknown;
}

/** A function for Fastify's `frameworkErrors` server option, given to `new FastifyAdapter()`. */
export type GdprMailFrameworkErrors = (
  error: GdprMailFrameworkError,
  request: GdprMailFrameworkRequest,
  reply: GdprMailFrameworkReply,
) => void;

// The modules' mounts, by Fastify instance. Kept on globalThis (like the tokens' Symbol.for), so
// that the ESM and the CommonJS build, should both be loaded, see the same mounts.
const registryKey = Symbol.for('@gdpr-mail/nestjs:framework-error-mounts');
type Registry = WeakMap<object, Array<() => NodeMiddleware>>;
const shared = globalThis as Record<symbol, Registry | undefined>;
const registry: Registry = shared[registryKey] ?? new WeakMap();
shared[registryKey] = registry;

/** Called by the module on Nest's Fastify adapter: `serve` is read at the first bad URL. */
export function rememberFrameworkErrorsMount(instance: object, serve: () => NodeMiddleware): void {
  const mounts = registry.get(instance);
  if (mounts) mounts.push(serve);
  else registry.set(instance, [serve]);
}

/**
 * Fastify's `frameworkErrors` option, for Nest on `@nestjs/platform-fastify`: a URL under the
 * module's path that Fastify's router cannot decode (`/gdpr/u/abc%ZZ`) gets the core handler's
 * answer, a 404 `NOT_FOUND` problem (or error page) with the security headers, as on Express.
 * Fastify refuses such a URL before any hook or middleware runs, so only this server option can
 * reach it: `new FastifyAdapter({ frameworkErrors: gdprMailFrameworkErrors() })`. Every other
 * framework error goes to `fallback` when given, else to `reply.send(error)` (Nest's exception
 * layer), as the adapter's own option does.
 */
export function gdprMailFrameworkErrors(
  fallback?: GdprMailFrameworkErrors,
): GdprMailFrameworkErrors {
  const otherwise: GdprMailFrameworkErrors =
    fallback ??
    ((error, _request, reply) => {
      reply.send(error);
    });
  return (error, request, reply) => {
    const mounts =
      error.code === 'FST_ERR_BAD_URL' && typeof request.server === 'object' && request.server
        ? (registry.get(request.server) ?? [])
        : [];
    // Node's objects, as middie hands them to a middleware (HTTP/2's compatible ones alike).
    const raw = request.raw as IncomingMessage & { ip?: string };
    const res = reply.raw as ServerResponse;
    // With the client address Fastify resolved, as middie sets it.
    if (mounts.length > 0) raw.ip = request.ip;
    const tryMount = (index: number): void => {
      const serve = mounts[index];
      if (!serve) {
        otherwise(error, request, reply);
        return;
      }
      // A mount calls next() for a path that is not under it, next(failure) when writing fails.
      serve()(raw, res, (failure?: unknown) => {
        if (failure === undefined) tryMount(index + 1);
        else if (res.headersSent) res.destroy();
        // A fixed error: what failed may quote the request, and Nest's exception layer logs it.
        else reply.send(new Error('gdpr-mail could not answer the request'));
      });
    };
    tryMount(0);
  };
}
