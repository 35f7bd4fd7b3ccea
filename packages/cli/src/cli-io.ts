export interface CliIo {
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
}

export const EXIT = {
  ok: 0,
  /** The command ran and found a problem (a broken audit chain, a refused action). */
  failed: 1,
  usage: 2,
  config: 3,
} as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}
