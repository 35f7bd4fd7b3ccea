import type { ConsentEvent } from '../consent/consent-event.js';
import { BoundedMap } from '../crypto/bounded-map.js';
import type { DataKeyRing } from '../crypto/data-key-ring.js';
import { loadDataKeyRing } from '../crypto/data-key-ring.js';
import type { KeyProvider } from '../crypto/key-provider.js';
import type { SubjectSealing } from '../crypto/subject-sealing.js';
import { createSubjectSealing, DataKeyCache } from '../crypto/subject-sealing.js';
import { checkAuditAppend, checkConsentAppend } from './integrity-checks.js';
import type { GdprStore, SendFacts, StoreOperations, SubjectRecord } from './store-types.js';

/**
 * The layer that keeps personal data out of every store in the clear (issue
 * #18, REQ-34), and checks the integrity of the consent ledger and the audit
 * chain before anything is written (`integrity-checks.ts`, REQ-05, REQ-32). Services talk to this wrapper; the store underneath persists
 * ciphertext and keyed hashes only, so a store written by someone else (a
 * Prisma or Drizzle one) gets encryption without knowing about it.
 *
 * Each person's fields are sealed under their own data key, kept wrapped in
 * their row: deleting the row is crypto-shredding, since every copy of the
 * row's other data (dead tuples, WAL, replicas, backups) is useless without it.
 */
export interface EncryptedStoreOptions {
  keyProvider: KeyProvider;
  /** Keyed hash of a custom attribute value (the blind index of `findSubjectsByAttribute`). */
  attributeHash?: (name: string, value: string) => string;
  /** Unwrapped data keys kept in memory (default 10,000). */
  keyCacheSize?: number;
}

export interface EncryptedStore extends GdprStore {
  /** The store underneath, which holds only ciphertext. */
  readonly raw: GdprStore;
  /** The key ring, loaded from the provider at the first operation. */
  keyRing(): Promise<DataKeyRing>;
}

export function isEncryptedStore(store: GdprStore): store is EncryptedStore {
  return typeof (store as Partial<EncryptedStore>).keyRing === 'function';
}

/** How many wrapped keys (short strings) to remember by subject id for reading events. */
const WRAPPED_KEYS_REMEMBERED = 50_000;

/** Every method of an object, bound, including those on its prototype chain. */
function boundMethods<T extends object>(target: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (
    let proto: object | null = target;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name in out) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (!descriptor || descriptor.get) continue;
      // Read through the target itself: a Proxy around a store keeps its traps.
      const value: unknown = Reflect.get(target, name);
      if (typeof value === 'function') {
        out[name] = (value as (...args: unknown[]) => unknown).bind(target);
      }
    }
  }
  return out;
}

export function createEncryptedStore(
  raw: GdprStore,
  options: EncryptedStoreOptions,
): EncryptedStore {
  let ringPromise: Promise<DataKeyRing> | undefined;
  let sealingPromise: Promise<SubjectSealing> | undefined;
  const cache = new DataKeyCache(options.keyCacheSize ?? 10_000);
  const wrappedKeys = new BoundedMap<string, string>(WRAPPED_KEYS_REMEMBERED);

  const keyRing = () => (ringPromise ??= loadDataKeyRing(options.keyProvider));
  const sealing = () =>
    (sealingPromise ??= keyRing().then((ring) =>
      createSubjectSealing(ring, {
        cache,
        ...(options.attributeHash ? { attributeHash: options.attributeHash } : {}),
      }),
    ));
  /** The sealing once loaded: the hot read path skips a promise when it is. */
  let loaded: SubjectSealing | undefined;
  // A failed load (KMS unreachable) is not cached: the next operation asks again.
  const ready = async (): Promise<SubjectSealing> => {
    try {
      loaded = await sealing();
      return loaded;
    } catch (error) {
      ringPromise = undefined;
      sealingPromise = undefined;
      throw error;
    }
  };

  // Oldest first out, in O(1): a plain Map's oldest-entry eviction made every
  // audience page row cost about 25 µs once 50,000 were remembered (bounded-map.ts).
  function rememberWrapped(id: string, wrapped: string): void {
    wrappedKeys.set(id, wrapped);
  }

  function remember(record: SubjectRecord): void {
    if (record.dataKey !== undefined) rememberWrapped(record.id, record.dataKey);
  }

  function forget(id: string, s: SubjectSealing): void {
    wrappedKeys.delete(id);
    s.evict(id);
  }

  function openSubject(s: SubjectSealing, record: SubjectRecord): SubjectRecord;
  function openSubject(
    s: SubjectSealing,
    record: SubjectRecord | undefined,
  ): SubjectRecord | undefined;
  function openSubject(s: SubjectSealing, record: SubjectRecord | undefined) {
    if (!record) return record;
    remember(record);
    return s.open(record);
  }

  /**
   * Rows of a list (audience pages, imports): their wrapped keys are remembered
   * only once a row is decrypted (its address read, say), when its events are
   * likely read next. Remembering all 600,000 rows of an audience scan, most
   * never decrypted, cost more than the rest of the wrapper.
   */
  function openListed(s: SubjectSealing, records: readonly SubjectRecord[]): SubjectRecord[] {
    return records.map((record) => s.open(record, rememberWrapped));
  }

  async function wrappedOf(ops: StoreOperations, id: string): Promise<string | undefined> {
    const known = wrappedKeys.get(id);
    if (known !== undefined) return known;
    const row = await ops.getSubject(id);
    if (row) remember(row);
    return row?.dataKey;
  }

  /** Opens events of any subjects, fetching only the wrapped keys not already at hand. */
  async function openEvents(
    s: SubjectSealing,
    ops: StoreOperations,
    events: readonly ConsentEvent[],
  ): Promise<ConsentEvent[]> {
    const keys = new Map<string, string | undefined>();
    for (const event of events) {
      if (!s.hasSealedProof(event) || keys.has(event.subjectId)) continue;
      keys.set(event.subjectId, await wrappedOf(ops, event.subjectId));
    }
    if (keys.size === 0) return events as ConsentEvent[];
    return events.map((event) => s.openEvent(event, keys.get(event.subjectId)));
  }

  function wrapOps(ops: StoreOperations): StoreOperations {
    const overrides: Partial<StoreOperations> = {
      async createSubject(subject) {
        const s = await ready();
        return openSubject(s, await ops.createSubject(s.seal(subject)));
      },
      async findSubjectByEmailHash(emailHash) {
        const s = await ready();
        return openSubject(s, await ops.findSubjectByEmailHash(emailHash));
      },
      async getSubject(id) {
        const s = await ready();
        return openSubject(s, await ops.getSubject(id));
      },
      async updateSubjectProfile(id, profile, at) {
        const s = await ready();
        const wrapped = await wrappedOf(ops, id);
        const stored = wrapped === undefined ? profile : s.sealProfile(id, wrapped, profile);
        return openSubject(s, await ops.updateSubjectProfile(id, stored, at));
      },
      async deleteSubject(id) {
        const s = await ready();
        forget(id, s);
        return ops.deleteSubject(id);
      },
      async deleteSubjects(ids) {
        const s = await ready();
        for (const id of ids) forget(id, s);
        return ops.deleteSubjects(ids);
      },
      async replaceSubjectDataKeys(changes) {
        const updated = await ops.replaceSubjectDataKeys(changes);
        for (const change of changes) wrappedKeys.delete(change.id);
        return updated;
      },
      async appendConsentEvents(subjectId, expectedHead, events) {
        // Integrity first, on the clear events: the hashes cover the proof before sealing.
        checkConsentAppend(subjectId, expectedHead, events);
        const s = await ready();
        const personal = events.some(
          (e) => e.proof.ip !== undefined || e.proof.userAgent !== undefined,
        );
        const wrapped = personal ? await wrappedOf(ops, subjectId) : undefined;
        // No wrapped key: the subject is unknown (the store refuses the append
        // itself) or a row from before encryption, whose data stays as it was.
        return ops.appendConsentEvents(
          subjectId,
          expectedHead,
          wrapped === undefined ? events : s.sealEvents(wrapped, events),
        );
      },
      async appendAudit(entry) {
        checkAuditAppend([entry]);
        return ops.appendAudit(entry);
      },
      async appendAuditEntries(entries) {
        checkAuditAppend(entries);
        return ops.appendAuditEntries(entries);
      },
      async listConsentEvents(subjectId, listOptions) {
        const s = await ready();
        return openEvents(s, ops, await ops.listConsentEvents(subjectId, listOptions));
      },
      async listConsentEventsForSubjects(subjectIds) {
        const s = await ready();
        return openEvents(s, ops, await ops.listConsentEventsForSubjects(subjectIds));
      },
      async listAudienceCandidates(query) {
        const s = await ready();
        return openListed(s, await ops.listAudienceCandidates(query));
      },
      async listSubjects(query) {
        const s = await ready();
        return (await ops.listSubjects(query)).map((r) => openSubject(s, r));
      },
      async findSubjectsByEmailHashes(emailHashes) {
        const s = await ready();
        return (await ops.findSubjectsByEmailHashes(emailHashes)).map((r) => openSubject(s, r));
      },
      async findSubjectsByAttribute(name, values) {
        const s = await ready();
        const indexed = values.map((value) => s.attributeIndex(name, value));
        return (await ops.findSubjectsByAttribute(name, indexed)).map((r) => openSubject(s, r));
      },
    };
    if (ops.writeImportBatch) {
      const write = ops.writeImportBatch.bind(ops);
      // The set-based import path: every row and event is sealed here, as
      // createSubject / updateSubjectProfile / appendConsentEvents would, so the
      // store's staging tables never see an address or a personal field.
      overrides.writeImportBatch = async (batch) => {
        for (const run of batch.events) {
          checkConsentAppend(run.subjectId, run.expectedHead, run.events);
        }
        const s = await ready();
        const created = batch.created.map((record) => s.seal(record));
        const createdKeys = new Map(created.map((r) => [r.id, r.dataKey]));
        const updated: typeof batch.updated = [];
        for (const change of batch.updated) {
          const wrapped = await wrappedOf(ops, change.id);
          updated.push({
            id: change.id,
            profile:
              wrapped === undefined
                ? change.profile
                : s.sealProfile(change.id, wrapped, change.profile),
          });
        }
        const events: typeof batch.events = [];
        for (const run of batch.events) {
          const personal = run.events.some(
            (e) => e.proof.ip !== undefined || e.proof.userAgent !== undefined,
          );
          const wrapped = personal
            ? (createdKeys.get(run.subjectId) ?? (await wrappedOf(ops, run.subjectId)))
            : undefined;
          events.push(
            wrapped === undefined ? run : { ...run, events: s.sealEvents(wrapped, run.events) },
          );
        }
        await write({ at: batch.at, created, updated, events });
      };
    }
    return { ...boundMethods(ops), ...overrides } as unknown as StoreOperations;
  }

  const base = wrapOps(raw);
  const store: EncryptedStore = {
    ...(base as unknown as GdprStore),
    kind: raw.kind,
    raw,
    keyRing,
    async transaction(work) {
      await ready();
      return raw.transaction((tx) => work(wrapOps(tx)));
    },
    close: () => raw.close(),
  };
  if (raw.readSendFacts) {
    const read = raw.readSendFacts.bind(raw);
    // Every send decision comes through here. Nothing is opened: a decision
    // reads the subject's id, the clear profile fields and the proofs' clear
    // fields only (see SendFacts), so the facts go through as stored, with no
    // async frame of its own once the key ring is loaded (bench/express, bench/fastify).
    const readSendFacts = (emailHash: string, suppressionHash: string): Promise<SendFacts> =>
      loaded
        ? read(emailHash, suppressionHash)
        : ready().then(() => read(emailHash, suppressionHash));
    store.readSendFacts = readSendFacts;
  } else {
    delete store.readSendFacts;
  }
  if (raw.listConsentEventsInRange) {
    const list = raw.listConsentEventsInRange.bind(raw);
    store.listConsentEventsInRange = async (range) => {
      const s = await ready();
      return openEvents(s, raw, await list(range));
    };
  } else {
    delete store.listConsentEventsInRange;
  }
  // Audit entries hold no sealed field: they go through as stored.
  if (raw.listAuditForSubjects) store.listAuditForSubjects = raw.listAuditForSubjects.bind(raw);
  else delete store.listAuditForSubjects;
  return store;
}
