/**
 * Injection tokens of the module. `Symbol.for` keeps them equal across the ESM
 * and the CommonJS build should both be loaded in one process.
 */

/** The module options, as given to `forRoot` or produced by `forRootAsync`. */
export const GDPR_MAIL_OPTIONS: unique symbol = Symbol.for('@gdpr-mail/nestjs:options');

/** The core `GdprMail` facade the module built (or was given). */
export const GDPR_MAIL: unique symbol = Symbol.for('@gdpr-mail/nestjs:gdpr-mail');

/** The mount (route table and its middleware, `createGdprMailMount`), or `null` when `routes: false`. */
export const GDPR_MAIL_ROUTES: unique symbol = Symbol.for('@gdpr-mail/nestjs:routes');

/** Metadata key `@RequireConsent()` writes the purpose ids under. */
export const REQUIRE_CONSENT_METADATA = '@gdpr-mail/nestjs:require-consent';
