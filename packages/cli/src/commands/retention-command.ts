import type { GdprMail, RetentionSource } from '@gdpr-mail/core';
import { GdprMailError } from '@gdpr-mail/core';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../cli-io.js';
import { count } from '../plural.js';

/**
 * The config module's `retentionSources` export (a list, or a possibly async function
 * returning one): the app's own stores, erased with the SDK's record of each person the
 * sweep deletes, as `gdpr.retention.registerSource` does in the app. Without it the CLI
 * sweep knows only the SDK's records and the app keeps data about people it deleted.
 */
export function parseRetentionSources(value: unknown): RetentionSource[] {
  if (value === undefined) return [];
  const invalid = (message: string) =>
    new GdprMailError('CONFIG_INVALID', `Invalid retentionSources export: ${message}`, {
      issues: [{ path: 'retentionSources', message }],
    });
  if (!Array.isArray(value)) throw invalid('must be a list of { name, erase(subjectId) }.');
  value.forEach((source: unknown, i) => {
    const candidate = source as Partial<RetentionSource> | null;
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      typeof candidate.name !== 'string' ||
      typeof candidate.erase !== 'function'
    ) {
      throw invalid(`entry ${i} must be { name: string, erase(subjectId) }.`);
    }
  });
  return value as RetentionSource[];
}

/** `gdpr-mail retention plan|sweep`: a dry run, or the sweep with progress on stderr. */
export async function retentionCommand(
  gdpr: GdprMail,
  action: string | undefined,
  options: { json?: boolean; batchSize?: string; sources?: readonly RetentionSource[] },
  io: CliIo,
): Promise<number> {
  const batchSize = options.batchSize ? Number(options.batchSize) : 500;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new UsageError('--batch-size must be a positive integer');
  for (const source of options.sources ?? []) gdpr.retention.registerSource(source);
  if (action === 'plan') {
    const plan = await gdpr.retention.plan({ batchSize });
    if (options.json) {
      io.stdout(`${JSON.stringify(plan, null, 2)}\n`);
    } else {
      io.stdout(
        `Retention plan (${plan.now.toISOString()}): ${count(plan.scanned, 'subject')} scanned\n`,
      );
      for (const [key, due] of Object.entries(plan.due)) io.stdout(`  due  ${key}: ${due.count}\n`);
      for (const [reason, count] of Object.entries(plan.held))
        io.stdout(`  held (${reason}): ${count}\n`);
    }
    return EXIT.ok;
  }
  if (action === 'sweep') {
    const report = await gdpr.retention.sweep({
      batchSize,
      onProgress: (r) => {
        if (!options.json) {
          io.stderr(
            `\rscanned ${r.scanned}  deleted ${r.deleted}  archived ${r.archived}  failed ${r.failed}`,
          );
        }
      },
    });
    if (options.json) io.stdout(`${JSON.stringify(report)}\n`);
    else
      io.stderr(
        `\nDone: ${report.deleted} deleted, ${report.anonymised} anonymised, ${report.archived} archived, ${report.failed} left for the next sweep.\n`,
      );
    return report.failed > 0 ? EXIT.failed : EXIT.ok;
  }
  throw new UsageError('retention needs: plan or sweep');
}
