import type { GdprMail } from '@gdpr-mail/core';
import { GdprMailError } from '@gdpr-mail/core';
import { z } from 'zod';
import type { SoftBounceCounter } from '../soft/soft-bounce-counter.js';

export interface ImapOptions {
  host: string;
  port: number;
  /** TLS from the first byte (IMAPS, port 993). false: STARTTLS when offered (imapflow's default). */
  secure?: boolean;
  auth: { user: string; pass: string };
  /** TLS options for the connection, e.g. `{ rejectUnauthorized: true }`. */
  tls?: { rejectUnauthorized?: boolean; servername?: string };
}

export interface SoftBounceOptions {
  counter: SoftBounceCounter;
  /** Soft bounces within the window after which the address is suppressed (default 3). */
  threshold?: number;
  /** The window in ms (default 30 days). */
  windowMs?: number;
  /** Key for the keyed hash that names an address in the counter (e.g. the SDK's pepper). */
  secret: string;
}

export interface BounceReaderOptions {
  imap: ImapOptions;
  /** What the reader needs of the facade: only `providerEvents`. */
  gdpr: Pick<GdprMail, 'providerEvents'>;
  /** The folder bounces arrive in (default `INBOX`). */
  mailbox?: string;
  /**
   * Where read mails go. Unset: they stay and carry the `$GdprMailBounceDone`
   * keyword, which the next poll skips. Set: they are moved there after that.
   */
  processedMailbox?: string;
  /**
   * Deletes each mail once its events are applied (flagged `\Deleted` and expunged)
   * instead of keeping it: a bounce report quotes the address in the clear, and an
   * erasure cannot reach a mailbox. Malformed mails are kept for a person to look
   * at (moved to `malformedMailbox` when set). Not with `processedMailbox`.
   */
  deleteProcessed?: boolean;
  /** Where malformed mails go for a person to look at (default: `processedMailbox`, or flagged in place). */
  malformedMailbox?: string;
  /** The bounce address of the VERP return paths (`bounces@shop.example`). */
  verpAddress?: string;
  /** Domains of the Message-IDs the mailer sets: reports about other messages are `unmatched`. */
  messageIdDomains?: readonly string[];
  /** Counting soft bounces; without it they are reported, not counted. */
  softBounces?: SoftBounceOptions;
  /** Mails read per poll at most (default 500): a large backlog drains over several polls. */
  maxPerPoll?: number;
  /** `provider` of the events (default `bounces`): the audit shows `provider:bounces`. */
  provider?: string;
  now?: () => Date;
}

const schema = z
  .object({
    imap: z.object({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535),
      secure: z.boolean().optional(),
      auth: z.object({ user: z.string().min(1), pass: z.string() }),
    }),
    mailbox: z.string().min(1).optional(),
    processedMailbox: z.string().min(1).optional(),
    deleteProcessed: z.boolean().optional(),
    malformedMailbox: z.string().min(1).optional(),
    verpAddress: z
      .string()
      .regex(/^[^@\s+]+@[^@\s]+$/, 'local@domain without "+"')
      .optional(),
    messageIdDomains: z.array(z.string().min(1)).optional(),
    softBounces: z
      .object({
        threshold: z.number().int().min(1).optional(),
        windowMs: z.number().int().min(1).optional(),
        secret: z.string().min(16, 'at least 16 characters'),
      })
      .optional(),
    maxPerPoll: z.number().int().min(1).optional(),
    provider: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .optional(),
  })
  .refine((o) => !(o.deleteProcessed && o.processedMailbox !== undefined), {
    path: ['deleteProcessed'],
    message: 'keep processed mails in processedMailbox or delete them, not both',
  });

/** Throws CONFIG_INVALID listing every bad field (never their values: one is a password). */
export function checkReaderOptions(options: BounceReaderOptions): void {
  const result = schema.safeParse(options);
  if (result.success) return;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  throw new GdprMailError(
    'CONFIG_INVALID',
    `Invalid bounce reader options: ${issues.map((i) => i.path).join(', ')}.`,
    { issues },
  );
}
