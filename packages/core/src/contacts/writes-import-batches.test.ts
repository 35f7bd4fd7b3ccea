import { describe, expect, it } from 'vitest';
import { createLazyStore } from '../store/lazy-store.js';
import { MemoryStore } from '../store/memory-store.js';
import type { ImportBatchWrite, StoreOperations } from '../store/store-types.js';
import { writesImportBatches } from './writes-import-batches.js';

/** A store whose transactions offer the set-based import, as the SQL stores' do. */
class SetBasedStore extends MemoryStore {
  override transaction<T>(work: (tx: StoreOperations) => Promise<T>): Promise<T> {
    return super.transaction((tx) =>
      work(
        Object.assign(Object.create(tx) as StoreOperations, {
          writeImportBatch: async (_batch: ImportBatchWrite) => {},
        }),
      ),
    );
  }
}

describe('writesImportBatches', () => {
  it('sees the set-based import behind a store opened on first use (the default store)', async () => {
    expect(await writesImportBatches(new MemoryStore())).toBe(false);
    expect(await writesImportBatches(new SetBasedStore())).toBe(true);
    const lazy = createLazyStore(async () => new SetBasedStore());
    expect(lazy.writeImportBatch).toBeUndefined();
    expect(await writesImportBatches(lazy)).toBe(true);
    expect(await writesImportBatches(createLazyStore(async () => new MemoryStore()))).toBe(false);
  });
});
