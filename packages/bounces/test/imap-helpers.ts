import { ImapFlow } from 'imapflow';
import { type Dovecot, IMAP_PASS, IMAP_USER } from './dovecot.js';

export function imapOptions(dovecot: Dovecot) {
  return {
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    auth: { user: IMAP_USER, pass: IMAP_PASS },
  };
}

/** A client of the test's own, to fill and inspect the mailbox. */
export async function withImap<T>(
  dovecot: Dovecot,
  work: (client: ImapFlow) => Promise<T>,
): Promise<T> {
  const client = new ImapFlow({ ...imapOptions(dovecot), logger: false });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout();
  }
}

/** Appends a mail (CRLF line ends, as IMAP wants them) and returns its UID. */
export async function appendMail(
  client: ImapFlow,
  mailbox: string,
  source: Buffer,
): Promise<number> {
  const crlf = Buffer.from(source.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
  const result = await client.append(mailbox, crlf);
  if (!result || typeof result.uid !== 'number') throw new Error('APPEND gave no UID');
  return result.uid;
}

/** UIDs of a mailbox, optionally only those with (or without) a keyword. */
export async function uids(
  client: ImapFlow,
  mailbox: string,
  query: { keyword?: string; unKeyword?: string } = {},
): Promise<number[]> {
  const lock = await client.getMailboxLock(mailbox);
  try {
    return ((await client.search({ all: true, ...query }, { uid: true })) || []).sort(
      (a, b) => a - b,
    );
  } finally {
    lock.release();
  }
}

/** Message-IDs in a mailbox (to follow mails across moves, where UIDs change). */
export async function messageIds(client: ImapFlow, mailbox: string): Promise<string[]> {
  const lock = await client.getMailboxLock(mailbox);
  try {
    const ids: string[] = [];
    for await (const message of client.fetch('1:*', { envelope: true })) {
      if (message.envelope?.messageId) ids.push(message.envelope.messageId);
    }
    return ids.sort();
  } catch {
    return [];
  } finally {
    lock.release();
  }
}
