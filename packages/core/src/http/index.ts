export { canonicalJson } from '../crypto/canonical-json.js';
export type { CsrfPair } from './csrf.js';
export { createCsrfPair, csrfField, isCrossSiteRequest, verifyCsrf } from './csrf.js';
export type { GdprHandler, GdprHandlerOptions } from './handler/create-gdpr-handler.js';
export { createGdprHandler, serveGdprRoutes } from './handler/create-gdpr-handler.js';
export type { GdprRequestContext } from './handler/fetch-translate.js';
export type {
  NodeHttpRequest,
  NodeMiddleware,
  NodeMiddlewareOptions,
} from './handler/node-bridge.js';
export {
  nodeToFetchRequest,
  toFetchHeaders,
  toFetchMethod,
  toNodeHeaders,
  toNodeMiddleware,
  writeFetchResponse,
} from './handler/node-bridge.js';
export { BodyTooLargeError, byteLimit, readForm } from './handler/read-body.js';
export { escapeHtml, html, SafeHtml } from './html.js';
export { negotiateLocale } from './locale.js';
export type {
  NextLink,
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
export type {
  MemoryRateLimiterOptions,
  RateLimiter,
  RateLimiterFactory,
  RateLimitWindow,
} from './rate-limiter.js';
export { createMemoryRateLimiter } from './rate-limiter.js';
export type { CookieOptions } from './routes/cookies.js';
export { parseCookies, serializeCookie } from './routes/cookies.js';
export type {
  GdprPages,
  GdprRoutes,
  GdprRoutesOptions,
  SendMail,
} from './routes/create-gdpr-routes.js';
export { CSRF_COOKIE, createGdprRoutes } from './routes/create-gdpr-routes.js';
export {
  parseBody,
  preferencesBodySchema,
  signupBodySchema,
  tokenFormBodySchema,
} from './routes/form-schemas.js';
export type {
  GdprHttpRequest,
  GdprHttpResponse,
  GdprRoute,
  GdprRouteName,
} from './routes/gdpr-http-types.js';
export type { MountedRoute } from './routes/mounted-routes.js';
export { listMountedRoutes, resolveMountPath } from './routes/mounted-routes.js';
export type { OpenApiDocument, OpenApiLicense, OpenApiOptions } from './routes/openapi.js';
export { createGdprOpenApi } from './routes/openapi.js';
export type { ProblemRenderContext } from './routes/respond.js';
export {
  htmlResponse,
  jsonResponse,
  problemResponse,
  SECURITY_HEADERS,
  wantsJson,
  withSecurityHeaders,
} from './routes/respond.js';
export type { RouteAnswer, RouteDoc, RouteTag } from './routes/route-doc.js';
export type { WebhookRoute } from './routes/webhook-routes.js';
export { createWebhookRoutes } from './routes/webhook-routes.js';
export type {
  PostgresRateLimiterOptions,
  RedisRateLimiterOptions,
} from './shared-rate-limiters.js';
export { createPostgresRateLimiter, createRedisRateLimiter } from './shared-rate-limiters.js';
