import { describe, expect, it } from 'vitest';
import type { CoreContext } from '../context.js';
import { createAddressHashCache } from '../crypto/address-hash-cache.js';
import { keyedHash, pepperKey } from '../crypto/hashing.js';
import { createMemoryErasureJournal } from '../crypto/memory-erasure-journal.js';
import type { StoreOperations } from '../store/store-types.js';
import { journalErasures } from './erasure-service.js';

describe('journalErasures', () => {
  it('leaves no erased address in the process hash cache, whatever the erasure path (REQ-34)', async () => {
    const computed: string[] = [];
    const key = pepperKey('test-pepper-0123456789-abcdefghijklmnop');
    const cache = createAddressHashCache((email) => {
      computed.push(email);
      return keyedHash(key, 'gdpr-mail/suppression', email);
    }, 10);
    const journal = createMemoryErasureJournal();
    const ctx = {
      erasureJournal: journal,
      suppressionHash: (email: string) => cache.hash(email),
      forgetAddress: (email: string) => cache.forget(email),
    } as unknown as CoreContext;
    cache.hash('kept@example.org');

    await journalErasures(
      ctx,
      {} as StoreOperations,
      [{ id: 's1', emailHash: 'a'.repeat(64), email: 'erased@example.org' }],
      'retention',
      new Date('2026-01-01T00:00:00Z'),
    );

    // Asked again, the erased address is hashed anew: the cache no longer held it;
    // the other address is still cached.
    cache.hash('erased@example.org');
    cache.hash('kept@example.org');
    expect(computed).toEqual(['kept@example.org', 'erased@example.org', 'erased@example.org']);
    expect(JSON.stringify(journal.snapshot())).not.toContain('erased@example.org');
  });
});
