export type { CsrfPair } from './csrf.js';
export { createCsrfPair, csrfField, verifyCsrf } from './csrf.js';
export { escapeHtml, html, SafeHtml } from './html.js';
export { negotiateLocale } from './locale.js';
export type {
  PageContext,
  PreferencesView,
  PurposeView,
  SignupView,
  TokenFormView,
} from './pages/consent-pages.js';
export {
  confirmPage,
  errorPage,
  messagePage,
  preferencesPage,
  signupPage,
  unsubscribePage,
} from './pages/consent-pages.js';
export { layout } from './pages/layout.js';
export type { Locale, PageMessages } from './pages/messages.js';
export { DEFAULT_MESSAGES, LOCALES, messagesFor } from './pages/messages.js';
export type { PrivacySignals } from './privacy-signals.js';
export { readPrivacySignals } from './privacy-signals.js';
export type { ProblemDetails } from './problem-details.js';
export { PROBLEM_CONTENT_TYPE, problem, statusForCode, toProblem } from './problem-details.js';
export type { MemoryRateLimiterOptions, RateLimiter } from './rate-limiter.js';
export { createMemoryRateLimiter } from './rate-limiter.js';
