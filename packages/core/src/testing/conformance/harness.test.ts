import type { RunnerTestSuite } from 'vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../store/memory-store.js';
import type { GdprStore } from '../../store/store-types.js';
import { runConsentConformance } from './consent.js';
import { unknownSkips } from './harness.js';
import { runSuppressionConformance } from './suppression.js';

type Task = RunnerTestSuite['tasks'][number];
function outcomes(
  tasks: readonly Task[],
  out = new Map<string, { state?: string; note?: string }>(),
) {
  for (const task of tasks) {
    if (task.type === 'suite') outcomes(task.tasks, out);
    else {
      // The skip note is on the result at run time, not in its public type.
      const result = task.result as { state?: string; note?: string } | undefined;
      out.set(task.name, { state: result?.state, note: result?.note });
    }
  }
  return out;
}

/** The memory store as a store without the optional `readSendFacts` would look. */
function withoutSendFacts(store: MemoryStore): GdprStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'readSendFacts') return undefined;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

// A store author runs one aggregate's suite alone, with opt-outs; each opted-out
// test is reported skipped with its id and reason, the rest run.
describe('conformance suites run alone, with per-test opt-outs', () => {
  runSuppressionConformance('memory (alone)', () => new MemoryStore());
  runConsentConformance('memory (opt-outs)', () => new MemoryStore(), {
    capabilities: { concurrency: false },
    skip: { 'consent.notice-once': 'demonstrates a skip by id' },
  });
  // Without readSendFacts, the capability is detected as missing.
  runConsentConformance('memory without readSendFacts', () => withoutSendFacts(new MemoryStore()), {
    skip: { 'consent.concurrent-chain': 'kept short', 'consent.pending-single-use': 'kept short' },
  });

  // biome-ignore lint/correctness/noEmptyPattern: vitest hands the suite as 2nd argument, the 1st must be destructured
  afterAll(({}, suite) => {
    const results = outcomes((suite as RunnerTestSuite).tasks);
    expect(results.get('keeps suppression entries idempotent and removable')?.state).toBe('pass');
    // Names repeat across the runs: read each run's suite on its own.
    const suites = (suite as RunnerTestSuite).tasks.filter((t) => t.type === 'suite');
    const optOuts = outcomes((suites[1] as RunnerTestSuite).tasks);
    expect(optOuts.get('stores each notice text once by hash')).toEqual({
      state: 'skip',
      note: 'consent.notice-once: demonstrates a skip by id',
    });
    expect(
      optOuts.get('accepts a nonce once, even under concurrency, and purges expired ones'),
    ).toEqual({
      state: 'skip',
      note: 'consent.nonce-single-use: the store does not offer concurrency',
    });
    expect(optOuts.get('keeps ledger order and filters by purpose')?.state).toBe('pass');
    const noFacts = outcomes((suites[2] as RunnerTestSuite).tasks);
    expect(
      noFacts.get('reads the send facts of an address in one call, where it offers readSendFacts'),
    ).toEqual({ state: 'skip', note: 'consent.send-facts: the store does not offer sendFacts' });
    expect(noFacts.get('keeps ledger order and filters by purpose')?.state).toBe('pass');
  });
});

describe('options.skip', () => {
  it('names mistyped ids of an aggregate, which the suite then reports as failed tests', () => {
    const known = new Set(['consent.stale-head', 'consent.notice-once']);
    const skip = { 'consent.notice-once': 'ok', 'consent.notice-onse': 'typo', 'audit.x': 'other' };
    // Ids of other aggregates are left to their own suite.
    expect(unknownSkips('consent', known, skip)).toEqual(['consent.notice-onse']);
    expect(unknownSkips('consent', known)).toEqual([]);
  });
});
