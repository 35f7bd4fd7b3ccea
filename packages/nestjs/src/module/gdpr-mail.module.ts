import type { GdprMail } from '@gdpr-mail/core';
import { createGdprMail, GdprMailError } from '@gdpr-mail/core';
import type { MiddlewareConsumer, NestModule } from '@nestjs/common';
import { Inject, Module, RequestMethod } from '@nestjs/common';
import { GdprConsentGuard } from '../consent/gdpr-consent.guard.js';
import { GdprProblemFilter } from '../errors/gdpr-problem.filter.js';
import type { GdprMailMount } from '../routes/gdpr-mail-mount.js';
import { createGdprMailMount } from '../routes/gdpr-mail-mount.js';
import { GdprMailService } from '../service/gdpr-mail.service.js';
import { GDPR_MAIL, GDPR_MAIL_OPTIONS, GDPR_MAIL_ROUTES } from '../tokens.js';
import { GdprMailConfigurableModule } from './gdpr-mail.module-definition.js';
import type { GdprMailModuleOptions } from './gdpr-mail-options.js';

function gdprMailFrom(options: GdprMailModuleOptions): GdprMail {
  if (options.gdpr) return options.gdpr;
  if (options.config) return createGdprMail(options.config);
  throw new GdprMailError(
    'CONFIG_INVALID',
    'GdprMailModule needs `config` (a GdprMail config) or `gdpr` (a ready instance).',
  );
}

/**
 * gdpr-mail for Nest: `GdprMailModule.forRoot({ config })` or
 * `forRootAsync({ imports, inject, useFactory })`. Provides `GdprMailService`,
 * the consent guard and the problem filter, and serves the gdpr-mail routes at
 * the path of `links.baseUrl` (or `routes.path`) unless `routes: false`.
 */
@Module({
  providers: [
    {
      provide: GDPR_MAIL,
      useFactory: gdprMailFrom,
      inject: [GDPR_MAIL_OPTIONS],
    },
    {
      provide: GDPR_MAIL_ROUTES,
      useFactory: (gdpr: GdprMail, options: GdprMailModuleOptions): GdprMailMount | null =>
        options.routes === false ? null : createGdprMailMount(gdpr, options.routes ?? {}),
      inject: [GDPR_MAIL, GDPR_MAIL_OPTIONS],
    },
    GdprMailService,
    GdprConsentGuard,
    GdprProblemFilter,
  ],
  exports: [
    GDPR_MAIL,
    GDPR_MAIL_OPTIONS,
    GDPR_MAIL_ROUTES,
    GdprMailService,
    GdprConsentGuard,
    GdprProblemFilter,
  ],
})
export class GdprMailModule extends GdprMailConfigurableModule implements NestModule {
  constructor(@Inject(GDPR_MAIL_ROUTES) private readonly mount: GdprMailMount | null) {
    super();
  }

  /** One middleware on every method under the mount: it runs before guards and pipes. */
  configure(consumer: MiddlewareConsumer): void {
    if (!this.mount) return;
    consumer
      .apply(this.mount.handler)
      .forRoutes(
        { path: this.mount.path || '/', method: RequestMethod.ALL },
        { path: `${this.mount.path}/*path`, method: RequestMethod.ALL },
      );
  }
}
