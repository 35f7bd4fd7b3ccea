import type { GdprStore } from '../store/store-types.js';

/**
 * Whether the store writes an import batch in a few set-based statements. A store
 * opened on first use (the default embedded one) shows the capability only on the
 * operations of a transaction, so it is asked there when its top level lacks it.
 */
export async function writesImportBatches(store: GdprStore): Promise<boolean> {
  if (store.writeImportBatch !== undefined) return true;
  return store.transaction(async (tx) => tx.writeImportBatch !== undefined);
}
