// Types of doc-snippets.mjs for the TypeScript that imports it (the install test).
export interface DocSnippet {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** The line of its opening fence. */
  line: number;
  /** A file name for it, unique in the repository (no extension). */
  name: string;
  code: string;
}
export declare const PRELUDE: string;
export declare function preludeFor(code: string): string;
export declare function snippetsOf(root: string, file: string): DocSnippet[];
