import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { GdprMail } from '@gdpr-mail/core';
import type { GdprHandler, GdprHandlerOptions } from '@gdpr-mail/core/http';
import { createGdprHandler, toFetchHeaders, toNodeHeaders } from '@gdpr-mail/core/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface GdprMailFastifyOptions extends GdprHandlerOptions {
  /** The instance from `createGdprMail(config)`. */
  gdpr: GdprMail;
}

/** Fastify request → Fetch `Request`: the path below the plugin's prefix, under the handler's base path. */
function toFetchRequest(handler: GdprHandler, request: FastifyRequest): Request {
  const rest = (request.params as { '*'?: string })['*'] ?? '';
  const query = request.raw.url?.includes('?')
    ? request.raw.url.slice(request.raw.url.indexOf('?'))
    : '';
  const url = `http://localhost${handler.basePath}/${rest}${query}`;
  const headers = toFetchHeaders(request.headers);
  // The body arrives as the unread request stream (see the content-type parser below).
  const body =
    request.body instanceof Readable ? (Readable.toWeb(request.body) as ReadableStream) : undefined;
  // `duplex: 'half'` is what Node's fetch needs for a streamed request body.
  const init = { method: request.method, headers, ...(body ? { body, duplex: 'half' } : {}) };
  return new Request(url, init as RequestInit);
}

/** Fetch `Response` → Fastify reply: status, headers (each Set-Cookie apart), the body streamed. */
function send(reply: FastifyReply, response: Response): FastifyReply {
  reply.code(response.status).headers(toNodeHeaders(response.headers));
  if (!response.body) return reply.send();
  return reply.send(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>));
}

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
  await app.register(
    async (routes) => {
      routes.removeAllContentTypeParsers();
      routes.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
      const serve = async (request: FastifyRequest, reply: FastifyReply) =>
        send(reply, await handler(toFetchRequest(handler, request), { ip: request.ip }));
      routes.all('/', serve);
      routes.all('/*', serve);
    },
    { prefix: handler.basePath },
  );
}

/** Register with `app.register(gdprMail, { gdpr, sendMail })`. */
export const gdprMail = fp(gdprMailPlugin, { name: '@gdpr-mail/fastify', fastify: '5.x' });
