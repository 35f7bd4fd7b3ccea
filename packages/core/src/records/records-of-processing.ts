import type { PurposeConfig, ResolvedConfig } from '../config/config-schema.js';
import { DEFAULT_ARCHIVE_FOR } from '../retention/retention-decision.js';
import { isEea } from './eea.js';

type ProcessorConfig = ResolvedConfig['processors'][number];

export interface ProcessorRecord {
  name: string;
  role: string;
  country: string;
  region?: string;
  /** True when the country is outside the EEA. */
  thirdCountry: boolean;
  transferSafeguard?: string;
  documentation?: string;
}

export interface RetentionRecord {
  duration: string;
  anchor: string;
  action: string;
  archiveFor?: string;
  /** A sentence a person or an auditor can read. */
  description: string;
}

/** One sheet per activity, the fields of Art. 30(1)(a)-(g) (REQ-31, SEED-09). */
export interface ProcessingActivity {
  purposeId: string;
  /** (a) */
  controller: ResolvedConfig['controller'];
  dpo?: { name: string; email: string };
  /** (b) */
  purpose: string;
  lawfulBasis: PurposeConfig['lawfulBasis'];
  legitimateInterest?: string;
  /** (c) */
  dataSubjectCategories: string[];
  personalDataCategories: string[];
  /** (d) */
  recipients: string[];
  /** (e) */
  transfers: { to: string; country: string; safeguard: string; documentation?: string }[];
  /** (f) */
  retention: RetentionRecord;
  /** (g) */
  securityMeasures: string[];
  processors: ProcessorRecord[];
}

export interface RecordsOfProcessing {
  generatedAt: string;
  controller: ResolvedConfig['controller'];
  activities: ProcessingActivity[];
  processors: ProcessorRecord[];
}

const ANCHOR_WORDS: Record<string, string> = {
  collected: 'from collection',
  'last-interaction': "from the person's last own interaction (a click counts, an open does not)",
  withdrawn: 'from the withdrawal of consent',
  'account-closed': 'from the closure of the account',
};

const ACTION_WORDS: Record<string, string> = {
  delete: 'then deleted',
  anonymise: 'then anonymised',
  'archive-then-delete': 'then archived',
};

export function describeRetention(retention: PurposeConfig['retention']): RetentionRecord {
  // The sweep deletes an archive after `archiveFor`, or after its default: the record says so.
  const archiveFor =
    retention.action === 'archive-then-delete'
      ? (retention.archiveFor ?? DEFAULT_ARCHIVE_FOR)
      : retention.archiveFor;
  const archive =
    retention.action === 'archive-then-delete' ? ` for ${archiveFor} and deleted for good` : '';
  return {
    duration: retention.duration,
    anchor: retention.anchor,
    action: retention.action,
    ...(archiveFor ? { archiveFor } : {}),
    description: `Kept ${retention.duration} (ISO 8601) ${ANCHOR_WORDS[retention.anchor] ?? retention.anchor}, ${ACTION_WORDS[retention.action] ?? retention.action}${archive}.`,
  };
}

export function processorRecord(processor: ProcessorConfig): ProcessorRecord {
  return {
    name: processor.name,
    role: processor.role,
    country: processor.country,
    ...(processor.region ? { region: processor.region } : {}),
    thirdCountry: !isEea(processor.country),
    ...(processor.transferSafeguard ? { transferSafeguard: processor.transferSafeguard } : {}),
    ...(processor.documentation ? { documentation: processor.documentation } : {}),
  };
}

export function processorsFor(config: ResolvedConfig, purposeId: string): ProcessorConfig[] {
  return config.processors.filter((p) => !p.purposes || p.purposes.includes(purposeId));
}

/** Built from the same config the SDK enforces, so the record cannot drift from the code. */
export function buildRecordsOfProcessing(config: ResolvedConfig, now: Date): RecordsOfProcessing {
  const activities = config.purposes.map((purpose): ProcessingActivity => {
    const processors = processorsFor(config, purpose.id).map(processorRecord);
    return {
      purposeId: purpose.id,
      controller: config.controller,
      ...(config.controller.dpo ? { dpo: config.controller.dpo } : {}),
      purpose: purpose.title,
      lawfulBasis: purpose.lawfulBasis,
      ...(purpose.legitimateInterest ? { legitimateInterest: purpose.legitimateInterest } : {}),
      dataSubjectCategories: purpose.subjectCategories,
      personalDataCategories: purpose.dataCategories,
      recipients: [
        ...purpose.recipients,
        ...processors.map((p) => `${p.name} (processor: ${p.role})`),
      ],
      transfers: processors
        .filter((p) => p.thirdCountry)
        .map((p) => ({
          to: p.name,
          country: p.country,
          safeguard: p.transferSafeguard ?? 'none',
          ...(p.documentation ? { documentation: p.documentation } : {}),
        })),
      retention: describeRetention(purpose.retention),
      securityMeasures: config.records.securityMeasures,
      processors,
    };
  });
  return {
    generatedAt: now.toISOString(),
    controller: config.controller,
    activities,
    processors: config.processors.map(processorRecord),
  };
}
