import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import type { SubjectRecord } from '../store/store-types.js';
import { loadDataKeyRing } from './data-key-ring.js';
import { createLocalKeyProvider } from './key-provider.js';
import { createSubjectSealing, DataKeyCache } from './subject-sealing.js';

const secret = 'a-local-kek-secret-of-enough-length-0123456789';

async function sealing(secrets = [{ id: 'k1', secret }]) {
  const ring = await loadDataKeyRing(createLocalKeyProvider(secrets));
  return createSubjectSealing(ring);
}

function subject(email: string): SubjectRecord {
  const at = new Date('2026-03-01T00:00:00Z');
  return {
    id: randomUUID(),
    emailHash: randomUUID(),
    email,
    createdAt: at,
    updatedAt: at,
    profile: { name: 'Jane Doe', phone: '+33 1 23 45 67 89', country: 'FR', language: 'fr' },
  };
}

describe('subject sealing (REQ-34, issue #18)', () => {
  it('REQ-34: stores no address, name or phone in the clear and reads them back', async () => {
    const s = await sealing();
    const raw = s.seal(subject('jane@example.org'));
    const dump = JSON.stringify(raw);
    expect(dump).not.toContain('jane@example.org');
    expect(dump).not.toContain('Jane Doe');
    expect(dump).not.toContain('+33 1 23');
    expect(raw.profile).toMatchObject({ country: 'FR', language: 'fr' });
    expect(raw.dataKey).toBeTypeOf('string');
    const opened = s.open(raw);
    expect(opened.email).toBe('jane@example.org');
    expect(opened.profile).toEqual({
      name: 'Jane Doe',
      phone: '+33 1 23 45 67 89',
      country: 'FR',
      language: 'fr',
    });
    // Spreads and JSON see the plain values (enumerable getters).
    expect(JSON.parse(JSON.stringify(opened)).email).toBe('jane@example.org');
    expect(structuredClone(opened).profile.name).toBe('Jane Doe');
  });

  it('REQ-34: a fresh IV per write: the same address seals differently', async () => {
    const s = await sealing();
    const record = subject('jane@example.org');
    expect(s.seal(record).email).not.toBe(s.seal(record).email);
  });

  it('REQ-34: a ciphertext moved to another row or column fails with CIPHERTEXT_INVALID', async () => {
    const s = await sealing();
    const a = s.seal(subject('a@example.org'));
    const b = s.seal(subject('b@example.org'));
    // Another row's ciphertext, even with that row's wrapped key copied along.
    const moved = s.open({ ...b, email: a.email });
    expect(() => moved.email).toThrow(expect.objectContaining({ code: 'CIPHERTEXT_INVALID' }));
    const stolenKey = s.open({ ...b, email: a.email, dataKey: a.dataKey! });
    expect(() => stolenKey.email).toThrow(expect.objectContaining({ code: 'CIPHERTEXT_INVALID' }));
    // Another column of the same row.
    const blob = (a.profile as { sealed: { keys: string[]; value: string } }).sealed;
    const swapped = s.open({ ...a, email: blob.value });
    expect(() => swapped.email).toThrow(expect.objectContaining({ code: 'CIPHERTEXT_INVALID' }));
  });

  it('REQ-34: a key wrapped under an unknown KEK fails with ENCRYPTION_KEY_UNKNOWN naming the id', async () => {
    const old = await sealing([{ id: 'retired-2025', secret }]);
    const raw = old.seal(subject('jane@example.org'));
    const s = await sealing([{ id: 'k2', secret: `${secret}-new` }]);
    const opened = s.open(raw);
    let error: unknown;
    try {
      void opened.email;
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ENCRYPTION_KEY_UNKNOWN' });
    expect((error as Error).message).toContain('retired-2025');
  });

  it('REQ-34: reading clear fields never unwraps or decrypts', async () => {
    const s = await sealing();
    const raw = s.seal(subject('jane@example.org'));
    // A corrupt wrapped key would throw on any unwrap: clear reads do not touch it.
    const opened = s.open({ ...raw, dataKey: 'corrupt', id: randomUUID() });
    expect(opened.profile.country).toBe('FR');
    expect(opened.profile.language).toBe('fr');
    expect(opened.id).toBeTypeOf('string');
    expect(() => opened.email).toThrow();
  });

  it('REQ-34: crypto-shredding: once the row and its wrapped key are deleted, a copy of the old sealed row does not open', async () => {
    const s = await sealing();
    const store = new MemoryStore();
    const created = await store.createSubject(s.seal(subject('jane@example.org')));
    const copy = structuredClone(await store.getSubject(created.id))!; // a backup of the row
    expect(s.open(copy).email).toBe('jane@example.org');
    expect(await store.deleteSubject(created.id)).toBe(true);
    s.evict(created.id);
    // The KEK is still there, but the data key went with the row: without the
    // wrapped key (only a copy of the row's other columns survives) nothing opens.
    const { dataKey: _gone, ...withoutKey } = copy;
    expect(
      () => s.open({ ...withoutKey, dataKey: s.seal(subject('x@example.org')).dataKey! }).email,
    ).toThrow(expect.objectContaining({ code: 'CIPHERTEXT_INVALID' }));
    expect(s.open(withoutKey as SubjectRecord).email).not.toBe('jane@example.org');
  });

  it('keeps a bounded LRU of unwrapped keys, each only for the wrapped form it came from', () => {
    const cache = new DataKeyCache(2);
    const key = {} as never;
    cache.set('a', 'wa', key);
    cache.set('b', 'wb', key);
    cache.get('a', 'wa');
    cache.set('c', 'wc', key);
    expect(cache.get('b', 'wb')).toBeUndefined();
    expect(cache.get('a', 'wa')).toBe(key);
    // A row rewritten underneath (restored, another process): unwrapped again, not reused.
    expect(cache.get('a', 'other')).toBeUndefined();
    expect(cache.size).toBe(2);
  });
});
