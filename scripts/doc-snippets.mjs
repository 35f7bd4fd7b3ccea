// The code blocks of the docs, as the snippet checker type-checks them and the install
// test runs them: one list, so what is checked and what is run cannot differ.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * The names guides take as given. Type-checking declares them; running them
 * (tests/install/doc-samples.test.ts) gives them real values.
 */
export const PRELUDE = `import type { GdprMail } from '@gdpr-mail/core';
import type { Express, Request as ExpressRequest, Response as ExpressResponse } from 'express';
declare const gdpr: GdprMail;
declare const email: string;
declare const app: Express;
declare const req: ExpressRequest;
declare const res: ExpressResponse;
export {};
`;

/** The prelude's names a block declares itself are its own: they leave the prelude. */
export function preludeFor(code) {
  return PRELUDE.split('\n')
    .filter((line) => {
      const declared = /^declare const (\w+)/.exec(line)?.[1];
      return !declared || !new RegExp(`\\b(const|let|var|function)\\s+${declared}\\b`).test(code);
    })
    .join('\n');
}

/**
 * Every ```ts / ```js block of a Markdown file but those fenced `nocheck`
 * (fragments, pseudo-code), with where it starts and a file name for it.
 */
export function snippetsOf(root, file) {
  const text = readFileSync(file, 'utf8');
  const fence = /^```(ts|typescript|js|javascript)(?![A-Za-z])([^\n]*)\n([\s\S]*?)^```$/gm;
  const snippets = [];
  for (const match of text.matchAll(fence)) {
    const [, , info, code] = match;
    if (/\bnocheck\b/.test(info)) continue;
    const line = text.slice(0, match.index).split('\n').length;
    const name = `${relative(root, file).replaceAll(/[/.]/g, '_')}_${snippets.length + 1}`;
    snippets.push({ file: relative(root, file), line, name, code });
  }
  return snippets;
}
