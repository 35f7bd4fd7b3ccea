import { GdprMailError, type ProcessorDescriptor } from '@gdpr-mail/core';
import { checkProcessor } from '@gdpr-mail/core/internal';
import type { Dispatcher } from 'undici';

/** Brevo takes at most 1000 message versions in one `POST /v3/smtp/email`. */
export const BREVO_MAX_BATCH = 1000;

export const DEFAULT_BREVO_BASE_URL = 'https://api.brevo.com';

/** Sendinblue SAS (trading as Brevo), Paris: mail is processed in the EU. */
export const BREVO_PROCESSOR: ProcessorDescriptor = {
  name: 'Sendinblue SAS (Brevo)',
  role: 'email delivery',
  country: 'FR',
};

export interface BrevoTransportOptions {
  /** The API key (`xkeysib-…`), sent in the `api-key` header. */
  apiKey: string;
  /**
   * Where the API lives. Default `https://api.brevo.com`. A path prefix is
   * kept: `https://proxy.example/brevo` → `…/brevo/v3/smtp/email`.
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
   * Most message versions per call, 1 to 1000. Default 100: Brevo also caps
   * the size of a call, and a smaller call loses less to one failure.
   */
  batchSize?: number;
  /**
   * Sends `message.messageId` as the `Message-Id` header, so `lookup` can find
   * the message by it (`GET /v3/smtp/emails?messageId=`). Default true. Brevo
   * takes headers per call, not per message version, so a message with its
   * own Message-Id never shares a call: set false to batch messages that share
   * sender, headers and tags (lookup then answers `unknown`).
   */
  messageIdHeader?: boolean;
  /**
   * Who processes the mail, for the record of processing. Default Sendinblue
   * SAS (FR). A country outside the EEA needs `transferSafeguard`.
   */
  processor?: ProcessorDescriptor;
  /** Transport name in logs and delivery records. Default `brevo`. */
  name?: string;
}

/** The options with every default filled in, checked. */
export interface ResolvedBrevoConfig {
  apiKey: string;
  baseUrl: string;
  dispatcher: Dispatcher | undefined;
  connections: number;
  timeoutMs: number;
  batchSize: number;
  messageIdHeader: boolean;
  processor: ProcessorDescriptor;
  name: string;
}

function configError(path: string, message: string): GdprMailError {
  return new GdprMailError('CONFIG_INVALID', `Brevo transport: ${path} ${message}.`, {
    issues: [{ path, message }],
  });
}

function positiveInteger(
  options: BrevoTransportOptions,
  key: 'connections' | 'timeoutMs' | 'batchSize',
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw configError(key, `must be an integer from 1 to ${max}`);
  }
  return value;
}

function checkBaseUrl(baseUrl: string): string {
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
  return baseUrl;
}

/** Checks the options and fills in the defaults; throws `CONFIG_INVALID`. */
export function resolveConfig(options: BrevoTransportOptions): ResolvedBrevoConfig {
  if (typeof options !== 'object' || options === null) {
    throw configError('options', 'must be an object');
  }
  if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw configError('apiKey', 'is required');
  }
  return {
    apiKey: options.apiKey,
    baseUrl: checkBaseUrl(options.baseUrl ?? DEFAULT_BREVO_BASE_URL),
    dispatcher: options.dispatcher,
    connections: positiveInteger(options, 'connections', 8),
    timeoutMs: positiveInteger(options, 'timeoutMs', 30_000),
    batchSize: positiveInteger(options, 'batchSize', 100, BREVO_MAX_BATCH),
    messageIdHeader: options.messageIdHeader ?? true,
    // Core's check (REQ-31): an EEA country, or a transfer safeguard outside it.
    processor: checkProcessor(options.processor ?? BREVO_PROCESSOR),
    name: options.name ?? 'brevo',
  };
}
