import type { KeyObject } from 'node:crypto';
import type { ConsentEvent } from '../consent/consent-event.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { ContactFacts, SubjectProfile, SubjectRecord } from '../store/store-types.js';
import { BoundedMap } from './bounded-map.js';
import type { DataKeyRing } from './data-key-ring.js';
import { fieldContext, isSealed, openField, sealField } from './field-cipher.js';

/**
 * How a subject row and its consent events are sealed before a raw store
 * persists them, and opened lazily after a read (issue #18, REQ-34).
 *
 * The address is sealed under the person's data key (context
 * subjects/<id>/email). The profile leaves that identify a person go into one
 * sealed blob under the reserved key `sealed`, with the paths of the leaves it
 * holds kept clear so reads can expose them as lazy getters: reading a clear
 * field (country, language, dates) never unwraps a key or decrypts anything,
 * which keeps audience scans as fast as without encryption.
 */

/**
 * Profile leaves that identify a person or were typed about them: sealed,
 * never stored in the clear. Everything else in the profile (country,
 * language, age bracket, dates, segments, sources, privacy signals) stays
 * clear because the sending policy and the audience queries read it, and it
 * does not single anyone out on its own.
 */
export const SEALED_PROFILE_PATHS: readonly (readonly string[])[] = [
  ['name'],
  ['phone'],
  ['customer', 'saleRef'],
  ['professional', 'jobTitle'],
  ['parentalConsent', 'reference'],
  ['restriction', 'reason'],
  ['legalHold', 'reason'],
  ['contact', 'attributes'],
  ['contact', 'conflicts'],
];

/** The field context of an import source's sealed proof reference. */
const SOURCE_PROOF = 'profile.contact.sources.proof';

/** The consent-proof fields that are personal data (Art. 7(1) evidence, REQ-05): sealed. */
export const SEALED_PROOF_FIELDS = ['ip', 'userAgent'] as const;

/** The reserved profile key holding the sealed leaves. */
export interface SealedProfileBlob {
  /** Dotted paths of the leaves inside `value`, e.g. `customer.saleRef`. */
  keys: string[];
  value: string;
}

/**
 * Unwrapped data keys by subject id, least recently used evicted first. Each
 * is kept with the wrapped form it came from and given back only for that
 * form: a row restored or rewritten underneath (another process, a backup)
 * is unwrapped again rather than read with a stale key.
 */
export class DataKeyCache {
  // BoundedMap, not a plain Map: evicting the oldest of a plain Map gets slower
  // as deletions pile up (see bounded-map.ts), and this one evicts on every miss once full.
  readonly #keys: BoundedMap<string, { wrapped: string; key: KeyObject }>;
  constructor(limit = 10_000) {
    this.#keys = new BoundedMap(limit);
  }
  get(id: string, wrapped: string): KeyObject | undefined {
    const entry = this.#keys.get(id);
    if (!entry || entry.wrapped !== wrapped) return undefined;
    this.#keys.setNewest(id, entry);
    return entry.key;
  }
  set(id: string, wrapped: string, key: KeyObject): void {
    this.#keys.setNewest(id, { wrapped, key });
  }
  delete(id: string): void {
    this.#keys.delete(id);
  }
  get size(): number {
    return this.#keys.size;
  }
}

/**
 * A row's data key, unwrapped at the first decryption that needs it and kept
 * with the row. `onUnwrap` is told once, when that happens.
 */
class RowKey {
  #key: KeyObject | undefined;
  constructor(
    readonly id: string,
    readonly wrapped: string,
    private readonly unwrap: (id: string, wrapped: string) => KeyObject,
    private readonly onUnwrap: ((id: string, wrapped: string) => void) | undefined,
  ) {}
  get(): KeyObject {
    if (!this.#key) {
      this.#key = this.unwrap(this.id, this.wrapped);
      this.onUnwrap?.(this.id, this.wrapped);
    }
    return this.#key;
  }
}

/*
 * Why opened rows are built this way: audience pages open every row they
 * return (600,000 in a 1M-subject scan) and most are never decrypted. Giving
 * each row its own getter closures (defineProperty on a copy) put every row in
 * a map of its own and tripled the garbage: the wrapper cost 8-10 µs a row,
 * several times the database's share. Here the accessors are shared functions
 * (one per field, so rows share hidden classes) and a row's state sits in
 * private fields or a non-enumerable symbol, out of JSON, spreads and keys.
 */

/** A subject row as services see it: `email` an own enumerable accessor, decrypted on first read. */
class OpenedSubject {
  declare id: string;
  declare emailHash: string;
  declare email: string;
  declare createdAt: Date;
  declare updatedAt: Date;
  declare profile: SubjectProfile;
  declare dataKey: string;
  #stored: string;
  #key: RowKey;
  #email: { value: string } | undefined;

  static readonly #emailAccessor: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: OpenedSubject): string {
      return OpenedSubject.#read(this);
    },
    set(this: OpenedSubject, value: string) {
      this.#email = { value };
    },
  };

  static #read(row: OpenedSubject): string {
    if (!row.#email) {
      const stored = row.#stored;
      const key = row.#key;
      row.#email = {
        value: isSealed(stored)
          ? openField(key.get(), stored, fieldContext('subjects', key.id, 'email'))
          : stored,
      };
    }
    return row.#email.value;
  }

  constructor(record: SubjectRecord, key: RowKey, profile: SubjectProfile) {
    this.#stored = record.email;
    this.#key = key;
    // The order of a store's rows: id, emailHash, email, createdAt, updatedAt, profile, dataKey.
    this.id = record.id;
    this.emailHash = record.emailHash;
    Object.defineProperty(this, 'email', OpenedSubject.#emailAccessor);
    this.createdAt = record.createdAt;
    this.updatedAt = record.updatedAt;
    this.profile = profile;
    this.dataKey = key.wrapped;
  }
}

/** Where a profile container keeps the state of its sealed leaves (not enumerable). */
const SEALED_LEAVES = Symbol('gdpr-mail.sealedLeaves');

interface SealedLeavesState {
  key: RowKey;
  value: string;
  leaves?: Record<string, unknown>;
  own?: Map<string, unknown>;
}

function leafDescriptor(dotted: string): PropertyDescriptor {
  return {
    enumerable: true,
    configurable: true,
    get(this: { [SEALED_LEAVES]: SealedLeavesState }): unknown {
      const state = this[SEALED_LEAVES];
      if (state.own?.has(dotted)) return state.own.get(dotted);
      state.leaves ??= JSON.parse(
        openField(state.key.get(), state.value, fieldContext('subjects', state.key.id, 'profile')),
      ) as Record<string, unknown>;
      return state.leaves[dotted];
    },
    set(this: { [SEALED_LEAVES]: SealedLeavesState }, value: unknown) {
      const state = this[SEALED_LEAVES];
      state.own ??= new Map();
      state.own.set(dotted, value);
    },
  };
}

/** One shared descriptor per known sealed path; any other path (an altered row) gets its own. */
const LEAF_DESCRIPTORS = new Map(
  SEALED_PROFILE_PATHS.map((path) => [path.join('.'), leafDescriptor(path.join('.'))]),
);

export interface SubjectSealingOptions {
  cache?: DataKeyCache;
  /**
   * Keyed hash of one custom attribute value (`contact.attributes`). The raw
   * store keeps these hashes in the clear so `findSubjectsByAttribute` still
   * finds a customer number; the values themselves are sealed.
   */
  attributeHash?: (name: string, value: string) => string;
}

export interface SubjectSealing {
  /** The row as a raw store should persist it: a data key (new if none), sealed fields. */
  seal(record: SubjectRecord): SubjectRecord;
  /** A new profile of an existing row, sealed under the row's wrapped key. */
  sealProfile(id: string, wrapped: string, profile: SubjectProfile): SubjectProfile;
  /**
   * The row as services see it: sealed fields decrypt on first access.
   * `onUnwrap` is called once, when the row's data key is first unwrapped.
   */
  open(record: SubjectRecord, onUnwrap?: (id: string, wrapped: string) => void): SubjectRecord;
  /** Consent events as a raw store should persist them (IP and user agent sealed). */
  sealEvents(wrapped: string, events: readonly ConsentEvent[]): ConsentEvent[];
  /** True when any of the events holds a sealed proof field (so its owner's key is needed). */
  hasSealedProof(event: ConsentEvent): boolean;
  /** An event as services see it; `wrapped` is the owner's wrapped key (undefined: erased). */
  openEvent(event: ConsentEvent, wrapped: string | undefined): ConsentEvent;
  /** The clear index value of one attribute (what `findSubjectsByAttribute` matches). */
  attributeIndex(name: string, value: string): string;
  /** Forget the person's unwrapped key (erasure). */
  evict(id: string): void;
}

function pathOf(path: readonly string[]): string {
  return path.join('.');
}

export function createSubjectSealing(
  ring: DataKeyRing,
  options: SubjectSealingOptions = {},
): SubjectSealing {
  const cache = options.cache ?? new DataKeyCache();
  const attributeHash = options.attributeHash;

  function unwrap(id: string, wrapped: string): KeyObject {
    const cached = cache.get(id, wrapped);
    if (cached) return cached;
    const key = ring.unwrap(wrapped, id);
    cache.set(id, wrapped, key);
    return key;
  }

  function keyFor(record: SubjectRecord): { key: KeyObject; wrapped: string } {
    if (record.dataKey === undefined) {
      const fresh = ring.newDataKey(record.id);
      cache.set(record.id, fresh.wrapped, fresh.key);
      return fresh;
    }
    return { key: unwrap(record.id, record.dataKey), wrapped: record.dataKey };
  }

  function attributeIndex(name: string, value: string): string {
    return attributeHash ? attributeHash(name, value) : value;
  }

  function sealProfileWith(key: KeyObject, id: string, profile: SubjectProfile): SubjectProfile {
    // Copies along each sealed path only: the rest of the profile is shared as given.
    const clear: Record<string, unknown> = { ...profile };
    delete clear.sealed;
    const secret: Record<string, unknown> = {};
    for (const path of SEALED_PROFILE_PATHS) {
      let parent: Record<string, unknown> | undefined = clear;
      for (let i = 0; i < path.length - 1 && parent; i++) {
        const child: unknown = parent[path[i]!];
        if (typeof child !== 'object' || child === null || Array.isArray(child)) {
          parent = undefined;
          break;
        }
        const copy = { ...(child as Record<string, unknown>) };
        parent[path[i]!] = copy;
        parent = copy;
      }
      const leaf = path[path.length - 1]!;
      if (!parent || parent[leaf] === undefined) continue;
      const value = parent[leaf];
      secret[pathOf(path)] = value;
      if (pathOf(path) === 'contact.attributes' && value && typeof value === 'object') {
        // The blind index stays, so imports keyed on a customer number still match.
        const index: Record<string, string> = {};
        for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
          if (typeof v === 'string') index[name] = attributeIndex(name, v);
        }
        parent[leaf] = index;
      } else {
        delete parent[leaf];
      }
    }
    sealSourceProofs(key, id, clear);
    const keys = Object.keys(secret);
    if (keys.length === 0) return clear as SubjectProfile;
    const blob: SealedProfileBlob = {
      keys,
      value: sealField(key, JSON.stringify(secret), fieldContext('subjects', id, 'profile')),
    };
    return { ...clear, sealed: blob } as SubjectProfile;
  }

  /**
   * The proof reference of each import source (`contact.sources[].proof`: a
   * form id, a paper number, typed about this one person) sealed in place,
   * each under the row's data key: the sources stay an array whose labels
   * the segment columns read in the clear. `clear` is the sealing copy.
   */
  function sealSourceProofs(key: KeyObject, id: string, clear: Record<string, unknown>): void {
    const contact = clear.contact as Record<string, unknown> | undefined;
    const sources = contact?.sources;
    if (!Array.isArray(sources)) return;
    if (!sources.some((source) => typeof source?.proof === 'string' && !isSealed(source.proof))) {
      return;
    }
    clear.contact = {
      ...contact,
      sources: sources.map((source: Record<string, unknown>) =>
        typeof source?.proof === 'string' && !isSealed(source.proof)
          ? {
              ...source,
              proof: sealField(key, source.proof, fieldContext('subjects', id, SOURCE_PROOF)),
            }
          : source,
      ),
    };
  }

  /** The sources of an opened profile with each sealed proof decrypted on first read. */
  function openSourceProofs(
    stored: SubjectProfile,
    profile: SubjectProfile,
    dataKey: RowKey,
  ): SubjectProfile {
    const contact = profile.contact as (ContactFacts & Record<string, unknown>) | undefined;
    const sources = contact?.sources;
    if (!Array.isArray(sources) || !sources.some((source) => isSealed(source?.proof))) {
      return profile;
    }
    const opened = sources.map((source) => {
      const proof = source?.proof;
      if (!isSealed(proof)) return source;
      const copy = { ...source };
      lazyField(copy, 'proof', proof, () =>
        openField(dataKey.get(), proof, fieldContext('subjects', dataKey.id, SOURCE_PROOF)),
      );
      return copy;
    });
    // The containers are copied unless they already are this read's own copies
    // (a container holding sealed leaves: copying it would decrypt them).
    const own = profile === stored ? { ...profile } : profile;
    if (contact && Object.hasOwn(contact, SEALED_LEAVES)) {
      contact.sources = opened;
    } else {
      own.contact = { ...contact!, sources: opened };
    }
    return own;
  }

  function openProfile(
    stored: SubjectProfile & { sealed?: SealedProfileBlob },
    dataKey: RowKey,
  ): SubjectProfile {
    return openSourceProofs(stored, openSealedLeaves(stored, dataKey), dataKey);
  }

  function openSealedLeaves(
    stored: SubjectProfile & { sealed?: SealedProfileBlob },
    dataKey: RowKey,
  ): SubjectProfile {
    // Nothing sealed: the stored profile as it is. Stores hand out fresh
    // objects, or read-only views (`readSendFacts`), exactly as without this layer.
    if (!Object.hasOwn(stored, 'sealed')) return stored;
    // One copy of the stored profile (the rest without the blob); the caller may edit it.
    const { sealed, ...clear } = stored;
    if (!sealed) return clear as SubjectProfile;
    const profile = clear as Record<string, unknown>;
    // The blob is decrypted once, at the first read of any of its leaves.
    const state: SealedLeavesState = { key: dataKey, value: sealed.value };
    // Each container is copied once: copying it again would read (and so
    // decrypt) the getters already placed on it. Top-level leaves (name,
    // phone: the common case) need no container and no map.
    let copied: Map<string, Record<string, unknown>> | undefined;
    for (const dotted of sealed.keys) {
      let parent: Record<string, unknown> = profile;
      let leaf = dotted;
      if (dotted.includes('.')) {
        copied ??= new Map([['', profile]]);
        const path = dotted.split('.');
        for (let i = 0; i < path.length - 1; i++) {
          const prefix = path.slice(0, i + 1).join('.');
          let copy = copied.get(prefix);
          if (!copy) {
            const child: unknown = parent[path[i]!];
            copy = typeof child === 'object' && child !== null ? { ...(child as object) } : {};
            parent[path[i]!] = copy;
            copied.set(prefix, copy);
          }
          parent = copy;
        }
        leaf = path[path.length - 1]!;
      }
      if (!Object.hasOwn(parent, SEALED_LEAVES)) {
        Object.defineProperty(parent, SEALED_LEAVES, { value: state });
      }
      Object.defineProperty(parent, leaf, LEAF_DESCRIPTORS.get(dotted) ?? leafDescriptor(dotted));
    }
    return profile as SubjectProfile;
  }

  function lazyField<T extends object>(
    target: T,
    name: string,
    stored: string,
    read: () => string,
  ): void {
    let value: { v: string } | undefined;
    Object.defineProperty(target, name, {
      enumerable: true,
      configurable: true,
      get: () => {
        value ??= { v: isSealed(stored) ? read() : stored };
        return value.v;
      },
      set: (v: string) => {
        value = { v };
      },
    });
  }

  const sealing: SubjectSealing = {
    seal(record) {
      const { key, wrapped } = keyFor(record);
      return {
        ...record,
        email: isSealed(record.email)
          ? record.email
          : sealField(key, record.email, fieldContext('subjects', record.id, 'email')),
        profile: sealProfileWith(key, record.id, record.profile),
        dataKey: wrapped,
      };
    },

    sealProfile(id, wrapped, profile) {
      return sealProfileWith(unwrap(id, wrapped), id, profile);
    },

    open(record, onUnwrap) {
      if (record.dataKey === undefined) return record;
      const key = new RowKey(record.id, record.dataKey, unwrap, onUnwrap);
      const profile = openProfile(
        record.profile as SubjectProfile & { sealed?: SealedProfileBlob },
        key,
      );
      return new OpenedSubject(record, key, profile);
    },

    sealEvents(wrapped, events) {
      return events.map((event) => {
        if (SEALED_PROOF_FIELDS.every((f) => event.proof[f] === undefined)) return event;
        const key = unwrap(event.subjectId, wrapped);
        const proof = { ...event.proof };
        for (const field of SEALED_PROOF_FIELDS) {
          const value = proof[field];
          if (value === undefined || isSealed(value)) continue;
          proof[field] = sealField(key, value, fieldContext('consent_events', event.id, field));
        }
        return { ...event, proof };
      });
    },

    hasSealedProof(event) {
      return SEALED_PROOF_FIELDS.some((f) => isSealed(event.proof[f]));
    },

    openEvent(event, wrapped) {
      if (!sealing.hasSealedProof(event)) return event;
      let key: KeyObject | undefined;
      const proof = { ...event.proof };
      for (const field of SEALED_PROOF_FIELDS) {
        const stored = event.proof[field];
        if (stored === undefined) continue;
        lazyField(proof, field, stored, () => {
          if (wrapped === undefined) {
            throw new GdprMailError(
              'CIPHERTEXT_INVALID',
              `A consent proof's ${field} does not open: its person's data key is gone (erased).`,
              { details: { table: 'consent_events', column: field } },
            );
          }
          key ??= unwrap(event.subjectId, wrapped);
          return openField(key, stored, fieldContext('consent_events', event.id, field));
        });
      }
      return { ...event, proof };
    },

    attributeIndex,

    evict(id) {
      cache.delete(id);
    },
  };
  return sealing;
}
