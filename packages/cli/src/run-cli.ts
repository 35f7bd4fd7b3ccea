import { parseArgs } from 'node:util';
import type { GdprMail } from '@gdpr-mail/core';
import { createGdprMail, isGdprMailError } from '@gdpr-mail/core';
import type { CliIo } from './cli-io.js';
import { EXIT, UsageError } from './cli-io.js';
import { auditCommand } from './commands/audit-command.js';
import { bouncesCommand } from './commands/bounces-command.js';
import { breachCommand } from './commands/breach-command.js';
import { dsarCommand } from './commands/dsar-command.js';
import { erasuresCommand } from './commands/erasures-command.js';
import { importCommand } from './commands/import-command.js';
import { initCommand } from './commands/init-command.js';
import { keysCommand } from './commands/keys-command.js';
import { migrateCommand } from './commands/migrate-command.js';
import { recordsCommand } from './commands/records-command.js';
import { parseRetentionSources, retentionCommand } from './commands/retention-command.js';
import { loadConfig, loadConfigExport } from './load-config.js';

export const USAGE = `Usage: gdpr-mail <command> [options]

Commands:
  init                        write gdpr-mail.config.mjs and a .env with fresh secrets
                              (and gdpr-mail.config.d.mts beside a tsconfig.json)
      --force                   replace them if they exist
  records                     write the record of processing activities (Art. 30)
      --format md|html|json     output format (default md)
      --document processing-activities|privacy-notice
      --out <file>              write to a file instead of stdout
  migrate                     bring the configured SQL store's schema up to date
  audit verify                check the hash-chained audit log (exit 1 when broken)
  retention plan|sweep        dry run, or apply the retention policies (progress on stderr);
                              the sweep also erases through the config module's
                              \`retentionSources\` export (the app's own data)
      --batch-size <n>          subjects per page and transaction (default 500)
  import <file>               stream a legacy list (CSV or JSON lines) into the contact base
      --list <name>             the list, kept as a segment of each contact
      --source <label>          where the contacts came from, e.g. "Salon X 2018"
      --basis <basis>           the lawful basis declared for this import
      --purpose <id>            a purpose it is for (repeatable; default: all on --basis)
      --key email|<column>      the unique key (default email)
      --format csv|jsonl        default from the file name (.jsonl, .ndjson), else csv
      --email-column <col>      the column holding the address (default email)
      --language-column <col>   the column holding the language (default language)
      --default-language <iso>  given to contacts without a (known) language
      --delimiter <char>        CSV delimiter (default ,)
      --batch-size <n>          rows per transaction (default: the importer's own)
  breach <action> [id]        the breach register (Art. 33)
      actions: list [--status open|closed], due, show <id>, open, update <id>,
               notify-authority <id>, notify-subjects <id>, close <id>
      --input <json|file>       the action's fields as JSON
  dsar <action> [id]          data-subject requests and their deadline (Art. 12(3))
      actions: list [--status open|closed|<status>], due, show <id>, complete <id>,
               extend <id> --reason <text>, reject <id> --reason <text>
      --days <n>                due: open requests overdue or due within n days
                                (0 to 365, default 7); exit 1 when any is listed
      --reason <text>           extend, reject: the reasons (mailed unless --no-notify)
      --no-notify               extend, reject: mail no notice (the person was told
                                another way); without it the person is mailed
      --actor <id>              who acts, in the request's steps and the audit log
                                (default cli)
  keys create                 print a new encryption key (32 random bytes) and its config line
      --id <id>                 the key's id (default the current month, e.g. 2026-12)
  keys status                 data keys wrapped under each key-encryption key
  keys rewrap                 rewrap every data key under the current key, online, in pages
      --batch-size <n>          subjects per page (default 500)
  erasures replay             after restoring a backup: erase again everyone in the erasure journal
      --batch-size <n>          journal entries per transaction (default 500)
  bounces poll                read the bounce mailbox once (IMAP, the config module's \`bounces\` export)

Options:
  --config <file>             config module (default: gdpr-mail.config.{mjs,js,cjs,json})
  --json                      machine-readable output
  -h, --help                  this help

Exit codes: 0 ok, 1 the command found a problem, 2 usage error, 3 invalid config.
`;

/** The CLI as a function, so tests and scripts run it in-process. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let gdpr: GdprMail | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        format: { type: 'string' },
        document: { type: 'string' },
        out: { type: 'string' },
        input: { type: 'string' },
        status: { type: 'string' },
        days: { type: 'string' },
        reason: { type: 'string' },
        actor: { type: 'string' },
        // A flag of its own: parseArgs' `allowNegative` would also take --no-json, --no-force…
        'no-notify': { type: 'boolean', default: false },
        'batch-size': { type: 'string' },
        list: { type: 'string' },
        source: { type: 'string' },
        basis: { type: 'string' },
        key: { type: 'string' },
        purpose: { type: 'string', multiple: true },
        'language-column': { type: 'string' },
        'email-column': { type: 'string' },
        'default-language': { type: 'string' },
        delimiter: { type: 'string' },
        id: { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || !command) {
      io.stdout(USAGE);
      return values.help ? EXIT.ok : EXIT.usage;
    }
    const commands = [
      'init',
      'records',
      'breach',
      'dsar',
      'audit',
      'retention',
      'migrate',
      'import',
      'keys',
      'erasures',
      'bounces',
    ];
    if (!commands.includes(command)) {
      throw new UsageError(`Unknown command "${command}".`);
    }
    const open = async (): Promise<GdprMail> => {
      gdpr ??= createGdprMail(await loadConfig(io.cwd, values.config));
      return gdpr;
    };
    if (command === 'init') {
      // Runs before any config exists: it writes one.
      return await initCommand({ force: values.force ?? false, json: values.json ?? false }, io);
    }
    if (command === 'keys') {
      // `keys create` needs no config: the config is opened only by the actions that use it.
      const keysOptions = {
        json: values.json ?? false,
        ...(values.id === undefined ? {} : { id: values.id }),
        ...(values['batch-size'] ? { batchSize: batchSize(values['batch-size']) } : {}),
        // The default id avoids the ids the config lists (init's is the month's), when one loads.
        existingIds: async () => {
          try {
            const config = await loadConfig(io.cwd, values.config);
            return (config.secrets?.encryptionKeys ?? []).map((key) => key.id);
          } catch {
            return [];
          }
        },
      };
      return await keysCommand(rest[0], keysOptions, io, open);
    }
    gdpr = await open();
    if (command === 'erasures') {
      return await erasuresCommand(
        gdpr,
        rest[0],
        {
          json: values.json ?? false,
          ...(values['batch-size'] ? { batchSize: batchSize(values['batch-size']) } : {}),
        },
        io,
      );
    }
    if (command === 'bounces') {
      const load = () => loadConfigExport(io.cwd, values.config, 'bounces');
      return await bouncesCommand(gdpr, rest[0], load, { json: values.json ?? false }, io);
    }
    if (command === 'dsar') return await dsarCommand(gdpr, rest[0], rest[1], values, io);
    if (command === 'records') return await recordsCommand(gdpr, values, io);
    if (command === 'audit') return await auditCommand(gdpr, rest[0], values.json ?? false, io);
    if (command === 'migrate') return await migrateCommand(gdpr, values.json ?? false, io);
    if (command === 'import') return await importCommand(gdpr, rest[0], values, io);
    if (command === 'retention') {
      const sources = parseRetentionSources(
        await loadConfigExport(io.cwd, values.config, 'retentionSources'),
      );
      return await retentionCommand(
        gdpr,
        rest[0],
        {
          json: values.json ?? false,
          sources,
          ...(values['batch-size'] ? { batchSize: values['batch-size'] } : {}),
        },
        io,
      );
    }
    return await breachCommand(gdpr, rest[0], rest[1], values, io);
  } catch (error) {
    return report(error, io);
  } finally {
    await gdpr?.close();
  }
}

function batchSize(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new UsageError('--batch-size must be an integer from 1 to 10000.');
  }
  return n;
}

function report(error: unknown, io: CliIo): number {
  if (
    error instanceof UsageError ||
    (error instanceof TypeError &&
      'code' in error &&
      String(error.code).startsWith('ERR_PARSE_ARGS'))
  ) {
    io.stderr(`${error.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (isGdprMailError(error, 'CONFIG_INVALID')) {
    io.stderr(`${error.message}\n`);
    return EXIT.config;
  }
  if (isGdprMailError(error)) {
    io.stderr(
      `${error.code}: ${error.message}\n${error.issues.map((i) => `  - ${i.path}: ${i.message}\n`).join('')}`,
    );
    return EXIT.failed;
  }
  throw error;
}
