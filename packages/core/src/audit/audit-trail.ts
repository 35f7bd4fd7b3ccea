import type { GdprStore } from '../store/store-types.js';
import type { AuditEntry } from './audit-entry.js';

/** Entries read a page at a time when the store has no index on the reference. */
const SCAN_PAGE = 1000;

/**
 * A page of one person's audit trail: entries whose `subjectRef` is one of
 * `refs`, after `afterSeq`, in seq order, at most `limit`. Through the store's
 * index when it offers `listAuditForSubjects`; otherwise the log is scanned from
 * `afterSeq` until `limit` entries are found or it ends.
 */
export async function auditTrailPage(
  store: Pick<GdprStore, 'listAudit' | 'listAuditForSubjects'>,
  refs: readonly string[],
  afterSeq: number,
  limit: number,
): Promise<AuditEntry[]> {
  if (refs.length === 0 || limit < 1) return [];
  if (store.listAuditForSubjects) return store.listAuditForSubjects(refs, afterSeq, limit);
  const wanted = new Set(refs);
  const found: AuditEntry[] = [];
  let after = afterSeq;
  for (;;) {
    const page = await store.listAudit(after, SCAN_PAGE);
    for (const entry of page) {
      if (entry.subjectRef === undefined || !wanted.has(entry.subjectRef)) continue;
      found.push(entry);
      if (found.length === limit) return found;
    }
    const last = page.at(-1);
    if (!last || page.length < SCAN_PAGE) return found;
    after = last.seq;
  }
}
