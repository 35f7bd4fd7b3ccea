import { readdirSync, readFileSync } from 'node:fs';
import type { MailVerdict, RecipientOutcome, ReportFormat, ReportKind } from '../src/index.js';

export const CORPUS_DIR = new URL('./fixtures/corpus/', import.meta.url);

/** The corpus files, in name order. */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((name) => name.endsWith('.eml'))
    .sort();
}

export function corpusSource(name: string): Buffer {
  return readFileSync(new URL(name, CORPUS_DIR));
}

/** How the reader maps the corpus, configured as `READER_MAPPING` says. */
export const READER_MAPPING = {
  provider: 'bounces',
  verpAddress: 'bounces@shop.example',
  messageIdDomains: ['mail.shop.example'],
} as const;

export interface Expected {
  kind: ReportKind;
  format: ReportFormat;
  verdict: MailVerdict;
  /** [outcome, address] per recipient line; the address only where an event is fed. */
  recipients: readonly (readonly [RecipientOutcome, string?])[];
}

/** The expected classification of every corpus sample (REQ-28: provider bounces and complaints suppress). */
export const EXPECTED: Readonly<Record<string, Expected>> = {
  '01-rfc3464-postfix-user-unknown.eml': {
    kind: 'delivery-status',
    format: 'rfc3464',
    verdict: 'applied',
    recipients: [['hard-bounce', 'nobody@example.org']],
  },
  '02-rfc3464-multi-recipient-mixed.eml': {
    kind: 'delivery-status',
    format: 'rfc3464',
    verdict: 'applied',
    recipients: [['hard-bounce', 'gone@example.org'], ['delayed'], ['delivered']],
  },
  '03-rfc3464-delayed-4.4.1.eml': {
    kind: 'delivery-status',
    format: 'rfc3464',
    verdict: 'ignored',
    recipients: [['delayed']],
  },
  '04-rfc3464-failed-4.2.2-mailbox-full.eml': {
    kind: 'delivery-status',
    format: 'rfc3464',
    verdict: 'applied',
    recipients: [['soft-bounce', 'full@example.org']],
  },
  '05-rfc3464-5.2.2-over-quota.eml': {
    kind: 'delivery-status',
    format: 'rfc3464',
    verdict: 'applied',
    recipients: [['soft-bounce', 'quota@example.org']],
  },
  '06-rfc3464-5.7.1-policy-block.eml': {
    kind: 'delivery-status',
    format: 'rfc3464',
    verdict: 'applied',
    recipients: [['soft-bounce', 'guarded@example.com']],
  },
  '07-sendmail-returned-full-message.eml': {
    kind: 'delivery-status',
    format: 'rfc3464',
    verdict: 'applied',
    recipients: [['hard-bounce', 'former.employee@example.net']],
  },
  '08-rfc6533-global-delivery-status.eml': {
    kind: 'delivery-status',
    format: 'rfc6533',
    verdict: 'applied',
    recipients: [['hard-bounce', 'joerg@buecher.example']],
  },
  '09-gmail-style-account-does-not-exist.eml': {
    kind: 'delivery-status',
    format: 'rfc3464',
    verdict: 'applied',
    recipients: [['hard-bounce', 'no.such.user@gmail.com']],
  },
  '10-outlook-exchange-ndr.eml': {
    kind: 'delivery-status',
    format: 'rfc3464',
    verdict: 'applied',
    recipients: [['hard-bounce', 'gone.user@outlook.com']],
  },
  '11-yahoo-text-bounce.eml': {
    kind: 'text-bounce',
    format: 'yahoo',
    verdict: 'applied',
    recipients: [['hard-bounce', 'no.account@yahoo.com']],
  },
  '12-qmail-permanent-two-recipients.eml': {
    kind: 'text-bounce',
    format: 'qmail',
    verdict: 'applied',
    recipients: [
      ['hard-bounce', 'alpha@example.com'],
      ['hard-bounce', 'beta@example.com'],
    ],
  },
  '13-exim-permanent.eml': {
    kind: 'text-bounce',
    format: 'exim',
    verdict: 'applied',
    recipients: [['hard-bounce', 'nouser@example.net']],
  },
  '14-exim-delay-warning.eml': {
    kind: 'text-bounce',
    format: 'exim',
    verdict: 'ignored',
    recipients: [['delayed']],
  },
  '15-exim-mailbox-full.eml': {
    kind: 'text-bounce',
    format: 'exim',
    verdict: 'applied',
    recipients: [['soft-bounce', 'stuffed@example.net']],
  },
  '16-arf-abuse-rfc5965.eml': {
    kind: 'feedback-report',
    format: 'arf',
    verdict: 'applied',
    recipients: [['complaint', 'complainer@isp.example']],
  },
  '17-arf-redacted-original-headers-only.eml': {
    kind: 'feedback-report',
    format: 'arf',
    verdict: 'applied',
    recipients: [['complaint', 'redacted.reader@mailbox.example']],
  },
  '18-arf-yahoo-style-original-to.eml': {
    kind: 'feedback-report',
    format: 'arf',
    verdict: 'applied',
    recipients: [['complaint', 'jane.reader@yahoo.example']],
  },
  '19-auto-reply-out-of-office.eml': {
    kind: 'auto-reply',
    format: 'none',
    verdict: 'ignored',
    recipients: [],
  },
  '20-auto-reply-outlook-automatic-reply.eml': {
    kind: 'auto-reply',
    format: 'none',
    verdict: 'ignored',
    recipients: [],
  },
  '21-vacation-precedence-bulk.eml': {
    kind: 'auto-reply',
    format: 'none',
    verdict: 'ignored',
    recipients: [],
  },
  '22-human-reply-not-a-bounce.eml': {
    kind: 'not-a-bounce',
    format: 'none',
    verdict: 'ignored',
    recipients: [],
  },
  '23-malformed-report-without-status-part.eml': {
    kind: 'malformed',
    format: 'none',
    verdict: 'malformed',
    recipients: [],
  },
  '24-malformed-status-without-recipient.eml': {
    kind: 'delivery-status',
    format: 'rfc3464',
    verdict: 'malformed',
    recipients: [],
  },
  '25-malformed-truncated-binary.eml': {
    kind: 'malformed',
    format: 'none',
    verdict: 'malformed',
    recipients: [],
  },
  '26-malformed-daemon-text-without-address.eml': {
    kind: 'text-bounce',
    format: 'generic-text',
    verdict: 'malformed',
    recipients: [],
  },
  '27-verp-only-text-bounce.eml': {
    kind: 'text-bounce',
    format: 'generic-text',
    verdict: 'applied',
    recipients: [['hard-bounce', 'verp.person@example.org']],
  },
  '28-dsn-for-foreign-message.eml': {
    kind: 'delivery-status',
    format: 'rfc3464',
    verdict: 'unmatched',
    recipients: [['hard-bounce']],
  },
};
