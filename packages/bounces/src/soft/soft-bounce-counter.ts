/**
 * Where soft bounces are counted. `record` is idempotent per bounce id (a
 * set, not a counter), so a mail read again after a crash does not count twice.
 */
export interface SoftBounceCounter {
  /**
   * Adds the bounce (once per `bounceId`) to the address's set and returns
   * how many distinct soft bounces the address has had within `windowMs` before `at`.
   * `addressKey` is a keyed hash, never the address.
   */
  record(addressKey: string, bounceId: string, at: Date, windowMs: number): Promise<number>;
}

/** Soft bounces in this process's memory: tests and single-process demos only. */
export function createMemorySoftBounceCounter(): SoftBounceCounter {
  const sets = new Map<string, Map<string, number>>();
  return {
    async record(addressKey, bounceId, at, windowMs) {
      const set = sets.get(addressKey) ?? new Map<string, number>();
      sets.set(addressKey, set);
      if (!set.has(bounceId)) set.set(bounceId, at.getTime());
      const since = at.getTime() - windowMs;
      for (const [id, time] of set) if (time < since) set.delete(id);
      return set.size;
    },
  };
}
