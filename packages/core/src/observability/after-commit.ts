import type { GdprStore, StoreOperations } from '../store/store-types.js';
import type { EventBus, GdprEventMap, GdprEventName } from './gdpr-events.js';

type Pending = Array<() => void>;

// Which transaction handle collects which events, and which store emits at once. Kept
// beside the objects rather than on them, so no store implementation has to know.
const inTransaction = new WeakMap<object, Pending>();
const direct = new WeakMap<object, EventBus>();

/**
 * Emits an event once the write that `ops` made is committed: inside a transaction
 * at its commit (nothing if it rolls back), outside one at once. Called by the code that
 * writes the ledger, the audit log and erasures, whichever store they were given.
 */
export function emitAfterCommit<N extends GdprEventName>(
  ops: StoreOperations,
  name: N,
  event: () => GdprEventMap[N],
): void {
  const pending = inTransaction.get(ops);
  if (pending) {
    pending.push(() => direct.get(ops)?.emit(name, event()));
    return;
  }
  const bus = direct.get(ops);
  if (bus?.has(name)) bus.emit(name, event());
}

/**
 * The store services use: the same store, but each transaction collects the events of its
 * writes and emits them after it commits. Only `transaction` is replaced; every other call
 * goes straight to the store through the prototype.
 */
export function withEventsAfterCommit(store: GdprStore, bus: EventBus): GdprStore {
  const wrapped = Object.create(store) as GdprStore;
  direct.set(wrapped, bus);
  direct.set(store, bus);
  wrapped.transaction = async (work) => {
    let pending: Pending = [];
    // Looked up at each call: a traced store swaps its `transaction` in and out.
    const result = await store.transaction((tx) => {
      // A store that retries the work runs it again: only the last run's events count.
      pending = [];
      inTransaction.set(tx, pending);
      direct.set(tx, bus);
      return work(tx);
    });
    for (const fire of pending) fire();
    return result;
  };
  return wrapped;
}
