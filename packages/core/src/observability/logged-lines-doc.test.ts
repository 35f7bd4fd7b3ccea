import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../', import.meta.url));
const doc = readFileSync(new URL('../../../../docs/observability.md', import.meta.url), 'utf8');

/** Every `logger.<level>(…)` call of core's sources: its level, message literal and code. */
function loggedLines(): { file: string; level: string; says: string }[] {
  const lines: { file: string; level: string; says: string }[] = [];
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.test.ts'),
  );
  for (const file of files) {
    const text = readFileSync(join(src, file), 'utf8');
    for (const call of text.matchAll(/logger\??\.(debug|info|warn|error)\(([\s\S]*?)\);/g)) {
      const [, level, args] = call as unknown as [string, string, string];
      // A fixed message is the last argument; a warning built in a variable says its code.
      const message = /'([^']+)',?\s*$/.exec(args)?.[1];
      const code = /code: '([A-Z_]+)'/.exec(args)?.[1];
      const says = message ?? code;
      if (says) lines.push({ file, level, says });
    }
    // A set-up warning goes through warnOperator (logger.ts): a warn line with its code.
    for (const call of text.matchAll(/warnOperator\([^,]+,\s*'([A-Z_]+)'/g)) {
      lines.push({ file, level: 'warn', says: call[1] as string });
    }
  }
  return lines;
}

describe('docs/observability.md lists what the SDK logs', () => {
  it('names every line core logs, at its level, and says when it logs without a logger', () => {
    const lines = loggedLines();
    // The extraction found the calls (ten today), not nothing.
    expect(lines.length).toBeGreaterThanOrEqual(10);
    const table = doc.split('\n').filter((line) => line.startsWith('| `'));
    for (const { file, level, says } of lines) {
      const row = table.find((line) => line.includes(says));
      expect(row, `${file}: "${says}" is not in the table of docs/observability.md`).toBeDefined();
      expect(row, `${file}: "${says}" is logged at ${level}`).toContain(`| \`${level}\``);
    }
    // The routes' two warnings go to console.warn without a logger: the page must not say
    // the SDK is silent then.
    expect(doc).not.toMatch(/SDK is silent, with one exception/);
    expect(doc).toMatch(/MAILER_NOT_CONFIGURED[\s\S]*CLIENT_IP_UNKNOWN[\s\S]*`logger` when there/);
  });
});
