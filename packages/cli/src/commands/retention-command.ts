import type { GdprMail } from '@gdpr-mail/core';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../cli-io.js';

/** `gdpr-mail retention plan|sweep`: a dry run, or the sweep with progress on stderr. */
export async function retentionCommand(
  gdpr: GdprMail,
  action: string | undefined,
  options: { json?: boolean; batchSize?: string },
  io: CliIo,
): Promise<number> {
  const batchSize = options.batchSize ? Number(options.batchSize) : 500;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new UsageError('--batch-size must be a positive integer');
  if (action === 'plan') {
    const plan = await gdpr.retention.plan({ batchSize });
    if (options.json) {
      io.stdout(`${JSON.stringify(plan, null, 2)}\n`);
    } else {
      io.stdout(`Retention plan (${plan.now.toISOString()}): ${plan.scanned} subjects scanned\n`);
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
