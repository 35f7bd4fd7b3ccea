/**
 * Remembers the keyed hash of the addresses seen last, so that a consent
 * check on every request of a signed-in person does not recompute two HMACs
 * (most of a `canSend`). Bounded: the oldest entry goes when it is full. The
 * addresses live only in this process's memory; `forget` drops one at erasure.
 */
import { BoundedMap } from './bounded-map.js';

export interface AddressHashCache {
  hash(email: string): string;
  forget(email: string): void;
}

export function createAddressHashCache(
  compute: (email: string) => string,
  limit: number,
): AddressHashCache {
  const entries = new BoundedMap<string, string>(limit);
  return {
    hash(email) {
      if (limit <= 0) return compute(email);
      const hit = entries.get(email);
      if (hit !== undefined) return hit;
      const value = compute(email);
      entries.set(email, value);
      return value;
    },
    forget(email) {
      entries.delete(email);
    },
  };
}
