import type { GdprMail } from '@gdpr-mail/core';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../cli-io.js';
import { count } from '../plural.js';

/**
 * `gdpr-mail erasures replay`: after a backup is restored, erase again
 * everyone the erasure journal lists (REQ-34). Idempotent.
 */
export async function erasuresCommand(
  gdpr: GdprMail,
  action: string | undefined,
  options: { json: boolean; batchSize?: number },
  io: CliIo,
): Promise<number> {
  if (action !== 'replay') throw new UsageError('erasures needs: replay');
  const report = await gdpr.erasures.replay(
    options.batchSize === undefined ? {} : { batchSize: options.batchSize },
  );
  if (options.json) io.stdout(`${JSON.stringify(report)}\n`);
  else
    io.stdout(
      `Erasure journal replayed: ${count(report.entries, 'entry', 'entries')} read, ${count(report.erased, 'restored person', 'restored people')} erased again, ${count(report.suppressionsRestored, 'suppression entry', 'suppression entries')} put back.\n`,
    );
  return EXIT.ok;
}
