import type { GdprHandler, NodeMiddleware } from '@gdpr-mail/core/http';
import { toNodeMiddleware } from '@gdpr-mail/core/http';
import type { NestMiddleware } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import type { GdprMailMount } from './gdpr-mail-mount.js';
import { GDPR_MAIL_ROUTES } from './tokens.js';

// Kept apart from the public mount so that the module can mount the same handler again under the
// app's global prefix, which is only known once the app is set up.
const handlers = new WeakMap<GdprMailMount, GdprHandler>();

export function rememberHandler(mount: GdprMailMount, handler: GdprHandler): void {
  handlers.set(mount, handler);
}

function withLeadingSlash(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

/**
 * The mount's handler with the global prefix in front of the path, so that only a request whose
 * path starts with `{prefix}{path}` is answered (the mount path appearing further in the URL is
 * not enough, `toNodeMiddleware` matches a prefix); with a prefix, also at the bare path, where
 * Nest binds the routes of an app that excludes them from its prefix.
 */
export function serveUnderPrefix(mount: GdprMailMount, globalPrefix: string): NodeMiddleware {
  const handler = handlers.get(mount);
  if (!handler) return mount.handler;
  const prefix = withLeadingSlash(globalPrefix);
  const prefixed = toNodeMiddleware(handler, { mountPath: `${prefix}${mount.path}` });
  if (prefix === '') return prefixed;
  const bare = toNodeMiddleware(handler, { mountPath: mount.path });
  return (req, res, next) =>
    prefixed(req, res, (error?: unknown) =>
      error === undefined ? bare(req, res, next) : next(error),
    );
}

/** What the module binds under its path: the mount's handler behind the app's global prefix. */
@Injectable()
export class GdprMailMountMiddleware implements NestMiddleware {
  private serve: NodeMiddleware | undefined;

  constructor(
    @Inject(GDPR_MAIL_ROUTES) private readonly mount: GdprMailMount,
    @Inject(ApplicationConfig) private readonly app: ApplicationConfig,
  ) {}

  use(
    req: Parameters<NodeMiddleware>[0],
    res: Parameters<NodeMiddleware>[1],
    next: Parameters<NodeMiddleware>[2],
  ): void {
    // Read at the first request: `setGlobalPrefix` may come after the module is built.
    this.serve ??= serveUnderPrefix(this.mount, this.app.getGlobalPrefix());
    this.serve(req, res, next);
  }
}

/** Express's error middleware: four parameters, the error first. */
export type NodeErrorMiddleware = (
  error: unknown,
  req: Parameters<NodeMiddleware>[0],
  res: Parameters<NodeMiddleware>[1],
  next: Parameters<NodeMiddleware>[2],
) => void;

function hasUndecodablePath(url: string): boolean {
  const end = url.search(/[?#]/);
  try {
    decodeURIComponent(end === -1 ? url : url.slice(0, end));
    return false;
  } catch {
    return true;
  }
}

/**
 * For Nest on Express, placed after the routes: the 400 Express's router gives a path whose
 * percent-encoding cannot be decoded (while matching a pattern with a parameter, ours or the
 * app's, before the middleware could run) is served by the mount when the path is under it, as
 * any other path there. Every other error, and such a path elsewhere, goes on to Nest.
 */
export function undecodablePathHandler(serving: () => NodeMiddleware): NodeErrorMiddleware {
  return (error, req, res, next) => {
    const status = (error as { status?: unknown } | null | undefined)?.status;
    const path = req.originalUrl ?? req.url ?? '/';
    if (status !== 400 || res.headersSent || !hasUndecodablePath(path)) {
      next(error);
      return;
    }
    serving()(req, res, (failure?: unknown) => next(failure ?? error));
  };
}
