export * from './consent.js';
export * from './gdpr-mail.module.js';
export * from './gdpr-mail.service.js';
export type {
  GdprMailFrameworkError,
  GdprMailFrameworkErrors,
  GdprMailFrameworkReply,
  GdprMailFrameworkRequest,
} from './gdpr-mail-framework-errors.js';
export { gdprMailFrameworkErrors } from './gdpr-mail-framework-errors.js';
export * from './gdpr-mail-mount.js';
export * from './gdpr-problem.filter.js';
export * from './privacy-signals.decorator.js';
export * from './tokens.js';
