import type { GdprMail } from '@gdpr-mail/core';
import type { GdprHandlerOptions } from '@gdpr-mail/core/http';
import { createGdprHandler, toNodeMiddleware } from '@gdpr-mail/core/http';
import type { Router } from 'express';
import express from 'express';

/** Options of the core handler: body limits, sendMail, signup, pages, webhooks, onError… */
export interface GdprMailRouterOptions extends GdprHandlerOptions {}

/**
 * The gdpr-mail routes for Express 4.18+ and 5: signup with double opt-in,
 * confirm, one-click unsubscribe, the preference centre, DSAR and webhooks.
 * Mount it where `links.baseUrl` points, e.g.
 * `app.use('/gdpr', gdprMailRouter(gdpr, { sendMail }))`, and outside any
 * authentication middleware: the links are the authentication. Everything
 * under the mount is answered by the core handler (`createGdprHandler`);
 * this router only translates (`toNodeMiddleware`: `req.url` is the path
 * below the mount, so the router works wherever it is mounted).
 */
export function gdprMailRouter(gdpr: GdprMail, options: GdprMailRouterOptions = {}): Router {
  const router = express.Router();
  router.use(toNodeMiddleware(createGdprHandler(gdpr, options)));
  return router;
}
