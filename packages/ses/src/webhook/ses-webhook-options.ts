/** Fetches the PEM at an SNS SigningCertURL (already checked to be an SNS URL). */
export type FetchCertificate = (url: string) => Promise<string>;
/** Visits an SNS SubscribeURL (already checked to be an SNS URL); throws when it fails. */
export type ConfirmSubscription = (url: string) => Promise<void>;

export interface SesWebhookOptions {
  /** URL segment and log name. Default `ses`. */
  name?: string;
  /**
   * Required: the ARNs of the SNS topics allowed to post here, e.g.
   * `arn:aws:sns:eu-west-1:123456789012:ses-events`. A genuine SNS message
   * from any other topic (anyone can create one and point it at this URL)
   * answers 401 before any certificate is fetched, and its subscription is
   * never confirmed.
   */
  topicArns: readonly string[];
  /** Default: global fetch, https only, cached per URL for the process lifetime. */
  fetchCertificate?: FetchCertificate;
  /** Default: a GET of the SubscribeURL with global fetch. */
  confirmSubscription?: ConfirmSubscription;
  /** Confirm SubscriptionConfirmation messages from allowed topics. Default true. */
  autoConfirm?: boolean;
  /** Provider name written on the events and in the audit. Default `ses`. */
  provider?: string;
  /** The clock for the certificate validity check. */
  now?: () => Date;
}
