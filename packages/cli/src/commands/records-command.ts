import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { GdprMail } from '@gdpr-mail/core';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../cli-io.js';

const FORMATS = { md: 'markdown', markdown: 'markdown', html: 'html', json: 'json' } as const;
const DOCUMENTS = ['processing-activities', 'privacy-notice'] as const;

export interface RecordsOptions {
  format?: string;
  document?: string;
  out?: string;
  json?: boolean;
}

/** `gdpr-mail records`: writes the record of processing (or the privacy-notice facts). */
export async function recordsCommand(
  gdpr: GdprMail,
  options: RecordsOptions,
  io: CliIo,
): Promise<number> {
  const format =
    FORMATS[(options.json ? 'json' : (options.format ?? 'md')) as keyof typeof FORMATS];
  if (!format) throw new UsageError(`--format must be one of ${Object.keys(FORMATS).join(', ')}`);
  const document = (options.document ?? 'processing-activities') as (typeof DOCUMENTS)[number];
  if (!DOCUMENTS.includes(document))
    throw new UsageError(`--document must be one of ${DOCUMENTS.join(', ')}`);
  const text = gdpr.records.render(document, format);
  if (options.out) {
    const path = resolve(io.cwd, options.out);
    await writeFile(path, text);
    io.stderr(`Wrote ${document} (${format}) to ${path}\n`);
  } else {
    io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  }
  return EXIT.ok;
}
