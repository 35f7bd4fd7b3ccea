import type { ServerResponse } from 'node:http';
import type { NodeHttpRequest } from '@gdpr-mail/core/http';
import { nodeToFetchRequest, writeFetchResponse } from '@gdpr-mail/core/http';
import type { GdprConsole } from './create-gdpr-console.js';

export interface NodeConsoleOptions<R extends NodeHttpRequest> {
  /** What `authorize` gets as `context.user`, e.g. `(req) => req.user` or `req.session`. */
  user?: (req: R) => unknown;
}

/**
 * The console as a `(req, res, next)` middleware for Express and Nest (on
 * Express), mounted where `basePath` points: `app.use('/admin/privacy', requireLogin,
 * nodeConsoleHandler(console, { user: (req) => req.user }))`. It only translates:
 * `req.url` below the mount becomes the Fetch URL under `basePath`.
 */
export function nodeConsoleHandler<R extends NodeHttpRequest>(
  handler: GdprConsole,
  options: NodeConsoleOptions<R> = {},
): (req: R, res: ServerResponse, next: (error?: unknown) => void) => void {
  return (req, res, next) => {
    const url = `http://localhost${handler.basePath}${req.url ?? '/'}`;
    const { request, context } = nodeToFetchRequest(req, url);
    const user = options.user?.(req);
    handler(request, { ...(context.body === undefined ? {} : { body: context.body }), user }).then(
      (response) => writeFetchResponse(res, response),
      next,
    );
  };
}
