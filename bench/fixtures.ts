// What the benchmarks share: a config with one newsletter purpose, and a local
// SMTP server that accepts and discards every message.
import type { AddressInfo } from 'node:net';
import type { GdprMailConfig } from '@gdpr-mail/core';
import { SMTPServer } from 'smtp-server';

export function benchConfig(
  retention: GdprMailConfig['purposes'][number]['retention'] = {
    duration: 'P3Y',
    anchor: 'last-interaction',
  },
): GdprMailConfig {
  return {
    controller: { name: 'Acme SAS', email: 'privacy@acme.example', country: 'FR' },
    secrets: { pepper: 'bench-pepper-0123456789-abcdefghijklmnop' },
    tokens: { keys: [{ id: 'k1', secret: 'bench-token-key-0123456789abcdefghijklmnop' }] },
    links: { baseUrl: 'https://acme.example/gdpr' },
    purposes: [
      {
        id: 'newsletter',
        title: 'Newsletter',
        lawfulBasis: 'consent',
        notice: { version: '1.0', text: 'Acme SAS sends a newsletter. Withdraw at any time.' },
        retention,
      },
    ],
  };
}

/** An smtp-server on a free loopback port that drops what it receives. */
export async function startSinkSmtpServer(): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback(null, 'queued as BENCH'));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.server.address() as AddressInfo).port };
}
