import { createReadStream, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type {
  ContactImportOptions,
  ContactImportReport,
  GdprMail,
  LawfulBasis,
} from '@gdpr-mail/core';
import { LAWFUL_BASES } from '@gdpr-mail/core';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../cli-io.js';

export interface ImportCommandOptions {
  list?: string;
  source?: string;
  basis?: string;
  key?: string;
  format?: string;
  purpose?: string[];
  'language-column'?: string;
  'email-column'?: string;
  'default-language'?: string;
  delimiter?: string;
  'batch-size'?: string;
  json?: boolean;
}

function formatOf(file: string, given: string | undefined): 'csv' | 'jsonl' {
  if (given === undefined) return /\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'csv';
  if (given === 'csv' || given === 'jsonl') return given;
  throw new UsageError('--format must be csv or jsonl for import');
}

/** A cell that reads like a language name (letters, spaces, dashes): safe to show. */
const LANGUAGE_LIKE = /^[\p{L} -]{1,40}$/u;

function printReport(report: ContactImportReport, io: CliIo) {
  const rejects = Object.entries(report.rejects)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const lines = [
    `Imported "${report.list}" (source "${report.source}", basis ${report.basis}, purposes ${report.purposeIds.join(', ')})`,
    `  rows       ${report.rows}`,
    `  created    ${report.created}`,
    `  merged     ${report.merged}`,
    `  unchanged  ${report.unchanged}`,
    `  rejected   ${report.rejected}${rejects ? ` (${rejects})` : ''}`,
    `  consent recorded from the file: ${report.consentRecorded}`,
    `  flagged for re-permission:      ${report.flagged}`,
    `  conflicts (kept on the contact): ${report.conflicts}`,
    `  languages: ${report.languages.mapped} mapped, ${report.languages.unknown} unknown, ${report.languages.missing} missing, ${report.languages.defaulted} defaulted`,
  ];
  // Terminal output ends up in CI logs and shell history: the samples are named by
  // their line in the file, never by the address or a value of the row.
  for (const c of report.samples.conflicts) {
    lines.push(`  conflict  line ${c.line}: ${c.field} (the value on record is kept)`);
  }
  for (const r of report.samples.rejects) lines.push(`  rejected  line ${r.line}: ${r.reason}`);
  for (const u of report.samples.unknownLanguages) {
    const shown = LANGUAGE_LIKE.test(u.detail ?? '') ? ` "${u.detail}"` : '';
    lines.push(`  unknown language  line ${u.line}${shown}`);
  }
  io.stdout(`${lines.join('\n')}\n`);
}

/** `gdpr-mail import <file>`: a legacy list streamed into the contact base (SEED-01). */
export async function importCommand(
  gdpr: GdprMail,
  file: string | undefined,
  options: ImportCommandOptions,
  io: CliIo,
): Promise<number> {
  if (!file)
    throw new UsageError(
      'import needs a file: gdpr-mail import <file> --list NAME --source LABEL --basis BASIS',
    );
  if (!options.list) throw new UsageError('import needs --list NAME');
  if (!options.source) throw new UsageError('import needs --source LABEL');
  if (!options.basis) throw new UsageError(`import needs --basis (${LAWFUL_BASES.join('|')})`);
  if (!(LAWFUL_BASES as readonly string[]).includes(options.basis)) {
    throw new UsageError(`--basis must be one of ${LAWFUL_BASES.join(', ')}`);
  }
  // Only when given: the importer's own default fits the store (5,000 rows where the
  // store writes set-based batches, else 500); a fixed 500 here overrode it.
  const batchSize = options['batch-size'] === undefined ? undefined : Number(options['batch-size']);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1))
    throw new UsageError('--batch-size must be a positive integer');
  const path = resolve(io.cwd, file);
  if (!existsSync(path)) throw new UsageError(`File not found: ${file}`);
  // A folder would fail only once read, as an untyped EISDIR with a stack trace.
  if (!statSync(path).isFile()) throw new UsageError(`Not a file: ${file}`);
  const format = formatOf(file, options.format);

  const importOptions: ContactImportOptions = {
    list: options.list,
    source: options.source,
    basis: options.basis as LawfulBasis,
    format,
    ...(batchSize === undefined ? {} : { batchSize }),
    // The audit shows the import came from the command line, not the app's own code.
    actor: 'cli',
    ...(options.key ? { key: options.key } : {}),
    ...(options.purpose && options.purpose.length > 0 ? { purposes: options.purpose } : {}),
    ...(options['language-column'] || options['email-column']
      ? {
          columns: {
            ...(options['email-column'] ? { email: options['email-column'] } : {}),
            ...(options['language-column'] ? { language: options['language-column'] } : {}),
          },
        }
      : {}),
    ...(options['default-language'] ? { defaultLanguage: options['default-language'] } : {}),
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
    onProgress: (p) => {
      io.stderr(
        `\rrows ${p.rows}  created ${p.created}  merged ${p.merged}  unchanged ${p.unchanged}  rejected ${p.rejected}`,
      );
    },
  };
  const report = await gdpr.contacts.import(createReadStream(path), importOptions);
  io.stderr('\n');
  if (options.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report, io);
  return EXIT.ok;
}
