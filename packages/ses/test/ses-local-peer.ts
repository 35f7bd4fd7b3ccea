import type { AddressInfo } from 'node:net';
import { type MessageTag, SESv2Client } from '@aws-sdk/client-sesv2';
import type { ReceivedMessage } from '@gdpr-mail/core/testing';
import startLocalSes from 'aws-ses-v2-local';
import { simpleParser } from 'mailparser';

/** One email as aws-ses-v2-local's GET /store lists it. */
interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  headers?: { name: string; value: string }[];
}

/** What one SendEmail call carried, recorded on the client side, keyed by the MessageId SES answered. */
interface SentCall {
  raw?: Uint8Array;
  configurationSetName?: string;
  tags?: MessageTag[];
}

export interface LocalSes {
  endpoint: string;
  /** A client for the fake with dummy credentials, recording each call's raw MIME and tags. */
  client(): SESv2Client;
  stored(): Promise<StoredEmail[]>;
  sent: Map<string, SentCall>;
  /**
   * Every stored message. Headers come from the store (Simple content); for
   * Raw content the fake parses the MIME but keeps no headers, so they are
   * read from the exact bytes the fake accepted under that MessageId.
   */
  received(): Promise<ReceivedMessage[]>;
  close(): Promise<void>;
}

function unfold(value: string): string {
  return value.replace(/\r?\n(?=[ \t])/g, '');
}

export async function startLocalSesPeer(): Promise<LocalSes> {
  // CJS default export, seen through ESM interop either way.
  const start = ((startLocalSes as unknown as { default?: typeof startLocalSes }).default ??
    startLocalSes) as typeof startLocalSes;
  const server = await start({ host: '127.0.0.1', port: 0 });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const sent = new Map<string, SentCall>();
  const clients: SESv2Client[] = [];

  async function stored(): Promise<StoredEmail[]> {
    const response = await fetch(`${endpoint}/store`);
    const body = (await response.json()) as { emails: StoredEmail[] };
    return body.emails;
  }

  return {
    endpoint,
    sent,
    client() {
      const client = new SESv2Client({
        endpoint,
        region: 'eu-west-1',
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      });
      client.middlewareStack.add(
        (next) => async (args) => {
          const result = await next(args);
          const input = args.input as {
            Content?: { Raw?: { Data?: Uint8Array } };
            ConfigurationSetName?: string;
            EmailTags?: MessageTag[];
          };
          const output = result.output as { MessageId?: string };
          if (output.MessageId !== undefined) {
            sent.set(output.MessageId, {
              ...(input.Content?.Raw?.Data === undefined ? {} : { raw: input.Content.Raw.Data }),
              ...(input.ConfigurationSetName === undefined
                ? {}
                : { configurationSetName: input.ConfigurationSetName }),
              ...(input.EmailTags === undefined ? {} : { tags: input.EmailTags }),
            });
          }
          return result;
        },
        { step: 'initialize', name: 'recordSentCall' },
      );
      clients.push(client);
      return client;
    },
    stored,
    async received() {
      const out: ReceivedMessage[] = [];
      for (const email of await stored()) {
        const headers: Record<string, string> = {};
        const raw = sent.get(email.messageId)?.raw;
        let messageId: string | undefined;
        if (raw !== undefined) {
          const parsed = await simpleParser(Buffer.from(raw));
          for (const { key, line } of parsed.headerLines) {
            headers[key] = unfold(line.slice(line.indexOf(':') + 1)).replace(/^ /, '');
          }
          messageId = parsed.messageId;
        } else {
          for (const { name, value } of email.headers ?? []) headers[name.toLowerCase()] = value;
        }
        out.push({
          to: email.destination.to[0] ?? '',
          subject: email.subject,
          headers,
          ...(email.body.text === undefined ? {} : { text: email.body.text }),
          ...(messageId === undefined ? {} : { messageId }),
        });
      }
      return out;
    },
    async close() {
      for (const client of clients) client.destroy();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
