/** What one recipient line of a report says happened. */
export type RecipientOutcome =
  | 'hard-bounce'
  | 'soft-bounce'
  | 'complaint'
  | 'delayed'
  | 'delivered';

export interface ReportRecipient {
  /** The recipient address, when the report names one (DSN field, ARF field, bounce text). */
  email?: string;
  outcome: RecipientOutcome;
  /** Enhanced status code (RFC 3463), e.g. `5.1.1`, when known. */
  status?: string;
  /** The remote server's answer or the report's reason, first 200 characters. */
  diagnostic?: string;
}

/**
 * What kind of mail it is. `delivery-status`: RFC 3464/6533 report;
 * `feedback-report`: ARF complaint (RFC 5965); `text-bounce`: a non-standard
 * bounce (qmail, Exim, Yahoo style); `auto-reply`: vacation or out-of-office;
 * `not-a-bounce`: anything else a person sent; `malformed`: claims to be a
 * report but cannot be read.
 */
export type ReportKind =
  | 'delivery-status'
  | 'feedback-report'
  | 'text-bounce'
  | 'auto-reply'
  | 'not-a-bounce'
  | 'malformed';

export type ReportFormat =
  | 'rfc3464'
  | 'rfc6533'
  | 'arf'
  | 'qmail'
  | 'yahoo'
  | 'exim'
  | 'generic-text'
  | 'none';

export interface ParsedReport {
  kind: ReportKind;
  format: ReportFormat;
  recipients: ReportRecipient[];
  /** Message-ID of the message the report answers (from the returned headers or References). */
  originalMessageId?: string;
  /** Addresses the report itself was delivered to (To, Delivered-To, X-Original-To): where VERP shows. */
  deliveredTo: string[];
  /** The report's own Message-ID. */
  reportMessageId?: string;
  /** Why a `malformed` report could not be read; no personal data. */
  problem?: string;
}
