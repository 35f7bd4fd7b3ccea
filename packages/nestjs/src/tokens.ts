import { Inject } from '@nestjs/common';

// `Symbol.for` keeps the tokens equal should both the ESM and the CommonJS build be loaded.

/** The module options, as given to `forRoot` or produced by `forRootAsync`. */
export const GDPR_MAIL_OPTIONS: unique symbol = Symbol.for('@gdpr-mail/nestjs:options');

/** The core `GdprMail` facade the module built (or was given). */
export const GDPR_MAIL: unique symbol = Symbol.for('@gdpr-mail/nestjs:gdpr-mail');

/** The mount (`createGdprMailMount`), or `null` when `routes: false`. */
export const GDPR_MAIL_ROUTES: unique symbol = Symbol.for('@gdpr-mail/nestjs:routes');

/** Metadata key `@RequireConsent()` writes the purpose ids under. */
export const REQUIRE_CONSENT_METADATA = '@gdpr-mail/nestjs:require-consent';

/**
 * Injects the module's `GdprMail`, as `@InjectQueue()` injects a queue:
 * `constructor(@InjectGdprMail() private gdpr: GdprMail)`.
 */
export const InjectGdprMail = (): ParameterDecorator & PropertyDecorator => Inject(GDPR_MAIL);
