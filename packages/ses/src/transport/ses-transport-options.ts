import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { ProcessorDescriptor, TransferSafeguard } from '@gdpr-mail/core';

export interface SesTransportOptions {
  /**
   * The AWS region the mail is processed in, e.g. `eu-west-1`. Always declared,
   * also with `client`: it goes into the record of processing (Art. 30), and a
   * region outside the EEA needs `transferSafeguard` (Chapter V).
   */
  region: string;
  /**
   * Your own client. Build it with `maxAttempts: 1`: the SDK's own retries
   * would re-send after a timeout (SES has no idempotency key) and hide
   * failures from core's retry policy. Without it the transport makes a
   * client for `region` with the default AWS credential chain.
   */
  client?: SESv2Client;
  /** SES configuration set (event destinations, IP pool, tracking). */
  configurationSetName?: string;
  /**
   * How the message goes to SES. `raw` (default): the transport writes the
   * MIME itself, every header exactly as given. `simple`: SES writes the MIME
   * and adds `message.headers` (SES's own Message-ID replaces ours).
   */
  content?: 'raw' | 'simple';
  /** Gives up on one call after this long; the message is then `ambiguous`. Default 30 000. */
  requestTimeoutMs?: number;
  /** Who processes the mail; defaults to Amazon Web Services EMEA SARL, email delivery, the region's country. */
  processor?: Partial<Omit<ProcessorDescriptor, 'region'>>;
  /** Required when the region's country is outside the EEA. */
  transferSafeguard?: TransferSafeguard;
  /**
   * What to delete at SES when a person is erased (Art. 17, REQ-26). With it the
   * transport gets `eraseContact`, which `createGdprMail` calls on every erasure.
   */
  erasure?: SesErasureOptions;
}

export interface SesErasureOptions {
  /** Remove the address from the account-level suppression list (SES keeps it in clear). */
  accountSuppressionList?: boolean;
  /** Remove the contact from this SES contact list (list management). */
  contactListName?: string;
}
