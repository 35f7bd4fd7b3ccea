import type { MailReport } from '../mailer/mail-outcome.js';
import type { CampaignReport } from './campaign-types.js';

export function emptyCampaignReport(campaignId: string, purposeId: string): CampaignReport {
  return {
    campaignId,
    purposeId,
    scanned: 0,
    filteredOut: 0,
    sent: 0,
    alreadySent: 0,
    failed: 0,
    retryableFailed: 0,
    ambiguous: 0,
    inFlight: 0,
    invalid: 0,
    reconciled: 0,
    denied: 0,
    deniedByReason: {},
    batches: 0,
    complete: false,
  };
}

/** Adds one batch's outcomes to the campaign totals; a duplicate counts by what the earlier run left. */
export function addMailReport(report: CampaignReport, batch: MailReport): void {
  for (const outcome of batch.outcomes) {
    switch (outcome.status) {
      case 'sent':
        report.sent += 1;
        break;
      case 'denied':
        report.denied += 1;
        report.deniedByReason[outcome.reason] = (report.deniedByReason[outcome.reason] ?? 0) + 1;
        break;
      case 'failed':
        report.failed += 1;
        if (outcome.retryable) report.retryableFailed += 1;
        break;
      case 'ambiguous':
        report.ambiguous += 1;
        break;
      case 'invalid':
        report.invalid += 1;
        break;
      case 'duplicate':
        switch (outcome.existing.status) {
          case 'accepted':
            report.alreadySent += 1;
            break;
          case 'ambiguous':
            report.ambiguous += 1;
            break;
          case 'failed':
            report.failed += 1;
            if (outcome.existing.retryable) report.retryableFailed += 1;
            break;
          default:
            report.inFlight += 1;
        }
        break;
    }
  }
}

export function copyReport(report: CampaignReport): CampaignReport {
  return { ...report, deniedByReason: { ...report.deniedByReason } };
}
