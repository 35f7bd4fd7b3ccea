import type { ProcessorDescriptor } from '@gdpr-mail/core';
import type { Dispatcher } from 'undici';

export interface MailjetTransportOptions {
  /** The API key (basic auth user). */
  apiKey: string;
  /** The secret key (basic auth password). */
  apiSecret: string;
  /**
   * Where the API lives. Default `https://api.mailjet.com`; any
   * Mailjet-compatible API (a proxy, a regional endpoint, a test double) works.
   * A path prefix is kept: `https://proxy.example/mj` → `…/mj/v3.1/send`.
   */
  baseUrl?: string;
  /**
   * Sends every request through this undici dispatcher instead of the
   * transport's own keep-alive `Pool` (tests pass a `MockAgent`). The
   * transport never closes a dispatcher it was given.
   */
  dispatcher?: Dispatcher;
  /** Keep-alive connections of the pool, and calls in flight at once. Default 8. */
  connections?: number;
  /** Time to wait for the response headers, then for the body. Default 30 s each. */
  timeoutMs?: number;
  /**
   * Who processes the mail, for the record of processing. Default Mailjet SAS
   * (FR). A country outside the EEA needs `transferSafeguard`, else
   * `createMailjetTransport` throws `CONFIG_INVALID`.
   */
  processor?: ProcessorDescriptor;
  /** Transport name in logs and delivery records. Default `mailjet`. */
  name?: string;
  /** Sends with `SandboxMode: true`: Mailjet validates but delivers nothing. */
  sandbox?: boolean;
}
