import type { GdprMail } from '@gdpr-mail/core';
import type { OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import type { GdprMailModuleOptions } from '../module/gdpr-mail-options.js';
import { GDPR_MAIL, GDPR_MAIL_OPTIONS } from '../tokens.js';

/** Every member of the facade but `close`, which the service keeps for itself (closes once). */
const FACADE = [
  'config',
  'store',
  'consent',
  'subjects',
  'suppression',
  'audit',
  'optIn',
  'links',
  'unsubscribe',
  'preferences',
  'mailer',
  'tracking',
  'dsar',
  'retention',
  'keys',
  'erasures',
  'tokens',
  'providerEvents',
  'records',
  'outbox',
  'breaches',
  'contacts',
  'repermission',
  'campaigns',
  'events',
  'canSend',
  'audience',
] as const satisfies readonly (keyof GdprMail)[];
// A member added to GdprMail and not listed above fails the type check here.
const _everyMember: [Exclude<keyof GdprMail, (typeof FACADE)[number] | 'close'>] extends [never]
  ? true
  : never = true;
void _everyMember;

/**
 * The core `GdprMail` facade as a Nest provider. It closes the facade when the
 * module is destroyed (`app.close()`), unless `closeOnDestroy: false`.
 * @deprecated Inject the `GdprMail` itself with `@InjectGdprMail()`; this alias
 * goes in the next minor.
 */
export interface GdprMailService extends GdprMail {}

@Injectable()
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface declares what the loop below defines.
export class GdprMailService implements OnModuleDestroy {
  private closing: Promise<void> | undefined;

  constructor(
    @Inject(GDPR_MAIL) readonly gdpr: GdprMail,
    @Inject(GDPR_MAIL_OPTIONS) private readonly options: GdprMailModuleOptions,
  ) {}

  /** Closes the facade once, however many times it is called. */
  close(): Promise<void> {
    const closing = this.closing ?? this.gdpr.close();
    this.closing = closing;
    return closing;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.options.closeOnDestroy !== false) await this.close();
  }
}

for (const key of FACADE) {
  Object.defineProperty(GdprMailService.prototype, key, {
    get(this: GdprMailService) {
      const value = this.gdpr[key];
      return typeof value === 'function' ? value.bind(this.gdpr) : value;
    },
  });
}
