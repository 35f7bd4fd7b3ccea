export { emailFromUser, GdprConsentGuard, RequireConsent } from './consent.js';
export type {
  GdprMailModuleAsyncOptions,
  GdprMailModuleCommonOptions,
  GdprMailModuleExtras,
  GdprMailModuleForRootOptions,
  GdprMailModuleOptions,
  GdprMailOptionsFactory,
  GdprMailRoutesOptions,
  ResolveEmail,
} from './gdpr-mail.module.js';
export { GdprMailModule } from './gdpr-mail.module.js';
export { GdprMailService } from './gdpr-mail.service.js';
export type { GdprMailMiddleware, GdprMailMount, MountedRoute } from './gdpr-mail-mount.js';
export { createGdprMailMount } from './gdpr-mail-mount.js';
export { GdprProblemFilter } from './gdpr-problem.filter.js';
export { PrivacySignals } from './privacy-signals.decorator.js';
export {
  GDPR_MAIL,
  GDPR_MAIL_OPTIONS,
  GDPR_MAIL_ROUTES,
  InjectGdprMail,
  REQUIRE_CONSENT_METADATA,
} from './tokens.js';
