import type { GdprMail, GdprMailConfig } from '@gdpr-mail/core';
import type { GdprHandlerOptions } from '@gdpr-mail/core/http';
import type { Request } from 'express';

/** What the consent guard needs: the address of the person behind a request. */
export type ResolveEmail = (
  request: Request,
) => string | null | undefined | Promise<string | null | undefined>;

/** The core handler's options (body limits, sendMail, signup, pages, webhooks, onError…) and a path. */
export interface GdprMailRoutesOptions extends GdprHandlerOptions {
  /**
   * Where the routes are served, relative to the app's global prefix. Default:
   * the path of `links.baseUrl` (e.g. `/gdpr`), which is what the mailed links point at.
   */
  path?: string;
}

export interface GdprMailModuleCommonOptions {
  /**
   * The gdpr-mail routes (signup, confirm, unsubscribe, preferences, DSAR,
   * tracking pixels, webhooks); `false` to serve none of them. Default: all, at
   * the path of `links.baseUrl`.
   */
  routes?: GdprMailRoutesOptions | false;
  /**
   * How `@RequireConsent()` finds the person's address. Default:
   * `request.user?.email` (what Passport-style auth leaves on the request).
   */
  resolveEmail?: ResolveEmail;
  /**
   * Close the `GdprMail` (transport pool, store) when the module is destroyed.
   * Default `true`; set `false` for an instance you close yourself.
   */
  closeOnDestroy?: boolean;
}

/** Either the config the module builds a `GdprMail` from, or a ready instance. */
export type GdprMailModuleOptions = GdprMailModuleCommonOptions &
  ({ config: GdprMailConfig; gdpr?: never } | { gdpr: GdprMail; config?: never });

/** The options `forRootAsync({ useClass })` asks the class for. */
export interface GdprMailOptionsFactory {
  createGdprMailOptions(): GdprMailModuleOptions | Promise<GdprMailModuleOptions>;
}
