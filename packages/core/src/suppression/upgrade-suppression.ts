import type { StoreOperations, SuppressionEntry, SuppressionReason } from '../store/store-types.js';
import { outranks } from './suppression-strength.js';

/** What {@link upgradeSuppression} did to the address's entry. */
export interface SuppressionWrite {
  /** The entry was written: added, or put in place of a weaker one. */
  written: boolean;
  /** The weaker reason the address held before. */
  replaced?: SuppressionReason;
}

/**
 * Puts `entry` on the list inside the caller's transaction, the one way every
 * writer of the SDK does it (API and provider suppressions, DSAR erasure,
 * erasure replay): an address held for an equal or stronger reason is left
 * alone; a weaker entry is replaced. Every bundled store upgrades in its own
 * `addSuppression` (conformance `suppression.upgrade`); a custom store written
 * before that rule keeps the first entry, so a weaker entry it keeps is
 * removed and the new one written here, in the same transaction.
 */
export async function upgradeSuppression(
  ops: StoreOperations,
  entry: SuppressionEntry,
): Promise<SuppressionWrite> {
  // Read first to name what an upgrade replaced; the store's own write is what
  // decides (a concurrent writer may have changed the entry since).
  const held = await ops.getSuppression(entry.hash);
  if (held && !outranks(entry.reason, held.reason)) return { written: false };
  if (await ops.addSuppression(entry)) {
    return held === undefined ? { written: true } : { written: true, replaced: held.reason };
  }
  const now = await ops.getSuppression(entry.hash);
  if (now === undefined || !outranks(entry.reason, now.reason)) return { written: false };
  await ops.removeSuppression(entry.hash);
  return (await ops.addSuppression(entry))
    ? { written: true, replaced: now.reason }
    : { written: false };
}
