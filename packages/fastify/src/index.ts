export type { GdprMailFastifyOptions } from './gdpr-mail-plugin.js';
export { gdprMail, gdprMailFrameworkErrors } from './gdpr-mail-plugin.js';
