import type { SESv2Client } from '@aws-sdk/client-sesv2';
import {
  GdprMailError,
  isEea,
  type ProcessorDescriptor,
  TRANSFER_SAFEGUARDS,
  type TransferSafeguard,
  type TransportCapabilities,
} from '@gdpr-mail/core';

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

/**
 * Where each AWS region processes data (ISO 3166-1 alpha-2), for the record
 * of processing and the Chapter V transfer check. A region missing here must
 * be declared with `processor.country`.
 */
export const AWS_REGION_COUNTRIES: Readonly<Record<string, string>> = {
  'eu-west-1': 'IE',
  'eu-west-2': 'GB',
  'eu-west-3': 'FR',
  'eu-central-1': 'DE',
  'eu-central-2': 'CH',
  'eu-north-1': 'SE',
  'eu-south-1': 'IT',
  'eu-south-2': 'ES',
  'us-east-1': 'US',
  'us-east-2': 'US',
  'us-west-1': 'US',
  'us-west-2': 'US',
  'us-gov-east-1': 'US',
  'us-gov-west-1': 'US',
  'ca-central-1': 'CA',
  'ca-west-1': 'CA',
  'mx-central-1': 'MX',
  'sa-east-1': 'BR',
  'af-south-1': 'ZA',
  'il-central-1': 'IL',
  'me-central-1': 'AE',
  'me-south-1': 'BH',
  'ap-east-1': 'HK',
  'ap-south-1': 'IN',
  'ap-south-2': 'IN',
  'ap-northeast-1': 'JP',
  'ap-northeast-2': 'KR',
  'ap-northeast-3': 'JP',
  'ap-southeast-1': 'SG',
  'ap-southeast-2': 'AU',
  'ap-southeast-3': 'ID',
  'ap-southeast-4': 'AU',
  'ap-southeast-5': 'MY',
  'ap-southeast-7': 'TH',
  'cn-north-1': 'CN',
  'cn-northwest-1': 'CN',
  // The AWS European Sovereign Cloud (partition aws-eusc, endpoints under amazonaws.eu).
  'eusc-de-east-1': 'DE',
};

/**
 * A region of the AWS European Sovereign Cloud. Its contracting entity is not
 * Amazon Web Services EMEA SARL and its name is the customer's agreement to read,
 * so such a region needs `processor.name`: the record of processing must not
 * name the wrong company.
 */
export function isSovereignCloudRegion(region: string): boolean {
  return region.startsWith('eusc-');
}

export function countryOfRegion(region: string): string | undefined {
  return AWS_REGION_COUNTRIES[region];
}

export const DEFAULT_SES_PROCESSOR_NAME = 'Amazon Web Services EMEA SARL';
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
// SES has no batch send for distinct raw messages: the batch is sent concurrently, this many at once.
export const BATCH_CONCURRENCY = 10;

export const SES_CAPABILITIES: TransportCapabilities = {
  maxBatchSize: 100,
  maxRecipients: 50,
  customHeaders: true,
  nativeIdempotency: false,
};

export function configError(message: string, details: Record<string, unknown>): GdprMailError {
  return new GdprMailError('CONFIG_INVALID', message, { details });
}

/** The processor entry for the record of processing, checked like the config (SEED-11). */
export function sesProcessor(options: SesTransportOptions): ProcessorDescriptor {
  const { region } = options;
  // Two letters (eu-west-1, us-gov-west-1) or the sovereign cloud's four (eusc-de-east-1).
  if (typeof region !== 'string' || !/^(?:[a-z]{2}|eusc)(-[a-z]+)+-\d+$/.test(region)) {
    throw configError('The SES transport needs the AWS region it sends from, e.g. "eu-west-1".', {
      field: 'region',
    });
  }
  if (isSovereignCloudRegion(region) && !options.processor?.name) {
    throw configError(
      `AWS region "${region}" is in the AWS European Sovereign Cloud, whose contracting entity is not ${DEFAULT_SES_PROCESSOR_NAME}: declare it as processor.name (see your AWS agreement).`,
      { field: 'processor.name', region },
    );
  }
  const country = (options.processor?.country ?? countryOfRegion(region))?.toUpperCase();
  if (country === undefined || !/^[A-Z]{2}$/.test(country)) {
    throw configError(
      `The country of AWS region "${region}" is not known: declare it as processor.country.`,
      { field: 'processor.country', region },
    );
  }
  const transferSafeguard = options.transferSafeguard ?? options.processor?.transferSafeguard;
  if (transferSafeguard !== undefined && !TRANSFER_SAFEGUARDS.includes(transferSafeguard)) {
    throw configError(`Unknown transfer safeguard "${String(transferSafeguard)}".`, {
      field: 'transferSafeguard',
      allowed: TRANSFER_SAFEGUARDS,
    });
  }
  if (!isEea(country) && transferSafeguard === undefined) {
    throw configError(
      `AWS region "${region}" processes mail in ${country}, outside the EEA: declare the transferSafeguard it rests on (Chapter V GDPR), or use an EU region such as eu-west-1.`,
      { field: 'transferSafeguard', region, country, allowed: TRANSFER_SAFEGUARDS },
    );
  }
  return {
    name: options.processor?.name ?? DEFAULT_SES_PROCESSOR_NAME,
    role: options.processor?.role ?? 'email delivery',
    country,
    region,
    ...(transferSafeguard === undefined ? {} : { transferSafeguard }),
  };
}
