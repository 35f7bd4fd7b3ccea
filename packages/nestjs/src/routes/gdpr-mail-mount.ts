import type { GdprMail } from '@gdpr-mail/core';
import { GdprMailError } from '@gdpr-mail/core';
import type { GdprRoutes } from '@gdpr-mail/core/http';
import { createGdprRoutes, problem } from '@gdpr-mail/core/http';
import type { NextFunction, Request, Response } from 'express';
import type { GdprMailRoutesOptions } from '../module/gdpr-mail-options.js';
import type { ParsedRequest } from './read-body.js';
import { BodyReadError, checkDeclaredLength, isConsumed, readBody, readText } from './read-body.js';
import {
  sendGdprResponse,
  sendWebhookResponse,
  toGdprRequest,
  toWebhookRequest,
} from './translate.js';

export type GdprMailMiddleware = (req: Request, res: Response, next: NextFunction) => void;

/** One route as the module binds it: a Nest middleware on one method and path. */
export interface MountedRoute {
  name: string;
  method: 'GET' | 'POST';
  /** Relative to the app's global prefix, e.g. `/gdpr/c/:token`. */
  path: string;
  handler: GdprMailMiddleware;
}

export interface GdprMailMount {
  /** Where the routes are served, relative to the app's global prefix. */
  path: string;
  routes: GdprRoutes;
  mounted: readonly MountedRoute[];
  /**
   * Bound last on every method under the mount: answers a 404 problem for a
   * path no route serves and a 405 problem for a known path with another method.
   */
  unmatched: GdprMailMiddleware;
}

const DEFAULT_BODY_LIMIT = 16 * 1024;
const DEFAULT_WEBHOOK_BODY_LIMIT = 1024 * 1024;

function trimSlash(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' || trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/**
 * Binds the framework-free routes of `createGdprRoutes` to express-style
 * handlers: translation only, every decision stays in the core.
 */
export function createGdprMailMount(
  gdpr: GdprMail,
  options: GdprMailRoutesOptions = {},
): GdprMailMount {
  const { path, bodyLimit, webhookBodyLimit, ...routeOptions } = options;
  const routes = createGdprRoutes(gdpr, routeOptions);
  const mountPath = trimSlash(path ?? new URL(gdpr.config.links.baseUrl).pathname);
  const limit = bodyLimit ?? DEFAULT_BODY_LIMIT;
  const webhookLimit = webhookBodyLimit ?? DEFAULT_WEBHOOK_BODY_LIMIT;

  function bodyProblem(req: Request, res: Response, routePath: string, error: BodyReadError) {
    const details = problem(error.code, error.message);
    const response = routes.renderProblem(toGdprRequest(req, routePath, undefined), details);
    // The rest of an oversized body is not read: do not keep the connection.
    if (error.code === 'PAYLOAD_TOO_LARGE') response.headers.connection = 'close';
    sendGdprResponse(res, response);
  }

  const mounted: MountedRoute[] = routes.routes.map((route) => ({
    name: route.name,
    method: route.method,
    path: `${mountPath}${route.path}`,
    handler: (req, res, next) => {
      void (async () => {
        let body: unknown;
        if (route.method === 'POST') {
          try {
            body = await readBody(req as ParsedRequest, limit);
          } catch (error) {
            if (error instanceof BodyReadError) return bodyProblem(req, res, route.path, error);
            throw error;
          }
        }
        // Handlers never throw: every failure is already a problem or an error page.
        sendGdprResponse(res, await route.handle(toGdprRequest(req, route.path, body)));
      })().catch(next);
    },
  }));

  for (const webhook of routes.webhooks) {
    mounted.push({
      name: `webhook:${webhook.name}`,
      method: 'POST',
      path: `${mountPath}${webhook.path}`,
      handler: (req, res, next) => {
        void (async () => {
          const parsed = req as ParsedRequest;
          let raw: string | undefined;
          try {
            if (!isConsumed(parsed)) {
              // Nest's parsers leave text/plain (SNS) and other types alone: read the exact bytes.
              raw = await readText(req, webhookLimit);
            } else if (parsed.rawBody) {
              checkDeclaredLength(req, webhookLimit);
              raw = parsed.rawBody.toString('utf8');
            }
          } catch (error) {
            if (error instanceof BodyReadError) return bodyProblem(req, res, webhook.path, error);
            throw error;
          }
          if (raw === undefined) {
            // A JSON body Nest parsed without keeping its bytes: re-serialising it would
            // not be what the provider signed. Tell the developer, answer a bare 500.
            const error = new GdprMailError(
              'CONFIG_INVALID',
              'A provider webhook body was parsed before gdpr-mail could read it: create the Nest app with NestFactory.create(AppModule, { rawBody: true }).',
            );
            // `routes.problem` hands it to `onError` (a 500) and answers without detail.
            const request = toGdprRequest(req, webhook.path, undefined);
            return sendGdprResponse(res, routes.problem(request, error));
          }
          sendWebhookResponse(res, await webhook.handle(toWebhookRequest(req, raw)));
        })().catch(next);
      },
    });
  }

  const patterns = mounted.map(
    (route) =>
      new RegExp(
        `^${route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}/?$`,
      ),
  );
  const unmatched: GdprMailMiddleware = (req, res) => {
    const path = req.originalUrl.split('?')[0] ?? '';
    const known = patterns.some((pattern) => pattern.test(path));
    sendGdprResponse(res, routes.unmatched(toGdprRequest(req, path, undefined), known));
  };

  return { path: mountPath, routes, mounted, unmatched };
}
