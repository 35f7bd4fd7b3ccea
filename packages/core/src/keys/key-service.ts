import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { EncryptedStore } from '../store/encrypted-store.js';
import type { SubjectDataKeyChange } from '../store/store-types.js';

export interface KeyStatus {
  /** The key provider's kind: `local`, `aws-kms`, … */
  provider: string;
  /** The key-encryption key new data keys are wrapped with. */
  current: string;
  /** Every key the provider holds. */
  keyIds: string[];
  /** Data keys wrapped under each key id (a retired key must show 0 before it is dropped). */
  wrapsByKey: Record<string, number>;
  /** Rows written before encryption (no data key): their fields are in the clear. */
  unencrypted: number;
}

export interface RewrapReport {
  scanned: number;
  rewrapped: number;
  /** Rows that changed or went while being rewrapped (erased, or rewrapped by another process). */
  skipped: number;
}

export interface KeyService {
  /** Counts wraps per key id, a page at a time (never the whole table in memory). */
  status(options?: { batchSize?: number }): Promise<KeyStatus>;
  /**
   * Rewraps every data key not under the current KEK, online: a page at a
   * time, each row compare-and-set (a concurrent erasure or rewrap wins), so
   * sends and sign-ups go on meanwhile. Data keys stay the same: nothing
   * sealed under them is re-encrypted.
   */
  rewrap(options?: {
    batchSize?: number;
    onProgress?: (report: RewrapReport) => void;
  }): Promise<RewrapReport>;
}

export function createKeyService(store: EncryptedStore): KeyService {
  async function* pages(batchSize: number) {
    let afterId: string | undefined;
    for (;;) {
      const page = await store.raw.listSubjects({
        ...(afterId === undefined ? {} : { afterId }),
        limit: batchSize,
      });
      if (page.length === 0) return;
      yield page;
      afterId = page[page.length - 1]!.id;
      if (page.length < batchSize) return;
    }
  }

  function checkBatch(batchSize: number): number {
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new GdprMailError('VALIDATION_FAILED', 'batchSize must be an integer from 1 to 10000.');
    }
    return batchSize;
  }

  return {
    async status(options = {}) {
      const ring = await store.keyRing();
      const wrapsByKey: Record<string, number> = Object.fromEntries(
        ring.keyIds.map((id) => [id, 0]),
      );
      let unencrypted = 0;
      for await (const page of pages(checkBatch(options.batchSize ?? 1000))) {
        for (const row of page) {
          if (row.dataKey === undefined) {
            unencrypted += 1;
            continue;
          }
          const id = ring.keyIdOf(row.dataKey);
          wrapsByKey[id] = (wrapsByKey[id] ?? 0) + 1;
        }
      }
      return {
        provider: ring.kind,
        current: ring.currentKeyId,
        keyIds: [...ring.keyIds],
        wrapsByKey,
        unencrypted,
      };
    },

    async rewrap(options = {}) {
      const ring = await store.keyRing();
      const report: RewrapReport = { scanned: 0, rewrapped: 0, skipped: 0 };
      for await (const page of pages(checkBatch(options.batchSize ?? 500))) {
        report.scanned += page.length;
        const changes: SubjectDataKeyChange[] = [];
        for (const row of page) {
          if (row.dataKey === undefined || ring.keyIdOf(row.dataKey) === ring.currentKeyId)
            continue;
          const key = ring.unwrap(row.dataKey, row.id);
          changes.push({ id: row.id, expected: row.dataKey, next: ring.wrap(key, row.id) });
        }
        if (changes.length === 0) continue;
        const updated = await store.replaceSubjectDataKeys(changes);
        report.rewrapped += updated.length;
        report.skipped += changes.length - updated.length;
        options.onProgress?.({ ...report });
      }
      return report;
    },
  };
}
