import { hkdfSync } from 'node:crypto';
import { GdprMailError } from '../errors/gdpr-mail-error.js';

/** One key-encryption key (KEK): 32 bytes, and the id its wraps are tagged with. */
export interface KeyEncryptionKey {
  id: string;
  key: Uint8Array;
}

/**
 * Where the key-encryption keys come from. The SDK asks once (at the first
 * store operation) and keeps the answer in memory: every per-person data key
 * is wrapped and unwrapped locally, so no call leaves the process per person.
 *
 * `current` names the key new wraps use; `keys` must hold it and every older
 * key still needed to unwrap (until `gdpr-mail keys rewrap` has moved all
 * wraps to the current one and the old key can be retired).
 */
export interface KeyProvider {
  /** Shown in errors and `gdpr-mail keys status`: `local`, `aws-kms`, … */
  readonly kind: string;
  load(): Promise<{ current: string; keys: readonly KeyEncryptionKey[] }>;
}

export interface LocalKeySecret {
  /** Stable id stored with every wrap, e.g. `2026-12`. Letters, digits, `-`, `_`, `.`. */
  id: string;
  /** A secret of at least 32 characters; the 32-byte KEK is derived from it (HKDF-SHA256). */
  secret: string;
}

export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Refuses a key id that could not be stored with a wrap: 1 to 64 letters,
 * digits, `.`, `_` or `-` (KEY_ID_PATTERN). One check for every key provider
 * and the CLI, so that an id one accepts the others accept too. Throws
 * CONFIG_INVALID; `what` names the id in the message (default
 * `Encryption key id`).
 */
export function assertKeyId(id: unknown, what = 'Encryption key id'): asserts id is string {
  if (typeof id !== 'string' || !KEY_ID_PATTERN.test(id)) {
    throw new GdprMailError('CONFIG_INVALID', `${what} "${String(id)}" is not a valid key id.`);
  }
}

/** HKDF-SHA256 of a configured secret into a 32-byte KEK, separated by domain and id. */
export function deriveKek(secret: string, id: string): Uint8Array {
  return new Uint8Array(
    hkdfSync(
      'sha256',
      Buffer.from(secret, 'utf8'),
      Buffer.alloc(0),
      `gdpr-mail/kek\u0000${id}`,
      32,
    ),
  );
}

/**
 * The default provider: KEKs derived from secrets in the config. The first
 * entry is the current one (new wraps), the others still unwrap.
 */
export function createLocalKeyProvider(secrets: readonly LocalKeySecret[]): KeyProvider {
  if (secrets.length === 0) {
    throw new GdprMailError('CONFIG_INVALID', 'The local key provider needs at least one key.');
  }
  const seen = new Set<string>();
  for (const { id, secret } of secrets) {
    assertKeyId(id);
    if (seen.has(id)) {
      throw new GdprMailError('CONFIG_INVALID', `Encryption key id "${id}" is given twice.`);
    }
    if (secret.length < 32) {
      throw new GdprMailError(
        'CONFIG_INVALID',
        `Encryption key "${id}" must be at least 32 characters.`,
      );
    }
    seen.add(id);
  }
  const keys = secrets.map(({ id, secret }) => ({ id, key: deriveKek(secret, id) }));
  return {
    kind: 'local',
    async load() {
      return { current: secrets[0]!.id, keys };
    },
  };
}
