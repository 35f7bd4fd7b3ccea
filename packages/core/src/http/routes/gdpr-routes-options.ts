import type { RenderedMail } from '../../templates/confirmation-template.js';
import type { WebhookHandler } from '../../webhooks/webhook-handler.js';
import type {
  confirmPage,
  errorPage,
  messagePage,
  preferencesPage,
  signupPage,
  unsubscribePage,
} from '../pages/consent-pages.js';
import type { Locale, PageMessages } from '../pages/messages.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { GdprHttpRequest } from './gdpr-http-types.js';
import type { OpenApiOptions } from './openapi.js';

/** Sends one mail the routes produced; defaults to `gdpr.mailer.sendSystem`. */
export type SendMail = (mail: RenderedMail, kind: 'double-opt-in') => Promise<void>;

/** Every page the routes render; replace any of them with your own templates. */
export interface GdprPages {
  signup: typeof signupPage;
  confirm: typeof confirmPage;
  unsubscribe: typeof unsubscribePage;
  preferences: typeof preferencesPage;
  message: typeof messagePage;
  error: typeof errorPage;
}

export interface GdprRoutesOptions {
  /**
   * Hands the double opt-in mail to a transport. Default: `gdpr.mailer.sendSystem`,
   * which needs `transport` and `mailer` in the config.
   */
  sendMail?: SendMail;
  /**
   * Where the routes are mounted, e.g. `/gdpr`. Defaults to the path of
   * `links.baseUrl`, which is what the mailed links point at.
   */
  basePath?: string;
  signup?: {
    /**
     * Purpose ids offered at signup; default: every consent-based purpose except tracking ones.
     * A tracking purpose here is refused (`CONFIG_INVALID`): the preference centre offers it.
     */
    purposes?: readonly string[];
    /** Written into the consent proof (`source`, `formId`). */
    source?: string;
    formId?: string;
    /**
     * Per client IP; default 10 sign-ups a minute per process (bounded memory,
     * oldest windows evicted). Behind several processes pass a shared one:
     * `createRedisRateLimiter` / `createPostgresRateLimiter`.
     */
    rateLimiter?: RateLimiter;
  };
  /** Signs the CSRF field; default derived from `secrets.pepper`, so every process agrees. */
  csrfSecret?: string;
  /** Marks the CSRF cookie `Secure`; default: when `links.baseUrl` is https. */
  secureCookies?: boolean;
  defaultLocale?: Locale;
  /**
   * Where "Back to the website" leads from a page that ends a flow (an
   * already-used confirmation link). Default: the origin of `links.baseUrl`.
   */
  siteUrl?: string;
  /** Your words per locale, merged over the built-in EN / FR ones. */
  messages?: Partial<Record<Locale, Partial<PageMessages>>>;
  /** Your own page templates. */
  pages?: Partial<GdprPages>;
  /**
   * Provider event endpoints (`@gdpr-mail/ses`, `@gdpr-mail/mailjet`), each
   * mounted at `POST {basePath}/webhooks/{name}` with its raw body.
   */
  webhooks?: readonly WebhookHandler[];
  /** Called with every unexpected (500) error; the response never shows it. */
  onError?: (error: unknown, request: GdprHttpRequest) => void;
  /**
   * Tracking pixel hits (`tracking.path`): `onOpen` is called only when the
   * person consents to tracking at the moment of the hit (REQ-30); `onAggregateOpen`
   * counts the shared campaign pixel (no person). Store what you like: nothing is
   * stored by the SDK.
   */
  tracking?: {
    onOpen?: (hit: { subjectId: string }) => void | Promise<void>;
    onAggregateOpen?: (campaignId: string) => void | Promise<void>;
  };
  /**
   * Serves the OpenAPI document of these routes at `GET {basePath}/openapi.json`.
   * Off by default; `true`, or the document's title, version and licence.
   */
  openapi?: boolean | Omit<OpenApiOptions, 'webhooks'>;
}
