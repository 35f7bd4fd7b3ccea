import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { defaultKeyId } from './keys-command.js';

export interface InitOptions {
  /** Overwrite an existing config or `.env`. */
  force: boolean;
  json: boolean;
  now?: () => Date;
}

export const INIT_CONFIG_FILE = 'gdpr-mail.config.mjs';
export const INIT_ENV_FILE = '.env';
/** The config's type, written beside it in a TypeScript project (one with a tsconfig.json). */
export const INIT_TYPES_FILE = 'gdpr-mail.config.d.mts';

/** 32 random bytes, base64url: what every gdpr-mail secret is made of. */
function secret(): string {
  return randomBytes(32).toString('base64url');
}

function configModule(keyId: string): string {
  return `// The gdpr-mail config (written by \`gdpr-mail init\`). Edit the controller, the links and
// the purposes; the secrets come from the environment, never from this file.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Loads the .env beside this file when the variables are not set already (Node >= 20.12).
const envFile = fileURLToPath(new URL('./.env', import.meta.url));
if (!process.env.GDPR_MAIL_PEPPER && existsSync(envFile)) process.loadEnvFile(envFile);

/** @type {import('@gdpr-mail/core').GdprMailConfig} */
export default {
  controller: { name: 'Your Company SAS', email: 'privacy@example.com', country: 'FR' },
  secrets: {
    // Keyed hashes of addresses: never change it once people are recorded.
    pepper: process.env.GDPR_MAIL_PEPPER,
    // Wraps each person's data key. Rotate: \`gdpr-mail keys create\`, put it first, \`keys rewrap\`.
    encryptionKeys: [{ id: '${keyId}', secret: process.env.GDPR_MAIL_ENCRYPTION_KEY }],
  },
  // Signs the links mailed to people (confirm, unsubscribe, preferences, DSAR).
  tokens: { keys: [{ id: 'k1', secret: process.env.GDPR_MAIL_TOKEN_KEY }] },
  // Where your app mounts the gdpr-mail routes, and your privacy notice.
  links: { baseUrl: 'http://localhost:3000/gdpr', privacyUrl: 'http://localhost:3000/privacy' },
  purposes: [
    {
      id: 'newsletter',
      title: 'Monthly newsletter',
      lawfulBasis: 'consent',
      notice: {
        version: '1.0',
        text: 'Your Company SAS emails you its monthly newsletter. You can withdraw your consent at any time with the link in every email.',
      },
      retention: { duration: 'P3Y', anchor: 'last-interaction', action: 'delete' },
    },
  ],
};
`;
}

function envFile(keyId: string): string {
  return `# gdpr-mail secrets (written by \`gdpr-mail init\`). Keep this file out of git and out of
# backups of the database; in production put these in your secret manager instead.
GDPR_MAIL_PEPPER=${secret()}
GDPR_MAIL_TOKEN_KEY=${secret()}
# The key-encryption key "${keyId}" of secrets.encryptionKeys.
GDPR_MAIL_ENCRYPTION_KEY=${secret()}
`;
}

// TypeScript finds this file for `import config from './gdpr-mail.config.mjs'`, so a strict
// project needs neither allowJs nor a declaration of its own (TS7016 otherwise).
const TYPES_MODULE = `// The type of gdpr-mail.config.mjs, for TypeScript (written by \`gdpr-mail init\`).
import type { GdprMailConfig } from '@gdpr-mail/core';

declare const config: GdprMailConfig;
export default config;
`;

/** Whether the package.json in `cwd` makes `.js` files CommonJS (no `"type": "module"`). */
function isCommonJsPackage(cwd: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { type?: unknown };
    return pkg.type !== 'module';
  } catch {
    return false;
  }
}

/** The line that loads the config, in the module system the app is written in. */
function loadLine(cwd: string, typescript: boolean): string {
  // require(esm), Node >= 20.19: the config is the module's default export.
  return !typescript && isCommonJsPackage(cwd)
    ? `const config = require('./${INIT_CONFIG_FILE}').default;`
    : `import config from './${INIT_CONFIG_FILE}';`;
}

/**
 * `gdpr-mail init`: a config skeleton and a `.env` with three fresh secrets,
 * so a first app starts without inventing any. Nothing existing is overwritten
 * without `--force`.
 */
export async function initCommand(options: InitOptions, io: CliIo): Promise<number> {
  const configPath = join(io.cwd, INIT_CONFIG_FILE);
  const envPath = join(io.cwd, INIT_ENV_FILE);
  const typesPath = join(io.cwd, INIT_TYPES_FILE);
  const typescript = existsSync(join(io.cwd, 'tsconfig.json'));
  // The types hold no secret: written when missing, even beside an existing config.
  const writeTypes = typescript && (options.force || !existsSync(typesPath));
  const existing = [configPath, envPath].filter((path) => existsSync(path));
  if (existing.length > 0 && !options.force) {
    if (writeTypes) {
      await writeFile(typesPath, TYPES_MODULE, 'utf8');
      io.stdout(`Wrote ${INIT_TYPES_FILE} (the config's type, for TypeScript).\n`);
    }
    io.stderr(
      `Not written: ${existing.map((p) => p.slice(io.cwd.length + 1)).join(' and ')} already exist${existing.length === 1 ? 's' : ''}. ` +
        'Run with --force to replace them (a new .env means new secrets: data already recorded with the old ones no longer opens).\n',
    );
    return EXIT.failed;
  }
  const keyId = defaultKeyId((options.now ?? (() => new Date()))());
  await writeFile(configPath, configModule(keyId), 'utf8');
  await writeFile(envPath, envFile(keyId), { encoding: 'utf8', mode: 0o600 });
  // `mode` applies only when the file is created: a replaced .env is narrowed too.
  await chmod(envPath, 0o600);
  if (writeTypes) await writeFile(typesPath, TYPES_MODULE, 'utf8');
  if (options.json) {
    io.stdout(
      `${JSON.stringify({ config: INIT_CONFIG_FILE, env: INIT_ENV_FILE, ...(writeTypes ? { types: INIT_TYPES_FILE } : {}), keyId })}\n`,
    );
    return EXIT.ok;
  }
  const types = writeTypes ? `\nand ${INIT_TYPES_FILE} (the config's type, for TypeScript)` : '';
  io.stdout(
    `Wrote ${INIT_CONFIG_FILE} (edit the controller, links and purposes) and ${INIT_ENV_FILE} (three fresh secrets, mode 0600)${types}.

Next:
  1. Add to .gitignore:  .env  .gdpr-mail/  .gdpr-mail.lock  .gdpr-mail-journal/
  2. Check the config:   npx gdpr-mail records
  3. In your app:        ${loadLine(io.cwd, typescript)}
                         const gdpr = createGdprMail(config);
`,
  );
  return EXIT.ok;
}
