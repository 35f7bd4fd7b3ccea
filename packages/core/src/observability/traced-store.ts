import type { GdprStore, StoreOperations } from '../store/store-types.js';
import type { Telemetry } from './telemetry.js';

// Not store work of their own (or wrapped apart, for `transaction`).
const UNTRACED = new Set(['close', 'migrate', 'transaction']);

function traceMethods<T extends object>(target: T, telemetry: Telemetry, into: object): void {
  const source = target as Record<string, unknown>;
  const traced = into as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const method = source[key];
    if (typeof method !== 'function' || UNTRACED.has(key)) continue;
    const call = method.bind(target) as (...args: unknown[]) => unknown;
    const attributes = { 'db.operation.name': key };
    traced[key] = (...args: unknown[]) =>
      telemetry.span(`gdpr_mail.store ${key}`, attributes, async () => call(...args));
  }
}

export interface TracedStore {
  readonly store: GdprStore;
  /** Swaps the traced methods in (an SDK is registered) or out (calls reach the store directly). */
  setActive(active: boolean): void;
}

/**
 * A span per store call (`db.operation.name` = the method) and per transaction while an
 * OpenTelemetry SDK is registered. While none is, the wrapper has no methods of its own:
 * every call finds the store's through the prototype, at no cost. Arguments are never
 * recorded: they hold ciphertext, keyed hashes and ids.
 */
export function createTracedStore(store: GdprStore, telemetry: Telemetry): TracedStore {
  const wrapper = Object.create(store) as GdprStore;
  const own = new Set<string>();
  return {
    store: wrapper,
    setActive(active) {
      for (const key of own) delete (wrapper as unknown as Record<string, unknown>)[key];
      own.clear();
      if (!active) return;
      traceMethods(store, telemetry, wrapper);
      const transaction = store.transaction.bind(store);
      wrapper.transaction = <T>(work: (tx: StoreOperations) => Promise<T>) =>
        telemetry.span('gdpr_mail.store transaction', { 'db.operation.name': 'transaction' }, () =>
          transaction((tx) => {
            const traced = Object.create(tx) as StoreOperations;
            traceMethods(tx, telemetry, traced);
            return work(traced);
          }),
        );
      for (const key of Object.keys(wrapper)) own.add(key);
    },
  };
}
