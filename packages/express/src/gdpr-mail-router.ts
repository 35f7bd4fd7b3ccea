import type { GdprMail } from '@gdpr-mail/core';
import type { GdprRoutesOptions } from '@gdpr-mail/core/http';
import { createGdprRoutes, problem } from '@gdpr-mail/core/http';
import type { ErrorRequestHandler, RequestHandler, Router } from 'express';
import express from 'express';
import {
  sendGdprResponse,
  sendWebhookResponse,
  toGdprRequest,
  toWebhookRequest,
} from './translate.js';

export interface GdprMailRouterOptions extends GdprRoutesOptions {
  /** Largest accepted body (urlencoded or JSON); larger ones get a 413 problem. Default 16 kB. */
  bodyLimit?: string | number;
  /** Largest accepted provider webhook body (a batch of events). Default 1 MB. */
  webhookBodyLimit?: string | number;
}

/** What body-parser attaches to the errors it throws. */
interface BodyParserError {
  status?: number;
  type?: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof error === 'object' && error !== null && 'type' in error && 'status' in error;
}

/**
 * The gdpr-mail routes for Express 4.18+ and 5: signup with double opt-in,
 * confirm, one-click unsubscribe and the preference centre. Mount it where
 * `links.baseUrl` points, e.g. `app.use('/gdpr', gdprMailRouter(gdpr, { sendMail }))`,
 * and outside any authentication middleware: the links are the authentication.
 */
export function gdprMailRouter(gdpr: GdprMail, options: GdprMailRouterOptions = {}): Router {
  const routes = createGdprRoutes(gdpr, options);
  const limit = options.bodyLimit ?? '16kb';
  const bodyParsers: RequestHandler[] = [
    express.urlencoded({ extended: false, limit, parameterLimit: 200 }),
    express.json({ limit }),
  ];
  const router = express.Router();

  for (const route of routes.routes) {
    const handler: RequestHandler = async (req, res, next) => {
      try {
        sendGdprResponse(res, await route.handle(toGdprRequest(req)));
      } catch (error) {
        next(error);
      }
    };
    if (route.method === 'GET') router.get(route.path, handler);
    else router.post(route.path, ...bodyParsers, handler);
  }

  // Webhooks read the raw text: SNS signs the exact bytes, so nothing may parse them first.
  const rawBody = express.text({ type: () => true, limit: options.webhookBodyLimit ?? '1mb' });
  for (const webhook of routes.webhooks) {
    router.post(webhook.path, rawBody, async (req, res, next) => {
      try {
        sendWebhookResponse(res, await webhook.handle(toWebhookRequest(req)));
      } catch (error) {
        next(error);
      }
    });
  }

  // Under the mount, an unknown path or a wrong method answers as a problem, not Express's HTML 404.
  const knownPaths = new Set([
    ...routes.routes.map((route) => route.path),
    ...routes.webhooks.map((webhook) => webhook.path),
  ]);
  for (const path of knownPaths) {
    router.all(path, (req, res) =>
      sendGdprResponse(res, routes.unmatched(toGdprRequest(req), true)),
    );
  }
  router.use((req, res) => sendGdprResponse(res, routes.unmatched(toGdprRequest(req), false)));

  // Body-parser refusals and anything unexpected still answer as a problem, never Express's HTML.
  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    const request = toGdprRequest(req);
    if (isBodyParserError(error) && error.status === 413) {
      const details = problem('PAYLOAD_TOO_LARGE', 'The request body is too large.');
      sendGdprResponse(res, routes.renderProblem(request, details));
    } else if (isBodyParserError(error) && error.status !== undefined && error.status < 500) {
      const details = problem('VALIDATION_FAILED', 'The request body could not be read.');
      sendGdprResponse(res, routes.renderProblem(request, details));
    } else {
      sendGdprResponse(res, routes.problem(request, error));
    }
  };
  router.use(onError);
  return router;
}
