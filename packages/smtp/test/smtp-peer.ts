import type { AddressInfo } from 'node:net';
import type { DeliveryLookup, DeliveryLookupResult } from '@gdpr-mail/core';
import type { ReceivedMessage } from '@gdpr-mail/core/testing';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface StoredMessage extends ReceivedMessage {
  raw: Buffer;
}

/**
 * A real SMTP server on a random local port. Recipients pick a behaviour by
 * their local part: `refused@` (550 at RCPT), `later@` (451 after DATA),
 * `later-once@` (451 on the first DATA only), `rejected-data@` (550 after DATA), `throttled@` (421 4.7.28 after DATA),
 * `drop-after-data@` (socket destroyed after the body arrived),
 * `drop-at-rcpt@` (socket destroyed at RCPT).
 */
export interface SmtpPeer {
  port: number;
  messages: StoredMessage[];
  /** DATA transactions seen per recipient, delivered or not. */
  dataAttempts: Map<string, number>;
  received(): Promise<readonly ReceivedMessage[]>;
  /** The relay's log searched by Message-ID, as an SMTP transport's `lookup`. */
  lookup(queries: readonly DeliveryLookup[]): Promise<DeliveryLookupResult[]>;
  close(): Promise<void>;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

// Raw header lines, unfolded: mailparser's parsed values restructure some
// List-* headers, and the point is to see what came over the wire.
function headersOf(lines: readonly { key: string; line: string }[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key, line } of lines) {
    const value = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n(?=[ \t])/g, '')
      .trim();
    headers[key.toLowerCase()] ??= value;
  }
  return headers;
}

export async function startSmtpPeer(): Promise<SmtpPeer> {
  const messages: StoredMessage[] = [];
  const dataAttempts = new Map<string, number>();
  const localPart = (session: SMTPServerSession) =>
    session.envelope.rcptTo[0]?.address.split('@')[0] ?? '';

  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, session, callback) {
      const local = address.address.split('@')[0];
      if (local === 'refused') {
        return callback(smtpError(550, '5.1.1 <refused@example.test>: no such mailbox'));
      }
      if (local === 'drop-at-rcpt') {
        destroySession(session);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const local = localPart(session);
        const rcpt = session.envelope.rcptTo[0]?.address ?? '';
        dataAttempts.set(rcpt, (dataAttempts.get(rcpt) ?? 0) + 1);
        if (local === 'later') return callback(smtpError(451, '4.3.0 try again later'));
        if (local === 'later-once' && dataAttempts.get(rcpt) === 1) {
          return callback(smtpError(451, '4.3.0 try again later'));
        }
        if (local === 'rejected-data') return callback(smtpError(550, '5.7.1 content refused'));
        if (local === 'throttled') {
          return callback(smtpError(421, '4.7.28 rate limited, slow down'));
        }
        if (local === 'drop-after-data') {
          destroySession(session);
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true }).then(
          (parsed) => {
            const headers = headersOf(parsed.headerLines);
            messages.push({
              raw,
              to: rcpt,
              subject: parsed.subject ?? '',
              headers,
              ...(parsed.text === undefined ? {} : { text: parsed.text }),
              ...(headers['message-id'] === undefined ? {} : { messageId: headers['message-id'] }),
            });
            callback(null, `queued as Q${messages.length}`);
          },
          (error: Error) => callback(error),
        );
      });
    },
  });

  function destroySession(session: SMTPServerSession): void {
    for (const connection of server.connections) {
      const candidate = connection as unknown as {
        session: SMTPServerSession;
        _socket: { destroy(): void };
      };
      if (candidate.session === session) candidate._socket.destroy();
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    dataAttempts,
    received: async () => messages,
    lookup: async (queries) =>
      queries.map(({ messageId }) => {
        const index = messages.findIndex((m) => m.messageId === messageId);
        return index < 0
          ? { status: 'not-found' }
          : { status: 'accepted', providerMessageId: `Q${index + 1}` };
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
