export type { GdprMailFastifyOptions } from './gdpr-mail-plugin.js';
export { gdprMail } from './gdpr-mail-plugin.js';
