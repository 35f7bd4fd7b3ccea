import type { CliIo } from '@gdpr-mail/cli';

/** A CliIo that keeps what the CLI writes, run in `cwd`. */
export function captureIo(cwd: string): { io: CliIo; out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { cwd, stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {} },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}
