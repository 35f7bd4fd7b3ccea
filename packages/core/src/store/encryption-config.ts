import { basename, dirname, join, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/config-schema.js';
import type { ErasureJournal } from '../crypto/erasure-journal.js';
import { createFileErasureJournal } from '../crypto/file-erasure-journal.js';
import { keyedHash, pepperKey } from '../crypto/hashing.js';
import type { KeyProvider, LocalKeySecret } from '../crypto/key-provider.js';
import { createLocalKeyProvider } from '../crypto/key-provider.js';
import { createMemoryErasureJournal } from '../crypto/memory-erasure-journal.js';

/** The id of the key-encryption key derived from the pepper (the default, and the last resort). */
export const PEPPER_KEY_ID = 'pepper';

/**
 * `encryption.keyProvider` when given; else the local provider over
 * `secrets.encryptionKeys` (first = current), with the pepper-derived key
 * last so wraps made before the list existed still open.
 */
export function resolveKeyProvider(config: ResolvedConfig): KeyProvider {
  if (config.encryption.keyProvider) return config.encryption.keyProvider;
  const configured: LocalKeySecret[] = config.secrets.encryptionKeys ?? [];
  const withPepper =
    configured.length === 0 ||
    (config.encryption.pepperKey && !configured.some((k) => k.id === PEPPER_KEY_ID));
  return createLocalKeyProvider(
    withPepper ? [...configured, { id: PEPPER_KEY_ID, secret: config.secrets.pepper }] : configured,
  );
}

/** The blind index of custom attributes: a keyed hash per (name, value), apart from address hashes. */
export function attributeHasher(pepper: string): (name: string, value: string) => string {
  const key = pepperKey(pepper);
  return (name, value) => keyedHash(key, 'gdpr-mail/attribute', `${name}\u0000${value}`);
}

/**
 * `encryption.erasureJournal` when given. Else memory beside a memory store
 * (nothing outlives the process there), and otherwise a file in a folder next
 * to `storage.dir` (`.gdpr-mail-journal/erasures.jsonl`), not inside it: a
 * restore of the data folder must not roll the journal back with it.
 */
export function resolveErasureJournal(config: ResolvedConfig): ErasureJournal {
  if (config.encryption.erasureJournal) return config.encryption.erasureJournal;
  if (config.store?.kind === 'memory') return createMemoryErasureJournal();
  const dir = resolve(config.storage.dir);
  return createFileErasureJournal({
    path: join(dirname(dir), `${basename(dir)}-journal`, 'erasures.jsonl'),
  });
}
