import { appendAuditEntry } from '../audit/audit-chain.js';
import type { CoreContext } from '../context.js';
import type { ErasureJournalEntry } from '../crypto/erasure-journal.js';
import { emitAfterCommit } from '../observability/after-commit.js';
import type { StoreOperations } from '../store/store-types.js';
import { withConflictRetry } from '../store/with-conflict-retry.js';
import { upgradeSuppression } from '../suppression/upgrade-suppression.js';

/** Why a person was erased: `dsar` erasures also come back as an `erased` suppression at replay. */
export type ErasureReason = 'dsar' | 'retention' | 'admin' | 'opt-in-expired';

export interface ErasedSubject {
  id: string;
  emailHash: string;
  /** The normalised address, only to compute the suppression hash; never journaled. */
  email: string;
}

/**
 * Journals erasures before the transaction that erases commits (REQ-34): if
 * the journal cannot be written, the erasure fails and the store is left as
 * it was. An entry whose erasure then rolls back names someone who was due
 * for erasure anyway (their request or retention stands and is retried); a
 * replay after a restore completes it.
 */
export async function journalErasures(
  ctx: CoreContext,
  tx: StoreOperations,
  subjects: readonly ErasedSubject[],
  reason: ErasureReason,
  at: Date,
): Promise<void> {
  if (subjects.length === 0) return;
  // `subject.erased` for the app once the erasing transaction has committed.
  for (const subject of subjects) {
    emitAfterCommit(tx, 'subject.erased', () => ({ subjectId: subject.id, reason, at }));
  }
  const entries: ErasureJournalEntry[] = subjects.map((subject) => ({
    subjectHash: subject.emailHash,
    suppressionHash: ctx.suppressionHash(subject.email),
    subjectId: subject.id,
    erasedAt: at,
    reason,
  }));
  // Computing the suppression hash put the address in this process's hash cache:
  // every erasure path (retention, admin, expired opt-in, DSAR) drops it again here.
  for (const subject of subjects) ctx.forgetAddress(subject.email);
  const journal = ctx.erasureJournal;
  if (journal.appendMany) await journal.appendMany(entries);
  else for (const entry of entries) await journal.append(entry);
}

export interface ReplayReport {
  /** Journal entries read. */
  entries: number;
  /** People the restored data brought back, erased again. */
  erased: number;
  /** `erased` suppression entries put back (DSAR erasures the restore lost). */
  suppressionsRestored: number;
}

export interface ErasureService {
  /**
   * Erases again everyone in the erasure journal that the store holds:
   * run after restoring a backup (`gdpr-mail erasures replay`). Safe to run
   * any time and twice: a row is erased only when both its id and its keyed
   * address hash match the journal (a person who signed up again since has a
   * new row and is left alone).
   */
  replay(options?: { batchSize?: number }): Promise<ReplayReport>;
}

export function createErasureService(ctx: CoreContext): ErasureService {
  async function replayBatch(batch: readonly ErasureJournalEntry[], report: ReplayReport) {
    await withConflictRetry(() =>
      ctx.store.transaction(async (tx: StoreOperations) => {
        const found = await tx.findSubjectsByEmailHashes(batch.map((e) => e.subjectHash));
        const byId = new Map(found.map((s) => [s.id, s]));
        const back = batch.filter((e) => byId.get(e.subjectId)?.emailHash === e.subjectHash);
        const ids = [...new Set(back.map((e) => e.subjectId))];
        const erased = await tx.deleteSubjects(ids);
        const wanted = batch.filter((e) => e.reason === 'dsar');
        // Only an `erased` entry is enough: a weaker one the backup kept (an unsubscribe,
        // say) is replaced by the tombstone.
        const erasedAlready = new Set(
          (await tx.getSuppressions(wanted.map((e) => e.suppressionHash)))
            .filter((s) => s.reason === 'erased')
            .map((s) => s.hash),
        );
        let restored = 0;
        for (const entry of wanted) {
          if (erasedAlready.has(entry.suppressionHash)) continue;
          erasedAlready.add(entry.suppressionHash);
          const { written } = await upgradeSuppression(tx, {
            hash: entry.suppressionHash,
            reason: 'erased',
            at: entry.erasedAt,
            source: 'erasure-replay',
          });
          if (written) restored += 1;
        }
        if (erased > 0 || restored > 0) {
          await appendAuditEntry(
            tx,
            {
              actor: 'system',
              action: 'erasure.replayed',
              details: { subjectIds: ids, erased, suppressionsRestored: restored },
            },
            ctx.now(),
          );
        }
        report.erased += erased;
        report.suppressionsRestored += restored;
      }),
    );
  }

  return {
    async replay(options = {}) {
      const batchSize = options.batchSize ?? 500;
      const report: ReplayReport = { entries: 0, erased: 0, suppressionsRestored: 0 };
      let batch: ErasureJournalEntry[] = [];
      for await (const entry of ctx.erasureJournal.entries()) {
        report.entries += 1;
        batch.push(entry);
        if (batch.length >= batchSize) {
          await replayBatch(batch, report);
          batch = [];
        }
      }
      if (batch.length > 0) await replayBatch(batch, report);
      ctx.logger.info({ ...report }, 'erasure journal replayed');
      return report;
    },
  };
}
