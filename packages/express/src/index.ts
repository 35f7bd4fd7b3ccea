export type { GdprMailRouterOptions } from './gdpr-mail-router.js';
export { gdprMailRouter } from './gdpr-mail-router.js';
export { gdprMailOpenApi } from './openapi.js';
export { installPrivacySignals, privacySignals } from './privacy-signals.js';
export { sendGdprResponse, toGdprRequest } from './translate.js';
