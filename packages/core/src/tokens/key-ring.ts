import type { KeyObject } from 'node:crypto';
import { createSecretKey } from 'node:crypto';

export interface TokenKey {
  id: string;
  secret: string;
}

export interface KeyRing {
  /** The key that signs: the last one listed (`key` is what `find(id)` returns for its id). */
  readonly current: { id: string; key: KeyObject };
  /** Any listed key, by id; undefined for an unknown or removed key. */
  find(id: string): KeyObject | undefined;
}

/** Prepares the keys once: a KeyObject spares re-importing the secret on every token. */
export function createKeyRing(keys: readonly TokenKey[]): KeyRing {
  const byId = new Map<string, KeyObject>();
  for (const { id, secret } of keys) byId.set(id, createSecretKey(Buffer.from(secret, 'utf8')));
  const last = keys.at(-1);
  if (!last) throw new TypeError('A key ring needs at least one key.');
  const current = { id: last.id, key: byId.get(last.id)! };
  return { current, find: (id) => byId.get(id) };
}
