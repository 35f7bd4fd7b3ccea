import type { GdprMail } from '@gdpr-mail/core';
import type { OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import type { GdprMailModuleOptions } from './gdpr-mail.module.js';
import { GDPR_MAIL, GDPR_MAIL_OPTIONS } from './tokens.js';

/**
 * The core `GdprMail` facade as a Nest provider, closed on `app.close()` unless `closeOnDestroy: false`.
 * @deprecated Inject the `GdprMail` itself with `@InjectGdprMail()`; this alias goes in the next minor.
 */
export interface GdprMailService extends GdprMail {}

@Injectable()
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface declares what the constructor forwards.
export class GdprMailService implements OnModuleDestroy {
  private closing: Promise<void> | undefined;

  constructor(
    @Inject(GDPR_MAIL) readonly gdpr: GdprMail,
    @Inject(GDPR_MAIL_OPTIONS) private readonly options: GdprMailModuleOptions,
  ) {
    // Every member of the facade but `close` (the service's own), read at each access.
    const members = gdpr as unknown as Record<string, unknown>;
    for (let from: object | null = gdpr; from && from !== Object.prototype; ) {
      for (const key of Object.getOwnPropertyNames(from)) {
        if (key in this) continue;
        Object.defineProperty(this, key, {
          get: () => (typeof members[key] === 'function' ? members[key].bind(gdpr) : members[key]),
        });
      }
      from = Object.getPrototypeOf(from) as object | null;
    }
  }

  /** Closes the facade once, however many times it is called. */
  close(): Promise<void> {
    this.closing ??= this.gdpr.close();
    return this.closing;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.options.closeOnDestroy !== false) await this.close();
  }
}
