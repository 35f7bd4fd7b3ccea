import { describe, expect, it, vi } from 'vitest';
import { createLazyStore } from './lazy-store.js';
import { MemoryStore } from './memory-store.js';

describe('createLazyStore', () => {
  it('opens the store once, on first use, and closes it', async () => {
    const inner = new MemoryStore();
    const close = vi.spyOn(inner, 'close');
    const open = vi.fn(async () => inner);
    const store = createLazyStore(open);
    expect(open).not.toHaveBeenCalled();
    await Promise.all([
      store.addSuppression({ hash: 'h', reason: 'manual', at: new Date(0), source: 't' }),
      store.getSuppression('h'),
    ]);
    expect(await store.transaction((tx) => tx.getSuppression('h'))).toMatchObject({ hash: 'h' });
    expect(open).toHaveBeenCalledTimes(1);
    await store.close();
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('closes without opening when never used', async () => {
    const open = vi.fn(async () => new MemoryStore());
    await createLazyStore(open).close();
    expect(open).not.toHaveBeenCalled();
  });

  it('closes without throwing when the open failed, and tries the open again on the next use', async () => {
    // The embedded store refused with STORE_LOCKED while a CLI command held its folder.
    const locked = Object.assign(new Error('locked'), { code: 'STORE_LOCKED' });
    const inner = new MemoryStore();
    const open = vi
      .fn<() => Promise<MemoryStore>>()
      .mockRejectedValueOnce(locked)
      .mockResolvedValue(inner);
    const store = createLazyStore(open);
    await expect(store.getSuppression('h')).rejects.toBe(locked);
    expect(await store.getSuppression('h')).toBeUndefined();
    expect(open).toHaveBeenCalledTimes(2);
    await store.close();

    const failing = createLazyStore(async () => {
      throw locked;
    });
    await expect(failing.getSuppression('h')).rejects.toBe(locked);
    await expect(failing.close()).resolves.toBeUndefined();
  });
});
