import type { BounceReaderOptions } from '@gdpr-mail/bounces';
import type { GdprMail } from '@gdpr-mail/core';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../cli-io.js';
import { count } from '../plural.js';

/** What the config module's `bounces` export holds: the reader's options without the facade. */
export type BouncesConfig = Omit<BounceReaderOptions, 'gdpr'>;

/**
 * `gdpr-mail bounces poll`: reads the bounce mailbox once (every new mail, up
 * to `maxPerPoll`) and feeds it into suppression. Run it from cron, or use the
 * BullMQ job. Prints counts only: no address leaves the process.
 */
export async function bouncesCommand(
  gdpr: GdprMail,
  action: string | undefined,
  load: () => Promise<unknown>,
  options: { json: boolean },
  io: CliIo,
): Promise<number> {
  if (action !== 'poll') throw new UsageError('bounces needs: poll');
  const config = await load();
  if (typeof config !== 'object' || config === null || !('imap' in config)) {
    throw new UsageError(
      'bounces poll needs a `bounces` export in the config module: `export const bounces = { imap: { host, port, auth }, … }` (see docs/bounces.md).',
    );
  }
  // Loaded only here: the CLI does not need imapflow for anything else.
  const { createBounceReader } = await import('@gdpr-mail/bounces');
  const report = await createBounceReader({ ...(config as BouncesConfig), gdpr }).poll();
  if (options.json) {
    io.stdout(`${JSON.stringify(report)}\n`);
  } else {
    io.stdout(
      `Read ${count(report.read, 'mail')}: ${report.suppressed} suppressed, ${report.alreadySuppressed} already suppressed, ${count(report.softBounces, 'soft bounce')}, ${report.malformed} malformed${report.remaining > 0 ? `; ${report.remaining} left for the next poll` : ''}.\n`,
    );
    for (const r of report.results.filter((result) => result.verdict === 'malformed')) {
      io.stdout(`  malformed: uid ${r.uid} (${r.problem ?? 'unreadable'})\n`);
    }
  }
  return EXIT.ok;
}
