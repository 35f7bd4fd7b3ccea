import type { KeyObject } from 'node:crypto';
import type { SubjectProfile, SubjectRecord } from '../store/store-types.js';
import type { DataKeyRing } from './data-key-ring.js';
import { fieldContext, isSealed, openField, sealField } from './field-cipher.js';

/**
 * Building block of the encrypting store layer (issue #18): how a subject row
 * is sealed before a raw store persists it, and opened lazily after a read.
 * The address is sealed under the person's data key (context subjects/<id>/email);
 * the personal profile leaves go into one sealed blob under the reserved key
 * `sealed`, with the names of the leaves it holds kept clear so reads can
 * expose them as lazy getters. Everything else in the profile stays clear.
 */

/** Profile leaves that identify a person: sealed, never stored in the clear. */
export const SEALED_PROFILE_KEYS = ['name', 'phone'] as const;

/** The reserved profile key holding the sealed leaves. */
export interface SealedProfileBlob {
  keys: string[];
  value: string;
}

/** Unwrapped data keys by subject id, least recently used evicted first. */
export class DataKeyCache {
  readonly #keys = new Map<string, KeyObject>();
  constructor(private readonly limit = 10_000) {}
  get(id: string): KeyObject | undefined {
    const key = this.#keys.get(id);
    if (key) {
      this.#keys.delete(id);
      this.#keys.set(id, key);
    }
    return key;
  }
  set(id: string, key: KeyObject): void {
    this.#keys.delete(id);
    this.#keys.set(id, key);
    if (this.#keys.size > this.limit) this.#keys.delete(this.#keys.keys().next().value!);
  }
  delete(id: string): void {
    this.#keys.delete(id);
  }
  get size(): number {
    return this.#keys.size;
  }
}

export interface SubjectSealing {
  /** The row as a raw store should persist it: a data key (new if none), sealed fields. */
  seal(record: SubjectRecord): SubjectRecord;
  /** The row as services see it: sealed fields decrypt on first access. */
  open(record: SubjectRecord): SubjectRecord;
  /** Forget the person's unwrapped key (erasure). */
  evict(id: string): void;
}

export function createSubjectSealing(
  ring: DataKeyRing,
  cache = new DataKeyCache(),
): SubjectSealing {
  function keyFor(record: SubjectRecord): { key: KeyObject; wrapped: string } {
    if (record.dataKey === undefined) {
      const fresh = ring.newDataKey(record.id);
      cache.set(record.id, fresh.key);
      return fresh;
    }
    const cached = cache.get(record.id);
    if (cached) return { key: cached, wrapped: record.dataKey };
    const key = ring.unwrap(record.dataKey, record.id);
    cache.set(record.id, key);
    return { key, wrapped: record.dataKey };
  }

  function sealProfile(key: KeyObject, id: string, profile: SubjectProfile): SubjectProfile {
    const clear: Record<string, unknown> = { ...profile };
    const secret: Record<string, unknown> = {};
    for (const name of SEALED_PROFILE_KEYS) {
      if (clear[name] !== undefined) secret[name] = clear[name];
      delete clear[name];
    }
    delete clear.sealed;
    const keys = Object.keys(secret);
    if (keys.length === 0) return clear as SubjectProfile;
    const blob: SealedProfileBlob = {
      keys,
      value: sealField(key, JSON.stringify(secret), fieldContext('subjects', id, 'profile')),
    };
    return { ...clear, sealed: blob } as SubjectProfile;
  }

  return {
    seal(record) {
      const { key, wrapped } = keyFor(record);
      return {
        ...record,
        email: isSealed(record.email)
          ? record.email
          : sealField(key, record.email, fieldContext('subjects', record.id, 'email')),
        profile: sealProfile(key, record.id, record.profile),
        dataKey: wrapped,
      };
    },

    open(record) {
      if (record.dataKey === undefined) return record;
      let key: KeyObject | undefined;
      const dataKey = () => {
        key ??= keyFor(record).key;
        return key;
      };
      const opened = { ...record } as SubjectRecord;
      let email: string | undefined;
      Object.defineProperty(opened, 'email', {
        enumerable: true,
        configurable: true,
        get: () => {
          email ??= isSealed(record.email)
            ? openField(dataKey(), record.email, fieldContext('subjects', record.id, 'email'))
            : record.email;
          return email;
        },
        set: (value: string) => {
          email = value;
        },
      });
      const stored = record.profile as SubjectProfile & { sealed?: SealedProfileBlob };
      const { sealed, ...clear } = stored;
      const profile = { ...clear } as Record<string, unknown>;
      if (sealed) {
        let leaves: Record<string, unknown> | undefined;
        const open = () => {
          leaves ??= JSON.parse(
            openField(dataKey(), sealed.value, fieldContext('subjects', record.id, 'profile')),
          ) as Record<string, unknown>;
          return leaves;
        };
        for (const name of sealed.keys) {
          let own: { value: unknown } | undefined;
          Object.defineProperty(profile, name, {
            enumerable: true,
            configurable: true,
            get: () => (own ? own.value : open()[name]),
            set: (value: unknown) => {
              own = { value };
            },
          });
        }
      }
      opened.profile = profile as SubjectProfile;
      return opened;
    },

    evict(id) {
      cache.delete(id);
    },
  };
}
