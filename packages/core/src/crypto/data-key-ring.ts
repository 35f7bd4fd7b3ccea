import type { KeyObject } from 'node:crypto';
import { createSecretKey, randomBytes } from 'node:crypto';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { openField, sealField } from './field-cipher.js';
import type { KeyEncryptionKey, KeyProvider } from './key-provider.js';

/**
 * Wraps and unwraps per-person data keys with the KEKs of a provider, in
 * memory. A wrapped key is `<kekId>:<sealed>`: the KEK id tells which key
 * unwraps it (rotation), the owner's id is the associated data (a wrapped key
 * copied to another person does not unwrap).
 */
export interface DataKeyRing {
  readonly kind: string;
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
  /** A fresh random 32-byte data key, and its wrap under the current KEK. */
  newDataKey(ownerId: string): { key: KeyObject; wrapped: string };
  wrap(key: KeyObject, ownerId: string): string;
  /** Throws ENCRYPTION_KEY_UNKNOWN naming the KEK id, or CIPHERTEXT_INVALID. */
  unwrap(wrapped: string, ownerId: string): KeyObject;
  /** The KEK id a wrapped key was made with. */
  keyIdOf(wrapped: string): string;
}

export async function loadDataKeyRing(provider: KeyProvider): Promise<DataKeyRing> {
  const loaded = await provider.load();
  return createDataKeyRing(provider.kind, loaded.current, loaded.keys);
}

export function createDataKeyRing(
  kind: string,
  current: string,
  keks: readonly KeyEncryptionKey[],
): DataKeyRing {
  const byId = new Map<string, KeyObject>();
  for (const kek of keks) {
    if (kek.key.length !== 32) {
      throw new GdprMailError(
        'CONFIG_INVALID',
        `Key-encryption key "${kek.id}" from the ${kind} key provider is not 32 bytes.`,
      );
    }
    byId.set(kek.id, createSecretKey(Buffer.from(kek.key)));
  }
  const currentKek = byId.get(current);
  if (!currentKek) {
    throw new GdprMailError(
      'ENCRYPTION_KEY_UNKNOWN',
      `The current key-encryption key "${current}" is not among the ${kind} key provider's keys.`,
      { details: { keyId: current } },
    );
  }
  const context = (ownerId: string) => `data-key\u0000${ownerId}\u0000dek`;
  const ring: DataKeyRing = {
    kind,
    currentKeyId: current,
    keyIds: [...byId.keys()],
    newDataKey(ownerId) {
      const key = createSecretKey(randomBytes(32));
      return { key, wrapped: ring.wrap(key, ownerId) };
    },
    wrap(key, ownerId) {
      return `${current}:${sealField(currentKek, key.export().toString('base64url'), context(ownerId))}`;
    },
    unwrap(wrapped, ownerId) {
      const keyId = ring.keyIdOf(wrapped);
      const kek = byId.get(keyId);
      if (!kek) {
        throw new GdprMailError(
          'ENCRYPTION_KEY_UNKNOWN',
          `A data key is wrapped with key-encryption key "${keyId}", which the ${kind} key provider does not hold.`,
          { details: { keyId } },
        );
      }
      const raw = openField(kek, wrapped.slice(keyId.length + 1), context(ownerId));
      return createSecretKey(Buffer.from(raw, 'base64url'));
    },
    keyIdOf(wrapped) {
      const colon = wrapped.indexOf(':');
      if (colon <= 0) {
        throw new GdprMailError('CIPHERTEXT_INVALID', 'A wrapped data key has no key id.');
      }
      return wrapped.slice(0, colon);
    },
  };
  return ring;
}
