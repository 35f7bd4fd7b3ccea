import { randomUUID } from 'node:crypto';
import type { TestContext } from 'vitest';
import { afterEach, beforeEach, describe, it } from 'vitest';
import type { GdprStore, SubjectRecord } from '../../store/store-types.js';

/**
 * What a store may not offer. A test that needs a capability the store lacks
 * is reported as skipped, with the reason, instead of failing.
 *
 * - `concurrency`: tests that race many callers against one key (one subject
 *   per email hash, single-use opt-ins and nonces, one chain under concurrent
 *   writers). Default true: every store shared by more than one caller must
 *   pass them; opt out only for a store used by one caller at a time.
 * - `rangeReads`: `listConsentEventsInRange`. Default: whether the store has it.
 * - `sendFacts`: `readSendFacts`. Default: whether the store has it.
 * - `auditTrail`: `listAuditForSubjects`. Default: whether the store has it.
 * - `segments`: `setSubjectSegments` and audience pages narrowed to a segment
 *   (issue #22). Default true; a store without segment support yet opts out
 *   (core re-checks every page, so it stays correct, only slower).
 *
 * Declaring a capability true forces its tests to run (and fail if missing).
 */
export interface StoreCapabilities {
  concurrency?: boolean;
  rangeReads?: boolean;
  sendFacts?: boolean;
  segments?: boolean;
  auditTrail?: boolean;
}
export type StoreCapability = keyof StoreCapabilities;

export interface StoreConformanceOptions {
  /** Called after each test with the store it made. Defaults to `store.close()`. */
  teardown?: (store: GdprStore) => Promise<void>;
  /**
   * Raw access to the store's audit rows, around its API, as an attacker or a
   * careless admin would have it. When given, the tamper tests run (REQ-32).
   */
  auditTamper?: (store: GdprStore) => AuditTamper;
  /** Capabilities the store offers or not (see `StoreCapabilities`). */
  capabilities?: StoreCapabilities;
  /**
   * Tests to skip, by id (e.g. `'consent.nonce-single-use'`), each with the
   * reason shown in the report. Ids are listed in docs/guides and printed in
   * each test's skip note; a skip is a known gap, not a pass.
   */
  skip?: Readonly<Record<string, string>>;
}

/** Edits audit rows behind the store's back. */
export interface AuditTamper {
  /** Changes a recorded field of entry `seq`, leaving its hash as it was. */
  alter(seq: number): Promise<void>;
  /** Deletes entry `seq`. */
  remove(seq: number): Promise<void>;
  /** Swaps the positions of two entries (their seq values). */
  swap(a: number, b: number): Promise<void>;
}

export type StoreFactory = () => GdprStore | Promise<GdprStore>;

export function subjectRecord(overrides: Partial<SubjectRecord> = {}): SubjectRecord {
  const at = new Date('2026-01-15T10:00:00.000Z');
  return {
    id: randomUUID(),
    emailHash: randomUUID().replaceAll('-', ''),
    email: `${randomUUID()}@example.test`,
    createdAt: at,
    updatedAt: at,
    profile: {},
    ...overrides,
  };
}

export const proof = { source: 'conformance', method: 'api' as const, actor: 'test' };

function offers(capability: StoreCapability, store: GdprStore, options: StoreConformanceOptions) {
  const declared = options.capabilities?.[capability];
  if (declared !== undefined) return declared;
  switch (capability) {
    case 'concurrency':
    case 'segments':
      return true;
    case 'rangeReads':
      return typeof store.listConsentEventsInRange === 'function';
    case 'sendFacts':
      return typeof store.readSendFacts === 'function';
    case 'auditTrail':
      return typeof store.listAuditForSubjects === 'function';
  }
}

/**
 * Every suite's aggregate, the namespaces of test ids. A suite checks the ids of
 * its own namespace; an id in none of them (`consnet.…`, a bare `notice-once`)
 * names no test anywhere, and would otherwise be ignored by every suite.
 */
export const AGGREGATES: readonly string[] = [
  'subjects',
  'consent',
  'suppression',
  'audience',
  'segments',
  'audit',
  'deliveries',
  'dsar',
  'documents',
  'outbox',
  'transactions',
];

/** Ids of `skip` whose prefix is no aggregate's: they can name no test of any suite. */
export function foreignSkips(skip: Readonly<Record<string, string>> = {}): string[] {
  return Object.keys(skip).filter((id) => !AGGREGATES.some((a) => id.startsWith(`${a}.`)));
}

/**
 * Options handed to the suites by `runStoreConformance`, which reports foreign ids
 * once for the whole run: its suites leave them alone (else each of them would).
 */
const combinedRuns = new WeakSet<StoreConformanceOptions>();

/** A copy of `options` whose suites leave foreign skip ids to the caller. */
export function forCombinedRun(options: StoreConformanceOptions): StoreConformanceOptions {
  const copy = { ...options };
  combinedRuns.add(copy);
  return copy;
}

/** Registers one failing test per id that names no test, so a typo cannot pass unseen. */
export function failUnknownSkips(ids: readonly string[], explain: (id: string) => string): void {
  for (const id of ids) {
    it(`options.skip names a known test (${id})`, () => {
      throw new Error(explain(id));
    });
  }
}

/** Ids of `skip` in this aggregate's namespace (`consent.…`) that name no test of it. */
export function unknownSkips(
  aggregate: string,
  known: ReadonlySet<string>,
  skip: Readonly<Record<string, string>> = {},
): string[] {
  return Object.keys(skip).filter((id) => id.startsWith(`${aggregate}.`) && !known.has(id));
}

export type ConformanceTest = (
  id: string,
  title: string,
  body: () => Promise<void>,
  options?: { requires?: StoreCapability },
) => void;

/**
 * One aggregate's suite: a fresh store per test from `makeStore`, and a `test`
 * that honours the opt-outs. `define` registers the tests, reading the current
 * store through `store()`.
 */
export function conformanceSuite(
  aggregate: string,
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions,
  define: (test: ConformanceTest, store: () => GdprStore) => void,
): void {
  if (!AGGREGATES.includes(aggregate)) {
    // Keeps AGGREGATES complete: an id of a suite missing there would be reported foreign.
    throw new Error(`Conformance aggregate "${aggregate}" is missing from AGGREGATES.`);
  }
  describe(`GdprStore conformance: ${name} / ${aggregate}`, () => {
    let current: GdprStore | undefined;
    const store = () => {
      if (!current) throw new Error('The conformance store is made in beforeEach.');
      return current;
    };
    beforeEach(async () => {
      current = await makeStore();
    });
    afterEach(async () => {
      const made = current;
      current = undefined;
      if (made) await (options.teardown ? options.teardown(made) : made.close());
    });
    const ids = new Set<string>();
    const test: ConformanceTest = (id, title, body, testOptions = {}) => {
      ids.add(id);
      it(title, async (ctx: TestContext) => {
        const reason = options.skip?.[id];
        if (reason !== undefined) ctx.skip(`${id}: ${reason}`);
        const { requires } = testOptions;
        if (requires && !offers(requires, store(), options)) {
          ctx.skip(`${id}: the store does not offer ${requires}`);
        }
        await body();
      });
    };
    define(test, store);
    // A mistyped id would silently run the test it meant to skip: fail instead.
    failUnknownSkips(
      unknownSkips(aggregate, ids, options.skip),
      (id) => `options.skip names ${id}, which is no ${aggregate} test.`,
    );
    // Run alone, the suite is the only one to see an id outside every namespace.
    if (!combinedRuns.has(options)) {
      failUnknownSkips(
        foreignSkips(options.skip),
        (id) => `options.skip names ${id}, which is no test of any conformance suite.`,
      );
    }
  });
}
