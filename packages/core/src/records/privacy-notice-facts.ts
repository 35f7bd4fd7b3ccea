import type { ResolvedConfig } from '../config/config-schema.js';
import type { ProcessorRecord, RetentionRecord } from './records-of-processing.js';
import { buildRecordsOfProcessing } from './records-of-processing.js';

/** The rights Art. 13(2)(b) requires the notice to list. */
export const DATA_SUBJECT_RIGHTS = [
  'access (Art. 15)',
  'rectification (Art. 16)',
  'erasure (Art. 17)',
  'restriction of processing (Art. 18)',
  'data portability (Art. 20)',
  'objection, absolute for direct marketing (Art. 21)',
] as const;

/** What Art. 13 requires a privacy notice to say, from the config the SDK enforces. */
export interface PrivacyNoticeFacts {
  controller: ResolvedConfig['controller'];
  dpo?: { name: string; email: string };
  purposes: {
    id: string;
    title: string;
    lawfulBasis: string;
    legitimateInterest?: string;
    noticeVersion: string;
    retention: RetentionRecord;
  }[];
  recipients: string[];
  transfers: { to: string; country: string; safeguard: string }[];
  rights: string[];
  withdrawal: string;
  complaint: string;
  automatedDecisions: string;
  processors: ProcessorRecord[];
}

export function buildPrivacyNoticeFacts(config: ResolvedConfig, now: Date): PrivacyNoticeFacts {
  const ropa = buildRecordsOfProcessing(config, now);
  const authority = config.records.supervisoryAuthority;
  return {
    controller: config.controller,
    ...(config.controller.dpo ? { dpo: config.controller.dpo } : {}),
    purposes: ropa.activities.map((a, i) => ({
      id: a.purposeId,
      title: a.purpose,
      lawfulBasis: a.lawfulBasis,
      ...(a.legitimateInterest ? { legitimateInterest: a.legitimateInterest } : {}),
      noticeVersion: config.purposes[i]!.notice.version,
      retention: a.retention,
    })),
    recipients: [...new Set(ropa.activities.flatMap((a) => a.recipients))],
    transfers: ropa.processors
      .filter((p) => p.thirdCountry)
      .map((p) => ({ to: p.name, country: p.country, safeguard: p.transferSafeguard ?? 'none' })),
    rights: [...DATA_SUBJECT_RIGHTS],
    withdrawal:
      'Consent can be withdrawn at any time, as easily as it was given, through the link in every email or the preference centre; withdrawal does not affect processing before it.',
    complaint: authority
      ? `You may lodge a complaint with ${authority.name}${authority.url ? ` (${authority.url})` : ''}.`
      : 'You may lodge a complaint with the supervisory authority of your member state.',
    automatedDecisions: config.records.automatedDecisions,
    processors: ropa.processors,
  };
}
