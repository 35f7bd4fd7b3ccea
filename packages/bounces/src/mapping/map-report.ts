import { createHash } from 'node:crypto';
import type { ProviderEvent } from '@gdpr-mail/core';
import type { ParsedReport, RecipientOutcome } from '../report/report-types.js';
import { verpRecipient } from './verp.js';

export interface MappingOptions {
  /** `provider` of the events and `provider:<name>` source of the suppressions. */
  provider: string;
  /** The bounce address whose `+recipient=domain` forms name the recipient (VERP). */
  verpAddress?: string;
  /**
   * Domains of the Message-IDs the mailer sets (`mailer.messageIdDomain`).
   * When given, a report about a message with another Message-ID and no VERP
   * match is `unmatched`: backscatter or a forged report suppresses nobody.
   */
  messageIdDomains?: readonly string[];
}

/**
 * `applied`: events for the suppression; `ignored`: not a bounce (auto-reply,
 * a person's mail) or nothing to do (delays, successes); `unmatched`: a report
 * about a message this sender did not send; `malformed`: unreadable.
 */
export type MailVerdict = 'applied' | 'ignored' | 'unmatched' | 'malformed';

export interface MappedRecipient {
  outcome: RecipientOutcome;
  /** The event fed to `providerEvents` (hard, soft, complaint), absent for delays and successes. */
  event?: ProviderEvent;
}

export interface MappedReport {
  verdict: MailVerdict;
  recipients: MappedRecipient[];
  /** The key every event id of this mail derives from. */
  key: string;
  problem?: string;
}

const EVENT_TYPE = {
  'hard-bounce': 'hard-bounce',
  'soft-bounce': 'soft-bounce',
  complaint: 'complaint',
} as const;

/**
 * The idempotency key of a mail: its Message-ID (an MTA that delivers the
 * same report twice gives it the same id), else a hash of its bytes. Every
 * event id derives from it, so a mail read again after a crash produces the
 * same events and changes nothing the second time.
 */
export function reportKey(report: ParsedReport, source: Uint8Array): string {
  const hash = createHash('sha256');
  if (report.reportMessageId) hash.update(`mid:${report.reportMessageId}`);
  else hash.update('raw:').update(source);
  return hash.digest('hex').slice(0, 32);
}

function domainOf(messageId: string | undefined): string | undefined {
  const at = messageId?.lastIndexOf('@') ?? -1;
  return at === -1
    ? undefined
    : messageId!
        .slice(at + 1)
        .replace(/>$/, '')
        .toLowerCase();
}

/** Turns a parsed report into the provider events it stands for. */
export function mapReport(
  report: ParsedReport,
  source: Uint8Array,
  options: MappingOptions,
): MappedReport {
  const key = reportKey(report, source);
  if (report.kind === 'malformed') {
    return { verdict: 'malformed', recipients: [], key, problem: report.problem ?? 'unreadable' };
  }
  if (report.kind === 'auto-reply' || report.kind === 'not-a-bounce') {
    return { verdict: 'ignored', recipients: [], key };
  }
  const failing = report.recipients.filter(
    (r) => r.outcome !== 'delayed' && r.outcome !== 'delivered',
  );
  const passing = report.recipients.map((r) => ({ outcome: r.outcome }));
  // Delays and successes only: nothing to apply, whoever the message was.
  if (failing.length === 0) return { verdict: 'ignored', recipients: passing, key };
  const verp =
    options.verpAddress === undefined
      ? undefined
      : report.deliveredTo
          .map((address) => verpRecipient(options.verpAddress!, address))
          .find((a) => a !== undefined);
  // The mailer sends one recipient per message: with VERP, the address it
  // mailed is the one to act on (a Final-Recipient may be a forwarding target).
  const soleVerp = verp !== undefined && failing.length === 1 ? verp : undefined;
  if (failing.every((r) => (soleVerp ?? r.email) === undefined)) {
    return { verdict: 'malformed', recipients: [], key, problem: 'no recipient address' };
  }
  if (verp === undefined && options.messageIdDomains !== undefined) {
    const domain = domainOf(report.originalMessageId);
    const ours = options.messageIdDomains.some((d) => d.toLowerCase() === domain);
    if (!ours) {
      return {
        verdict: 'unmatched',
        recipients: passing,
        key,
        problem: 'not a message of this sender',
      };
    }
  }
  const recipients: MappedRecipient[] = [];
  let unresolved = 0;
  report.recipients.forEach((r, index) => {
    if (r.outcome === 'delayed' || r.outcome === 'delivered') {
      recipients.push({ outcome: r.outcome });
      return;
    }
    const email = soleVerp ?? r.email;
    if (email === undefined) {
      unresolved += 1;
      return;
    }
    const event: ProviderEvent = {
      provider: options.provider,
      type: EVENT_TYPE[r.outcome],
      email,
      eventId: `bounce:${key}:${index}`,
      // The status code only: a diagnostic text may quote the address.
      ...(r.status ? { detail: r.status } : r.outcome === 'complaint' ? { detail: 'arf' } : {}),
      ...(report.originalMessageId ? { providerMessageId: report.originalMessageId } : {}),
    };
    recipients.push({ outcome: r.outcome, event });
  });
  return {
    verdict: 'applied',
    recipients,
    key,
    ...(unresolved > 0 ? { problem: `${unresolved} recipient(s) without an address` } : {}),
  };
}
