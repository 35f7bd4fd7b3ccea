// Writes the OpenAPI document the core handler serves (`openapi: true`, provider webhooks
// mounted) to .tmp/openapi/gdpr-mail.openapi.json, the repository's git-ignored scratch
// folder, and prints its path; with `--lint` it then runs `redocly lint` on it with
// redocly.yaml (recommended-strict) and exits with redocly's status: the `openapi` stage
// of `pnpm test`. The path is fixed so that .redocly.lint-ignore.yaml can name it.
// Run: pnpm check:openapi   (or: pnpm exec tsx scripts/write-openapi.ts)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGdprMail } from '@gdpr-mail/core';
import { createGdprHandler } from '@gdpr-mail/core/http';
import { testConfig } from '@gdpr-mail/core/testing';

const root = new URL('../', import.meta.url);
const file = new URL('.tmp/openapi/gdpr-mail.openapi.json', root);

const gdpr = createGdprMail(testConfig({ links: { baseUrl: 'https://shop.acme.test/gdpr' } }));
try {
  // Never called: the document only needs their names.
  const handle = async () => ({ status: 200 });
  const handler = createGdprHandler(gdpr, {
    openapi: true,
    webhooks: ['ses', 'mailjet', 'brevo'].map((name) => ({ name, handle })),
  });
  const response = await handler(new Request('https://shop.acme.test/gdpr/openapi.json'));
  if (response.status !== 200) throw new Error(`GET /gdpr/openapi.json: ${response.status}`);
  const document: unknown = await response.json();
  mkdirSync(new URL('./', file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  console.log(fileURLToPath(file));
} finally {
  await gdpr.close();
}

if (process.argv.includes('--lint')) {
  const lint = spawnSync(
    'redocly',
    ['lint', fileURLToPath(file), '--config', fileURLToPath(new URL('redocly.yaml', root))],
    {
      stdio: 'inherit',
      shell: process.platform === 'win32',
      // No usage telemetry and no update check: a test stage makes no calls out.
      env: {
        ...process.env,
        REDOCLY_TELEMETRY: 'off',
        REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
        NO_COLOR: '1',
      },
    },
  );
  process.exit(lint.status ?? 1);
}
