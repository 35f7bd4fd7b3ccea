export { emailFromUser, GdprConsentGuard } from './consent/gdpr-consent.guard.js';
export { RequireConsent } from './consent/require-consent.decorator.js';
export { GdprProblemFilter } from './errors/gdpr-problem.filter.js';
export { InjectGdprMail } from './inject-gdpr-mail.decorator.js';
export { GdprMailModule } from './module/gdpr-mail.module.js';
export type {
  GdprMailModuleAsyncOptions,
  GdprMailModuleExtras,
  GdprMailModuleForRootOptions,
} from './module/gdpr-mail.module-definition.js';
export type {
  GdprMailModuleCommonOptions,
  GdprMailModuleOptions,
  GdprMailOptionsFactory,
  GdprMailRoutesOptions,
  ResolveEmail,
} from './module/gdpr-mail-options.js';
export type { GdprMailMiddleware, GdprMailMount, MountedRoute } from './routes/gdpr-mail-mount.js';
export { createGdprMailMount } from './routes/gdpr-mail-mount.js';
export { GdprMailService } from './service/gdpr-mail.service.js';
export { PrivacySignals } from './signals/privacy-signals.decorator.js';
export {
  GDPR_MAIL,
  GDPR_MAIL_OPTIONS,
  GDPR_MAIL_ROUTES,
  REQUIRE_CONSENT_METADATA,
} from './tokens.js';
