import { randomBytes } from 'node:crypto';
import type { GdprMail } from '@gdpr-mail/core';
import { assertKeyId, isGdprMailError } from '@gdpr-mail/core';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../cli-io.js';
import { count } from '../plural.js';

export interface KeysCommandOptions {
  /**
   * `--id`: the new key's id (default the current UTC year-month, e.g. `2026-12`,
   * with `-2`, `-3`… added when the config already lists it).
   */
  id?: string;
  json: boolean;
  /** `--batch-size` of `status` and `rewrap`. */
  batchSize?: number;
  /** The clock behind the default id (tests pass their own). */
  now?: () => Date;
  /**
   * The key ids the config already lists (`secrets.encryptionKeys`), which the
   * default id avoids; empty when there is no config to read.
   */
  existingIds?: () => Promise<readonly string[]>;
}

/**
 * One `gdpr-mail keys` action. `open` loads the config and opens the store,
 * for the actions that need them; `create` does not (it runs before a config exists).
 */
type KeysAction = (
  options: KeysCommandOptions,
  io: CliIo,
  open: () => Promise<GdprMail>,
) => Promise<number>;

export const KEYS_ACTIONS: Readonly<Record<string, KeysAction>> = {
  create: async (options, io) => createKey(options, io),
  status: async (options, io, open) => {
    const gdpr = await open();
    const status = await gdpr.keys.status(
      options.batchSize === undefined ? {} : { batchSize: options.batchSize },
    );
    if (options.json) {
      io.stdout(`${JSON.stringify(status)}\n`);
      return EXIT.ok;
    }
    const lines = Object.entries(status.wrapsByKey).map(
      ([id, n]) => `  ${id}${id === status.current ? ' (current)' : ''}: ${count(n, 'data key')}`,
    );
    io.stdout(
      `Key provider: ${status.provider}. Data keys wrapped under each key-encryption key:\n${lines.join('\n')}\n` +
        (status.unencrypted > 0
          ? `  ${status.unencrypted === 1 ? '1 row has' : `${status.unencrypted} rows have`} no data key (written before encryption): their fields are in the clear.\n`
          : '') +
        `A key other than the current one can be removed once it shows 0 (run \`gdpr-mail keys rewrap\`).\n`,
    );
    return EXIT.ok;
  },
  rewrap: async (options, io, open) => {
    const gdpr = await open();
    const report = await gdpr.keys.rewrap({
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      onProgress: (r) => io.stderr(`rewrapped ${r.rewrapped} of ${r.scanned} scanned\n`),
    });
    if (options.json) io.stdout(`${JSON.stringify(report)}\n`);
    else
      io.stdout(
        `Rewrap done: ${count(report.scanned, 'subject')} scanned, ${count(report.rewrapped, 'data key')} rewrapped under the current key, ${report.skipped} changed meanwhile (erased or rewrapped elsewhere).\n`,
      );
    return EXIT.ok;
  },
};

/** `gdpr-mail keys <action>`: key-encryption keys of the at-rest encryption (REQ-34). */
export async function keysCommand(
  action: string | undefined,
  options: KeysCommandOptions,
  io: CliIo,
  open: () => Promise<GdprMail>,
): Promise<number> {
  const run = action === undefined ? undefined : KEYS_ACTIONS[action];
  if (!run) throw new UsageError(`keys needs one of: ${Object.keys(KEYS_ACTIONS).join(', ')}`);
  return run(options, io, open);
}

/** `2026-12`: ids sort by age, and one a month is a fair rotation pace. */
export function defaultKeyId(now: Date): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * The first of `base`, `base-2`, `base-3`… not in `taken`: `gdpr-mail init`
 * already names its key after the month, so a key created the same month needs
 * another id. Stays within the key ring's 64 characters.
 */
export function unusedKeyId(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n += 1) {
    const id = `${base}-${n}`;
    if (!used.has(id)) return id;
  }
}

/**
 * `gdpr-mail keys create [--id <id>]`: a fresh secret of 32 random bytes
 * (base64url, 43 characters) and where to put it. Nothing is written or
 * stored: the secret is shown once, for the operator's secret manager.
 */
async function createKey(options: KeysCommandOptions, io: CliIo): Promise<number> {
  const id =
    options.id ??
    unusedKeyId(
      defaultKeyId((options.now ?? (() => new Date()))()),
      (await options.existingIds?.()) ?? [],
    );
  try {
    assertKeyId(id, 'The --id');
  } catch (error) {
    // A bad --id is a usage error (exit 2), not an invalid config file.
    if (isGdprMailError(error, 'CONFIG_INVALID')) throw new UsageError(error.message);
    throw error;
  }
  const secret = randomBytes(32).toString('base64url');
  if (options.json) {
    io.stdout(`${JSON.stringify({ id, secret })}\n`);
    return EXIT.ok;
  }
  io.stdout(
    `New encryption key "${id}". Put it FIRST in secrets.encryptionKeys: the first entry is the
current key (new data is encrypted with it); keep the older entries after it, they still decrypt
what they encrypted. (A first list needs nothing else: the key derived from the pepper stays in
the ring for data written before, while encryption.pepperKey is true.)

  secrets: {
    encryptionKeys: [
      { id: '${id}', secret: '${secret}' },
      // ...the keys you already have
    ],
  },

The secret is shown once and written nowhere: keep it in your secret manager, and load it from
there in the config module rather than committing it. If "${id}" is already in the list, run
again with --id <another id>.
`,
  );
  return EXIT.ok;
}
