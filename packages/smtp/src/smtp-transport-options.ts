import type { ConnectionOptions } from 'node:tls';
import type {
  DeliveryLookup,
  DeliveryLookupResult,
  ProcessorDescriptor,
  SendOptions,
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
