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
 * What the module binds under its path: the mount's handler with the global prefix in front of
 * the path, so that only a request whose path starts with `{prefix}{path}` is answered (the
 * mount path appearing further in the URL is not enough, `toNodeMiddleware` matches a prefix).
 */
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
    this.serve ??= this.build();
    this.serve(req, res, next);
  }

  private build(): NodeMiddleware {
    const handler = handlers.get(this.mount);
    if (!handler) return this.mount.handler;
    const prefix = withLeadingSlash(this.app.getGlobalPrefix());
    const prefixed = toNodeMiddleware(handler, { mountPath: `${prefix}${this.mount.path}` });
    if (prefix === '') return prefixed;
    // An app that excludes the routes from its prefix has Nest bind them at the bare path.
    const bare = toNodeMiddleware(handler, { mountPath: this.mount.path });
    return (req, res, next) =>
      prefixed(req, res, (error?: unknown) =>
        error === undefined ? bare(req, res, next) : next(error),
      );
  }
}
