import type { PrivacySignals } from '../privacy-signals.js';
import type { RouteDoc } from './route-doc.js';

type HeaderValue = string | string[] | undefined;

/**
 * The tiny request shape every adapter (Express, Nest…) translates to. Keeping
 * the route logic on this shape is what lets two frameworks share it.
 */
export interface GdprHttpRequest {
  method: string;
  /** The path below the mount point, e.g. `/u/abc`. */
  path: string;
  params: Readonly<Record<string, string>>;
  query: Readonly<Record<string, unknown>>;
  /** The parsed body (urlencoded or JSON), or undefined when there was none. */
  body: unknown;
  /** Header names in lower case, as Node gives them. */
  headers: Readonly<Record<string, HeaderValue>>;
  ip: string | undefined;
  cookies: Readonly<Record<string, string>>;
  /** Set by a `privacySignals()` middleware; read from the headers when absent. */
  privacySignals?: PrivacySignals;
}

export interface GdprHttpResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** Text for pages and JSON; bytes for the tracking pixel; chunks for a streamed export. */
  body: string | Uint8Array | AsyncIterable<string>;
}

export type GdprRouteName =
  | 'signupForm'
  | 'signup'
  | 'confirmPage'
  | 'confirm'
  | 'unsubscribePage'
  | 'unsubscribe'
  | 'preferencesPage'
  | 'preferences'
  | 'dsarForm'
  | 'dsarRequest'
  | 'dsarVerifyPage'
  | 'dsarVerify'
  | 'dsarDownloadPage'
  | 'dsarDownload'
  | 'personalPixel'
  | 'campaignPixel'
  | 'repermissionPage'
  | 'repermission'
  | 'openapi';

export interface GdprRoute {
  name: GdprRouteName;
  method: 'GET' | 'POST';
  /** Express-style path relative to the mount point, with `:token` parameters. */
  path: string;
  /** How the route describes itself: the OpenAPI document is generated from it. */
  doc: RouteDoc;
  handle(request: GdprHttpRequest): Promise<GdprHttpResponse>;
}
