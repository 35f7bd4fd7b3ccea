import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

// A new user's app: every publishable package packed, and the tarballs installed with npm
// in a fresh folder OUTSIDE the workspace, with the peers at the ranges a user would take.
export const root = resolve(__dirname, '..', '..');
// Every publishable package of the workspace: a new one is packed and checked without
// anyone editing this list.
export const PACKAGES = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .filter((name) => {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
    return manifest.private !== true;
  });
/** What the packages take as peers, at the ranges a user would install. */
const PEERS = [
  'express@^5',
  'nodemailer@^10',
  '@electric-sql/pglite@^0.5',
  'pg@^8',
  '@aws-sdk/client-sesv2@^3',
  '@nestjs/common@^12',
  '@nestjs/core@^12',
  '@nestjs/platform-express@^12',
  'reflect-metadata@^0.2',
  'rxjs@^7',
  'bullmq@^6',
  'ioredis@^6',
  'typescript@~6.0.3',
  '@types/express@^5',
  '@types/node@^20',
];

export function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface FreshApp {
  /** The temporary folder holding the tarballs and the app: remove it when done. */
  work: string;
  appDir: string;
}

/** Packs the packages (building them first if a dist is missing) and installs them. */
export function createFreshApp(manifest: Record<string, unknown>): FreshApp {
  const work = mkdtempSync(join(tmpdir(), 'gdpr-mail-install-'));
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  if (PACKAGES.some((p) => !existsSync(join(root, 'packages', p, 'dist', 'index.js')))) {
    run('pnpm', ['build'], root);
  }
  for (const name of PACKAGES)
    run('pnpm', ['pack', '--pack-destination', tarballs], join(root, 'packages', name));
  const appDir = join(work, 'app');
  mkdirSync(appDir);
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ private: true, ...manifest }));
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...readdirSync(tarballs).map((f) => join(tarballs, f)),
      ...PEERS,
    ],
    appDir,
  );
  return { work, appDir };
}

/** A local smtp-server on a free port, the relay the new user's apps send through (no TLS). */
export async function startSmtpServer(
  onData: NonNullable<SMTPServerOptions['onData']>,
): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData,
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, port: (server.server.address() as AddressInfo).port };
}
