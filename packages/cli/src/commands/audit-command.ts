import type { GdprMail } from '@gdpr-mail/core';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../cli-io.js';
import { count } from '../plural.js';

/** `gdpr-mail audit verify`: exit 1 and the first bad entry when the chain is broken (REQ-32). */
export async function auditCommand(
  gdpr: GdprMail,
  action: string | undefined,
  json: boolean,
  io: CliIo,
): Promise<number> {
  if (action !== 'verify') throw new UsageError('audit needs: verify');
  const result = await gdpr.audit.verify();
  if (json) io.stdout(`${JSON.stringify(result)}\n`);
  else if (result.ok)
    io.stdout(`Audit log intact: ${count(result.checked, 'entry', 'entries')} verified.\n`);
  else
    io.stdout(
      `Audit log BROKEN at entry ${result.seq} (${result.reason}); ${count(result.checked, 'entry', 'entries')} checked.\n`,
    );
  return result.ok ? EXIT.ok : EXIT.failed;
}
