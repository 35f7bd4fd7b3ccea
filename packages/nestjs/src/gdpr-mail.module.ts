import type { GdprMail, GdprMailConfig } from '@gdpr-mail/core';
import { createGdprMail, GdprMailError } from '@gdpr-mail/core';
import type { GdprHandlerOptions, NodeMiddleware } from '@gdpr-mail/core/http';
import type { MiddlewareConsumer, NestModule, OnModuleInit } from '@nestjs/common';
import { ConfigurableModuleBuilder, Inject, Module, RequestMethod } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import type { Request } from 'express';
import { GdprConsentGuard } from './consent.js';
import { GdprMailService } from './gdpr-mail.service.js';
import { rememberFrameworkErrorsMount } from './gdpr-mail-framework-errors.js';
import type { GdprMailMount } from './gdpr-mail-mount.js';
import { createGdprMailMount } from './gdpr-mail-mount.js';
import {
  GdprMailMountMiddleware,
  serveUnderPrefix,
  undecodablePathHandler,
} from './gdpr-mail-mount-middleware.js';
import { GdprProblemFilter } from './gdpr-problem.filter.js';
import { GDPR_MAIL, GDPR_MAIL_OPTIONS, GDPR_MAIL_ROUTES } from './tokens.js';

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
  /** The gdpr-mail routes, or `false` to serve none. Default: all, at the path of `links.baseUrl`. */
  routes?: GdprMailRoutesOptions | false;
  /** How `@RequireConsent()` finds the person's address. Default: `request.user?.email`. */
  resolveEmail?: ResolveEmail;
  /** Close the `GdprMail` when the module is destroyed. Default `true`; `false` for one you close. */
  closeOnDestroy?: boolean;
}

/** Either the config the module builds a `GdprMail` from, or a ready instance. */
export type GdprMailModuleOptions = GdprMailModuleCommonOptions &
  ({ config: GdprMailConfig; gdpr?: never } | { gdpr: GdprMail; config?: never });

/** The options `forRootAsync({ useClass })` asks the class for. */
export interface GdprMailOptionsFactory {
  createGdprMailOptions(): GdprMailModuleOptions | Promise<GdprMailModuleOptions>;
}

export interface GdprMailModuleExtras {
  /** Make `GdprMailService` and the guard's dependencies visible to every module. */
  isGlobal?: boolean;
}

const {
  ConfigurableModuleClass: GdprMailConfigurableModule,
  OPTIONS_TYPE: GDPR_MAIL_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: GDPR_MAIL_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<GdprMailModuleOptions>({
  moduleName: 'GdprMail',
  optionsInjectionToken: GDPR_MAIL_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createGdprMailOptions')
  .setExtras<GdprMailModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal ?? false,
  }))
  .build();

/** What `GdprMailModule.forRoot()` takes: the options plus `isGlobal`. */
export type GdprMailModuleForRootOptions = typeof GDPR_MAIL_MODULE_OPTIONS_TYPE;
/** What `GdprMailModule.forRootAsync()` takes: `useFactory` / `useClass` / `useExisting`, `imports`, `inject`, `isGlobal`. */
export type GdprMailModuleAsyncOptions = typeof GDPR_MAIL_MODULE_ASYNC_OPTIONS_TYPE;

function gdprMailFrom(options: GdprMailModuleOptions): GdprMail {
  if (options.gdpr) return options.gdpr;
  if (options.config) return createGdprMail(options.config);
  throw new GdprMailError(
    'CONFIG_INVALID',
    'GdprMailModule needs `config` (a GdprMail config) or `gdpr` (a ready instance).',
  );
}

function mountFrom(gdpr: GdprMail, options: GdprMailModuleOptions): GdprMailMount | null {
  return options.routes === false ? null : createGdprMailMount(gdpr, options.routes ?? {});
}

const services = [GdprMailService, GdprConsentGuard, GdprProblemFilter];

/**
 * gdpr-mail for Nest: `forRoot({ config })` or `forRootAsync({ imports, inject, useFactory })`.
 * Provides the `GdprMail`, the consent guard and the problem filter, and serves the gdpr-mail
 * routes at the path of `links.baseUrl` (or `routes.path`) unless `routes: false`.
 */
@Module({
  providers: [
    { provide: GDPR_MAIL, useFactory: gdprMailFrom, inject: [GDPR_MAIL_OPTIONS] },
    { provide: GDPR_MAIL_ROUTES, useFactory: mountFrom, inject: [GDPR_MAIL, GDPR_MAIL_OPTIONS] },
    ...services,
  ],
  exports: [GDPR_MAIL, GDPR_MAIL_OPTIONS, GDPR_MAIL_ROUTES, ...services],
})
export class GdprMailModule extends GdprMailConfigurableModule implements NestModule, OnModuleInit {
  constructor(
    @Inject(GDPR_MAIL_ROUTES) private readonly mount: GdprMailMount | null,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(ApplicationConfig) private readonly app: ApplicationConfig,
  ) {
    super();
  }

  /** One middleware on every method under the mount: it runs before guards and pipes. */
  configure(consumer: MiddlewareConsumer): void {
    if (!this.mount) return;
    consumer
      .apply(GdprMailMountMiddleware)
      .forRoutes(
        { path: this.mount.path || '/', method: RequestMethod.ALL },
        { path: `${this.mount.path}/*path`, method: RequestMethod.ALL },
      );
  }

  /**
   * A path under the mount whose percent-encoding cannot be decoded (`/gdpr/u/abc%ZZ`) is refused
   * before the middleware: on Express by the router, which decodes the parameters of the
   * patterns the middleware (or any other) is bound with; on Fastify by its router, before any
   * hook. Such a request goes to the same handler all the same: from an error middleware placed
   * after the routes and before Nest's error handler (Nest calls this hook between the two), or
   * through `gdprMailFrameworkErrors()`, Fastify's `frameworkErrors`.
   */
  onModuleInit(): void {
    const mount = this.mount;
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (!mount || !adapter) return;
    let serve: NodeMiddleware | undefined;
    // Read at the first such request, as the middleware reads the global prefix.
    const serving = (): NodeMiddleware =>
      (serve ??= serveUnderPrefix(mount, this.app.getGlobalPrefix()));
    const platform = adapter.getType();
    if (platform === 'express') adapter.use(undecodablePathHandler(serving));
    const instance: unknown = adapter.getInstance();
    if (platform === 'fastify' && typeof instance === 'object' && instance !== null) {
      rememberFrameworkErrorsMount(instance, serving);
    }
  }
}
