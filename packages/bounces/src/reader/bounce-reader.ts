import { createHmac } from 'node:crypto';
import type { ProviderEvent, ProviderEventOutcome } from '@gdpr-mail/core';
import { GdprMailError, isGdprMailError, normalizeEmail } from '@gdpr-mail/core';
import { ImapFlow } from 'imapflow';
import type { MailVerdict } from '../mapping/map-report.js';
import { mapReport } from '../mapping/map-report.js';
import { MAX_REPORT_BYTES, parseReport } from '../report/parse-report.js';
import type { RecipientOutcome, ReportFormat, ReportKind } from '../report/report-types.js';
import type { BounceReaderOptions } from './reader-options.js';
import { checkReaderOptions } from './reader-options.js';

/** Keyword of every mail the reader is done with: the next poll skips it. */
export const PROCESSED_KEYWORD = '$GdprMailBounceDone';
/** Keyword added to malformed mails, so a person can find them. */
export const MALFORMED_KEYWORD = '$GdprMailBounceMalformed';

const DAY_MS = 24 * 3600 * 1000;

export interface RecipientResult {
  outcome: RecipientOutcome;
  /** What the suppression did; absent for delays and successes. */
  action?: ProviderEventOutcome['action'];
  /** Distinct soft bounces of the address within the window, this one included. */
  softCount?: number;
  /** The soft-bounce threshold was reached: the address is suppressed as a hard bounce. */
  thresholdReached?: boolean;
}

/** One mail of the poll. No addresses: a report may be logged. */
export interface MailResult {
  uid: number;
  kind: ReportKind;
  format: ReportFormat;
  verdict: MailVerdict;
  recipients: RecipientResult[];
  problem?: string;
}

export interface PollReport {
  /** Mails read in this poll. */
  read: number;
  /** Mails left for the next poll (over `maxPerPoll`). */
  remaining: number;
  suppressed: number;
  alreadySuppressed: number;
  softBounces: number;
  malformed: number;
  results: MailResult[];
}

export interface BounceReader {
  /** Reads every new mail once; safe to run from several processes and after a crash. */
  poll(): Promise<PollReport>;
}

function unavailable(error: unknown): GdprMailError {
  if (isGdprMailError(error)) return error;
  const failedAuth =
    typeof error === 'object' && error !== null && 'authenticationFailed' in error
      ? Boolean((error as { authenticationFailed: unknown }).authenticationFailed)
      : false;
  return failedAuth
    ? new GdprMailError('PROVIDER_AUTH_FAILED', 'The bounce mailbox refused the login.', {
        cause: error,
      })
    : new GdprMailError('PROVIDER_UNAVAILABLE', 'The bounce mailbox could not be read.', {
        cause: error,
        retryable: true,
      });
}

/**
 * The bounce mailbox reader. Each mail: parse, map to provider events, feed
 * them to `gdpr.providerEvents` (hard bounces and complaints suppress with
 * the webhooks' audit), count soft bounces, and only then mark the mail done
 * (keyword, then the optional move). A crash before the mark reads the mail
 * again: every event id derives from the mail, suppression is a set and the
 * soft-bounce counter too, so nothing is lost and nothing counts twice.
 */
export function createBounceReader(options: BounceReaderOptions): BounceReader {
  checkReaderOptions(options);
  const mailbox = options.mailbox ?? 'INBOX';
  const provider = options.provider ?? 'bounces';
  const maxPerPoll = options.maxPerPoll ?? 500;
  const now = options.now ?? (() => new Date());
  const soft = options.softBounces;
  const threshold = soft?.threshold ?? 3;
  const windowMs = soft?.windowMs ?? 30 * DAY_MS;
  const mapping = {
    provider,
    ...(options.verpAddress === undefined ? {} : { verpAddress: options.verpAddress }),
    ...(options.messageIdDomains === undefined
      ? {}
      : { messageIdDomains: options.messageIdDomains }),
  };

  function addressKey(email: string): string | undefined {
    try {
      return createHmac('sha256', soft!.secret).update(normalizeEmail(email)).digest('hex');
    } catch (error) {
      if (isGdprMailError(error, 'INVALID_EMAIL')) return undefined;
      throw error;
    }
  }

  async function apply(events: ProviderEvent[]): Promise<ProviderEventOutcome[]> {
    return events.length === 0 ? [] : options.gdpr.providerEvents.apply(events);
  }

  async function handle(uid: number, source: Uint8Array): Promise<MailResult> {
    const parsed = parseReport(source);
    const mapped = mapReport(parsed, source, mapping);
    const events = mapped.recipients.flatMap((r) => (r.event ? [r.event] : []));
    const outcomes = await apply(events);
    const recipients: RecipientResult[] = [];
    let next = 0;
    for (const r of mapped.recipients) {
      if (!r.event) {
        recipients.push({ outcome: r.outcome });
        continue;
      }
      const result: RecipientResult = { outcome: r.outcome, action: outcomes[next]!.action };
      next += 1;
      if (r.outcome === 'soft-bounce' && soft && result.action !== 'rejected') {
        const key = addressKey(r.event.email);
        if (key !== undefined) {
          result.softCount = await soft.counter.record(key, r.event.eventId!, now(), windowMs);
          if (result.softCount >= threshold) {
            // Same event id on a replay: suppression is a set, so this is a no-op then.
            const [settled] = await apply([
              {
                ...r.event,
                type: 'hard-bounce',
                eventId: `${r.event.eventId}:threshold`,
                detail: `soft-bounce threshold ${threshold}`,
              },
            ]);
            result.thresholdReached = true;
            result.action = settled!.action;
          }
        }
      }
      recipients.push(result);
    }
    return {
      uid,
      kind: parsed.kind,
      format: parsed.format,
      verdict: mapped.verdict,
      recipients,
      ...(mapped.problem === undefined ? {} : { problem: mapped.problem }),
    };
  }

  async function ensureMailbox(client: ImapFlow, path: string | undefined): Promise<void> {
    if (path === undefined) return;
    const existing = await client.list();
    if (!existing.some((m) => m.path === path)) await client.mailboxCreate(path);
  }

  return {
    async poll() {
      const client = new ImapFlow({
        host: options.imap.host,
        port: options.imap.port,
        secure: options.imap.secure ?? false,
        auth: options.imap.auth,
        ...(options.imap.tls ? { tls: options.imap.tls } : {}),
        logger: false,
      });
      // Without a listener a dropped socket would crash the process.
      client.on('error', () => {});
      const report: PollReport = {
        read: 0,
        remaining: 0,
        suppressed: 0,
        alreadySuppressed: 0,
        softBounces: 0,
        malformed: 0,
        results: [],
      };
      try {
        await client.connect();
      } catch (error) {
        throw unavailable(error);
      }
      try {
        await ensureMailbox(client, options.processedMailbox);
        await ensureMailbox(client, options.malformedMailbox);
        const lock = await client.getMailboxLock(mailbox);
        try {
          if (options.processedMailbox !== undefined) {
            // Marked by a run that stopped before its move: finish the move.
            const marked =
              (await client.search({ keyword: PROCESSED_KEYWORD }, { uid: true })) || [];
            if (marked.length > 0) {
              await client.messageMove(marked.join(','), options.processedMailbox, { uid: true });
            }
          }
          if (options.deleteProcessed) {
            // Marked by a run that stopped before its delete (malformed ones are kept).
            const marked =
              (await client.search(
                { keyword: PROCESSED_KEYWORD, unKeyword: MALFORMED_KEYWORD },
                { uid: true },
              )) || [];
            if (marked.length > 0) await client.messageDelete(marked.join(','), { uid: true });
          }
          const fresh =
            (await client.search({ unKeyword: PROCESSED_KEYWORD }, { uid: true })) || [];
          const batch = fresh.slice(0, maxPerPoll);
          report.remaining = fresh.length - batch.length;
          for (const uid of batch) {
            const meta = await client.fetchOne(String(uid), { size: true }, { uid: true });
            if (!meta) continue;
            let result: MailResult;
            if ((meta.size ?? 0) > MAX_REPORT_BYTES) {
              result = {
                uid,
                kind: 'malformed',
                format: 'none',
                verdict: 'malformed',
                recipients: [],
                problem: 'too large',
              };
            } else {
              const full = await client.fetchOne(String(uid), { source: true }, { uid: true });
              // biome-ignore lint/complexity/useOptionalChain: imapflow answers `false`, which has no `source`
              if (!full || !full.source) continue;
              result = await handle(uid, full.source);
            }
            report.read += 1;
            report.results.push(result);
            for (const r of result.recipients) {
              if (r.action === 'suppressed') report.suppressed += 1;
              if (r.action === 'already-suppressed') report.alreadySuppressed += 1;
              if (r.outcome === 'soft-bounce') report.softBounces += 1;
            }
            const malformed = result.verdict === 'malformed';
            if (malformed) report.malformed += 1;
            // Marked only now, after the suppression and the count: see above.
            await client.messageFlagsAdd(
              String(uid),
              malformed ? [PROCESSED_KEYWORD, MALFORMED_KEYWORD] : [PROCESSED_KEYWORD],
              { uid: true },
            );
            const target = malformed
              ? (options.malformedMailbox ?? options.processedMailbox)
              : options.processedMailbox;
            if (options.deleteProcessed && !malformed) {
              await client.messageDelete(String(uid), { uid: true });
            } else if (target !== undefined) {
              await client.messageMove(String(uid), target, { uid: true });
            }
          }
        } finally {
          lock.release();
        }
      } catch (error) {
        throw unavailable(error);
      } finally {
        await client.logout().catch(() => client.close());
      }
      return report;
    },
  };
}
