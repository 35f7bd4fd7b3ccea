import { hashAuditEntry, takeFreshlyHashed } from '../audit/audit-chain.js';
import type { AuditEntry } from '../audit/audit-entry.js';
import type { ConsentEvent, LedgerHead } from '../consent/consent-event.js';
import { hashConsentEvent } from '../consent/ledger.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';

/*
 * The integrity rules of the two hash chains, checked once in core above every
 * store (issue #18) instead of in each store. A store then keeps only the part
 * no layer above it can keep: the atomic compare-and-set of the head. Both
 * checks run before anything reaches the store, so a refused batch writes
 * nothing. Errors are STORE_CONFLICT, not retryable (a retry would build the
 * same broken batch), and name positions only: no personal data.
 */

/**
 * Refuses a consent batch that does not continue `expectedHead` link by link
 * (subject, seq + 1, prevHash) or whose hashes are not the hashes of its
 * events (REQ-05). Call it on the CLEAR events: the hash covers the proof as
 * given, before its personal fields are sealed.
 */
export function checkConsentAppend(
  subjectId: string,
  expectedHead: LedgerHead | undefined,
  events: readonly ConsentEvent[],
): void {
  let seq = expectedHead?.seq ?? 0;
  let prevHash = expectedHead?.hash ?? null;
  events.forEach((event, i) => {
    if (event.subjectId !== subjectId || event.seq !== seq + 1 || event.prevHash !== prevHash) {
      throw new GdprMailError(
        'STORE_CONFLICT',
        `Consent events must continue the ledger (event ${i + 1} of ${events.length} does not).`,
      );
    }
    const { hash, ...unhashed } = event;
    if (hashConsentEvent(unhashed) !== hash) {
      throw new GdprMailError(
        'STORE_CONFLICT',
        `Consent event ${i + 1} of ${events.length} does not carry its own hash.`,
      );
    }
    seq = event.seq;
    prevHash = event.hash;
  });
}

/**
 * Refuses an audit run whose entries do not continue each other (seq + 1,
 * prevHash = previous hash) or whose hashes are not the hashes of their
 * entries (REQ-32). Continuing the stored head is the store's compare-and-set.
 */
export function checkAuditAppend(entries: readonly AuditEntry[]): void {
  entries.forEach((entry, i) => {
    const previous = entries[i - 1];
    if (previous && (entry.seq !== previous.seq + 1 || entry.prevHash !== previous.hash)) {
      throw new GdprMailError(
        'STORE_CONFLICT',
        `Audit entries must continue each other (entry seq ${entry.seq} does not).`,
      );
    }
    if (takeFreshlyHashed(entry)) return;
    const { hash, ...unhashed } = entry;
    if (hashAuditEntry(unhashed) !== hash) {
      throw new GdprMailError(
        'STORE_CONFLICT',
        `Audit entry seq ${entry.seq} does not carry its own hash.`,
      );
    }
  });
}
