import type { CoreContext } from '../context.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { appendAuditEntry, verifyAuditLog } from './audit-chain.js';
import type { AuditDraft, AuditEntry, AuditVerification } from './audit-entry.js';
import { auditTrailPage } from './audit-trail.js';

export interface AuditService {
  /** Checks the whole chain; names the first altered, missing or reordered entry. */
  verify(options?: { batchSize?: number }): Promise<AuditVerification>;
  /**
   * Every entry in order, fetched in batches; with `subjectRefs`, only the entries
   * naming one of them (a subject id, or the keyed suppression hash), read through
   * the store's index on the reference where it has one (`listAuditForSubjects`).
   */
  entries(options?: {
    afterSeq?: number;
    batchSize?: number;
    subjectRefs?: readonly string[];
  }): AsyncIterable<AuditEntry>;
  /**
   * Records an action the app performed itself (an admin export, a manual fix).
   * `subjectRef` names the person pseudonymously (the subject id, or
   * `gdpr.suppression.hash(email)`); one holding an `@` is refused with
   * `VALIDATION_FAILED`. `reason` and `details` must hold no personal data either:
   * the log is append-only, so nothing in it can be erased.
   */
  record(draft: AuditDraft): Promise<AuditEntry>;
}

export function createAuditService(ctx: CoreContext): AuditService {
  const { store } = ctx;
  return {
    verify: (options = {}) => verifyAuditLog(store, options.batchSize),
    async *entries(options = {}) {
      const batchSize = options.batchSize ?? 500;
      let after = options.afterSeq ?? 0;
      const refs = options.subjectRefs;
      for (;;) {
        const batch = refs
          ? await auditTrailPage(store, refs, after, batchSize)
          : await store.listAudit(after, batchSize);
        yield* batch;
        const last = batch.at(-1);
        if (!last || batch.length < batchSize) return;
        after = last.seq;
      }
    },
    async record(draft) {
      // An address written here could never be erased (REQ-32: pseudonymous refs only).
      // The SDK's refs (ids, hex hashes) never hold an '@'; an address always does.
      if (typeof draft.subjectRef === 'string' && draft.subjectRef.includes('@')) {
        // The message and details leave the value out: it is the address being kept out.
        throw new GdprMailError(
          'VALIDATION_FAILED',
          'subjectRef must be a pseudonymous reference (the subject id or the keyed suppression hash), never an address.',
          { issues: [{ path: 'subjectRef', message: 'looks like an email address' }] },
        );
      }
      return store.transaction((tx) => appendAuditEntry(tx, draft, ctx.now()));
    },
  };
}
