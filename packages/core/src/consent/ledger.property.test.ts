import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';
import type { ConsentEvent, ConsentEventType } from './consent-event.js';
import { ALL_PURPOSES, CONSENT_EVENT_TYPES } from './consent-event.js';
import type { ConsentStatus } from './ledger.js';
import { deriveConsentState, hashConsentEvent, verifyConsentChain } from './ledger.js';

/** The reference model: the state machine written out as a plain table. */
const MODEL: Record<ConsentStatus, Record<ConsentEventType, ConsentStatus>> = {
  none: {
    requested: 'pending',
    confirmed: 'none',
    granted: 'granted',
    withdrawn: 'withdrawn',
    objected: 'objected',
    expired: 'none',
  },
  pending: {
    requested: 'pending',
    confirmed: 'granted',
    granted: 'granted',
    withdrawn: 'withdrawn',
    objected: 'objected',
    expired: 'expired',
  },
  granted: {
    requested: 'granted',
    confirmed: 'granted',
    granted: 'granted',
    withdrawn: 'withdrawn',
    objected: 'objected',
    expired: 'expired',
  },
  withdrawn: {
    requested: 'pending',
    confirmed: 'withdrawn',
    granted: 'granted',
    withdrawn: 'withdrawn',
    objected: 'objected',
    expired: 'withdrawn',
  },
  objected: {
    requested: 'pending',
    confirmed: 'objected',
    granted: 'granted',
    withdrawn: 'withdrawn',
    objected: 'objected',
    expired: 'objected',
  },
  expired: {
    requested: 'pending',
    confirmed: 'expired',
    granted: 'granted',
    withdrawn: 'withdrawn',
    objected: 'objected',
    expired: 'expired',
  },
};

function model(
  steps: readonly { type: ConsentEventType; purposeId: string }[],
  purposeId: string,
): ConsentStatus {
  return steps
    .filter((s) => s.purposeId === purposeId || s.purposeId === ALL_PURPOSES)
    .reduce<ConsentStatus>((status, step) => MODEL[status][step.type], 'none');
}

const PURPOSES = ['newsletter', 'partners', ALL_PURPOSES];

function buildLedger(
  steps: readonly { type: ConsentEventType; purposeId: string }[],
): ConsentEvent[] {
  let prevHash: string | null = null;
  return steps.map((step, i) => {
    const unhashed = {
      id: `e${i}`,
      subjectId: 's1',
      seq: i + 1,
      type: step.type,
      purposeId: step.purposeId,
      at: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
      proof: { source: 'prop', method: 'api' as const, actor: 'test', noticeVersion: `${i}.0` },
      prevHash,
    };
    const event = { ...unhashed, hash: hashConsentEvent(unhashed) };
    prevHash = event.hash;
    return event;
  });
}

const stepArb = fc.record({
  type: fc.constantFrom(...CONSENT_EVENT_TYPES),
  purposeId: fc.constantFrom(...PURPOSES),
});

describe('consent ledger properties', () => {
  it('any sequence of events derives the same state as the reference model', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => {
        const ledger = buildLedger(steps);
        for (const purposeId of ['newsletter', 'partners']) {
          const state = deriveConsentState(ledger, purposeId);
          expect(state.status).toBe(model(steps, purposeId));
          if (state.status === 'none') expect(state.since).toBeUndefined();
          else expect(state.since).toBeInstanceOf(Date);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('editing, dropping or swapping any event breaks the chain at that event', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 2, maxLength: 20 }),
        fc.nat(),
        fc.constantFrom('edit', 'drop', 'swap'),
        (steps, pick, how) => {
          const ledger = buildLedger(steps);
          expect(verifyConsentChain(ledger)).toEqual({ ok: true });
          const i = pick % (ledger.length - 1);
          const broken = [...ledger];
          if (how === 'edit')
            broken[i] = { ...ledger[i]!, proof: { ...ledger[i]!.proof, source: 'forged' } };
          if (how === 'drop') broken.splice(i, 1);
          if (how === 'swap') [broken[i], broken[i + 1]] = [ledger[i + 1]!, ledger[i]!];
          const result = verifyConsentChain(broken);
          expect(result.ok).toBe(false);
          expect(result.brokenAt).toBe(how === 'edit' ? i + 1 : how === 'drop' ? i + 2 : i + 2);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the service and the model agree over random operation sequences', async () => {
    type Op =
      | { kind: 'grant'; purpose: string }
      | { kind: 'withdraw'; purpose: string }
      | { kind: 'withdraw-all' }
      | { kind: 'object' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('grant' as const),
        purpose: fc.constantFrom('newsletter', 'partners'),
      }),
      fc.record({
        kind: fc.constant('withdraw' as const),
        purpose: fc.constantFrom('newsletter', 'partners'),
      }),
      fc.constant({ kind: 'withdraw-all' as const }),
      fc.constant({ kind: 'object' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 12 }), async (ops) => {
        const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
        const email = 'prop@example.org';
        const steps: { type: ConsentEventType; purposeId: string }[] = [];
        // The service writes no event that would not change anything: nothing for an
        // address not on file (only a suppression hash), no second withdrawal or
        // objection with nothing granted since, and no withdrawal on top of an objection.
        // A repeated "unsubscribe from all" withdraws, one by one, what was granted since
        // (REQ-10); a repeated objection objects again if anything was (REQ-11).
        const open = (purposeId: string) =>
          !['withdrawn', 'objected'].includes(model(steps, purposeId));
        let onFile = false;
        for (const op of ops) {
          if (op.kind === 'grant') onFile = true;
          if (op.kind === 'grant') {
            await gdpr.consent.record({
              email,
              purposes: [op.purpose],
              evidence: checkboxEvidence,
            });
            steps.push({ type: 'granted', purposeId: op.purpose });
          } else if (op.kind === 'withdraw') {
            await gdpr.consent.withdraw({
              email,
              purposes: [op.purpose],
              evidence: { source: 'p' },
            });
            if (onFile && open(op.purpose)) {
              steps.push({ type: 'withdrawn', purposeId: op.purpose });
            }
          } else if (op.kind === 'withdraw-all') {
            await gdpr.consent.withdraw({ email, purposes: 'all', evidence: { source: 'p' } });
            if (onFile && open(ALL_PURPOSES)) {
              steps.push({ type: 'withdrawn', purposeId: ALL_PURPOSES });
            } else if (onFile) {
              for (const purposeId of ['newsletter', 'partners']) {
                if (model(steps, purposeId) === 'granted')
                  steps.push({ type: 'withdrawn', purposeId });
              }
            }
          } else {
            await gdpr.consent.object({ email, evidence: { source: 'p' } });
            const objected = (id: string) => model(steps, id) === 'objected';
            if (onFile && ![ALL_PURPOSES, 'newsletter', 'partners'].every(objected)) {
              steps.push({ type: 'objected', purposeId: ALL_PURPOSES });
            }
          }
        }
        for (const purposeId of ['newsletter', 'partners']) {
          expect((await gdpr.consent.state(email, purposeId)).status).toBe(model(steps, purposeId));
        }
        const history = await gdpr.consent.history(email);
        expect(verifyConsentChain(history)).toEqual({ ok: true });
      }),
      { numRuns: 150 },
    );
  });
});
