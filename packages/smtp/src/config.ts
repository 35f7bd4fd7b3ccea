import type { ConnectionOptions } from 'node:tls';
import type {
  DeliveryLookup,
  DeliveryLookupResult,
  ProcessorDescriptor,
  SendOptions,
  TransportCapabilities,
} from '@gdpr-mail/core';

export interface SmtpDkimOptions {
  /** The signing domain (`d=`), e.g. `shop.example`. */
  domainName: string;
  /** The selector (`s=`): the key is published at `<selector>._domainkey.<domain>`. */
  keySelector: string;
  /** PEM private key (RSA). */
  privateKey: string;
  /**
   * Header fields to sign, replacing the default list. `List-Unsubscribe` and
   * `List-Unsubscribe-Post` are added when missing: RFC 8058 requires both signed.
   */
  headerFieldNames?: readonly string[];
}

export interface SmtpTransportOptions {
  host: string;
  /** Default 587, or 465 when `secure`. */
  port?: number;
  /** TLS from the first byte (port 465). Otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  /** Refuse to send unless STARTTLS succeeds. */
  requireTLS?: boolean;
  /** Never STARTTLS (local test servers only). */
  ignoreTLS?: boolean;
  tls?: ConnectionOptions;
  auth?: { user: string; pass: string };
  /** Hostname announced in EHLO. */
  clientHostname?: string;
  /** Pooled connections. Default 5. */
  maxConnections?: number;
  /** Messages per connection before it is recycled. Default 100. */
  maxMessages?: number;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
  dkim?: SmtpDkimOptions;
  /** Who runs the SMTP server, for the record of processing. */
  processor: ProcessorDescriptor;
  /**
   * SMTP itself cannot be asked what became of a message. Where the relay can
   * (its log searched by Message-ID, its API), give this: it becomes the
   * transport's `lookup`, with which campaign runs settle the deliveries a
   * crash left unknown instead of leaving them unsent (docs/scaling.md).
   * Answer `not-found` only when the relay will never accept that message.
   */
  lookup?(
    queries: readonly DeliveryLookup[],
    options: SendOptions,
  ): Promise<DeliveryLookupResult[]>;
}

/** Port when none is given: 465 with `secure`, else 587 (submission, STARTTLS). */
export function defaultPort(secure: boolean | undefined): number {
  return secure ? 465 : 587;
}
export const DEFAULT_MAX_CONNECTIONS = 5;
export const DEFAULT_MAX_MESSAGES = 100;

export const SMTP_CAPABILITIES: TransportCapabilities = {
  // SMTP has no batch call: a batch is spread over the pooled connections.
  maxBatchSize: 1000,
  maxRecipients: 1,
  customHeaders: true,
  nativeIdempotency: false,
};

/**
 * nodemailer's default signed header list (RFC 4871 §5.5) plus
 * List-Unsubscribe-Post, which it omits: Gmail and Yahoo only honour one-click
 * unsubscribe when DKIM covers both List-Unsubscribe headers (RFC 8058 §4).
 */
export const DKIM_HEADER_FIELDS: readonly string[] = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'Content-ID',
  'Content-Description',
  'Resent-Date',
  'Resent-From',
  'Resent-Sender',
  'Resent-To',
  'Resent-Cc',
  'Resent-Message-ID',
  'In-Reply-To',
  'References',
  'List-Id',
  'List-Help',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'List-Subscribe',
  'List-Post',
  'List-Owner',
  'List-Archive',
];

const REQUIRED = ['List-Unsubscribe', 'List-Unsubscribe-Post'];

/** The colon-separated list nodemailer's signer takes, with both unsubscribe headers in it. */
export function dkimHeaderFieldNames(fields: readonly string[] = DKIM_HEADER_FIELDS): string {
  const lower = new Set(fields.map((field) => field.toLowerCase()));
  const missing = REQUIRED.filter((field) => !lower.has(field.toLowerCase()));
  return [...fields, ...missing].join(':');
}
