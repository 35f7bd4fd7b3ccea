import {
  GdprMailError,
  type ProcessorDescriptor,
  type TransportCapabilities,
} from '@gdpr-mail/core';
import { checkProcessor } from '@gdpr-mail/core/internal';
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

/** Mailjet takes at most 50 messages per Send API v3.1 call. */
export const MAILJET_MAX_BATCH = 50;

export const DEFAULT_MAILJET_BASE_URL = 'https://api.mailjet.com';

export const MAILJET_CAPABILITIES: TransportCapabilities = {
  maxBatchSize: MAILJET_MAX_BATCH,
  maxRecipients: 1,
  customHeaders: true,
  // CustomID is echoed in events but Mailjet does not deduplicate on it.
  nativeIdempotency: false,
};

/** Keep-alive connections, and calls in flight at once, when none is given. */
export const DEFAULT_MAILJET_CONNECTIONS = 8;
export const DEFAULT_MAILJET_TIMEOUT_MS = 30_000;

/** Mailjet SAS, Paris: the data is processed in the EU (Mailjet's own statement). */
export const MAILJET_PROCESSOR: ProcessorDescriptor = {
  name: 'Mailjet SAS',
  role: 'email delivery',
  country: 'FR',
};

/** The processor as declared for the record of processing, Mailjet SAS by default. */
export function resolveProcessor(processor: ProcessorDescriptor | undefined): ProcessorDescriptor {
  return checkProcessor(processor ?? MAILJET_PROCESSOR);
}

function configError(path: string, message: string): GdprMailError {
  return new GdprMailError('CONFIG_INVALID', `Mailjet transport: ${path} ${message}.`, {
    issues: [{ path, message }],
  });
}

export function checkOptions(options: MailjetTransportOptions): { baseUrl: string } {
  if (typeof options !== 'object' || options === null) {
    throw configError('options', 'must be an object');
  }
  for (const key of ['apiKey', 'apiSecret'] as const) {
    if (typeof options[key] !== 'string' || options[key].trim() === '') {
      throw configError(key, 'is required');
    }
  }
  const baseUrl = options.baseUrl ?? DEFAULT_MAILJET_BASE_URL;
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw configError('baseUrl', 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw configError('baseUrl', 'must be an http(s) URL');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw configError('baseUrl', 'must not hold credentials, a query or a fragment');
  }
  for (const key of ['connections', 'timeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw configError(key, 'must be a positive integer');
    }
  }
  return { baseUrl };
}
