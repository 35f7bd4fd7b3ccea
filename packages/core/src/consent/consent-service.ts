import { appendAuditEntry } from '../audit/audit-chain.js';
import type { CoreContext } from '../context.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { needsRefresh } from '../policy/needs-refresh.js';
import type { NoticeRecord, StoreOperations } from '../store/store-types.js';
import { withConflictRetry } from '../store/with-conflict-retry.js';
import { normalizeEmail } from '../subjects/normalize-email.js';
import { ensureSubject, findSubject } from '../subjects/subject-service.js';
import { liftOwnUnsubscribeAll, suppressInTx } from '../suppression/suppression-service.js';
import type { ConsentEventDraft } from './append-events.js';
import { appendConsentEvents } from './append-events.js';
import type { ConsentEvent } from './consent-event.js';
import { ALL_PURPOSES } from './consent-event.js';
import type { ConsentEvidence, WithdrawalEvidence } from './evidence.js';
import { buildProof, parseConsentEvidence, parseWithdrawalEvidence } from './evidence.js';
import type { ChainVerification, PurposeConsentState } from './ledger.js';
import { deriveConsentState, verifyConsentChain } from './ledger.js';
import { assertNoticeShown, hashNotice } from './notice.js';

export interface ConsentState extends PurposeConsentState {
  /** Granted, but to an outdated notice or too long ago: not to be relied on (REQ-08). */
  needsRefresh: boolean;
}

export interface RecordConsentInput {
  email: string;
  purposes: readonly string[];
  evidence: ConsentEvidence;
}

export interface ChoicesInput {
  email: string;
  /** One entry per purpose shown, each its own control: true = ticked. */
  choices: Readonly<Record<string, boolean>>;
  evidence: ConsentEvidence | (WithdrawalEvidence & { action?: 'affirmative' });
}

export interface WithdrawInput {
  email: string;
  purposes: readonly string[] | 'all';
  evidence: WithdrawalEvidence;
}

export interface ConsentChangeResult {
  subjectId: string | undefined;
  events: ConsentEvent[];
}

export interface ChoicesResult extends ConsentChangeResult {
  granted: string[];
  withdrawn: string[];
}

export interface ConsentProofBundle {
  subjectId: string;
  purposeId: string;
  state: ConsentState;
  /** Every event that bears on the purpose, in ledger order, with its hash. */
  events: ConsentEvent[];
  /** The exact notice texts the person was shown, by hash. */
  notices: NoticeRecord[];
  /** Verification of the subject's whole ledger. */
  chain: ChainVerification;
}

export interface ConsentService {
  /** Records an affirmative grant for each purpose (REQ-01..05). */
  record(input: RecordConsentInput): Promise<ConsentChangeResult>;
  /** A signup form or preference centre: ticked purposes granted, unticked ones withdrawn if held. */
  choices(input: ChoicesInput): Promise<ChoicesResult>;
  withdraw(input: WithdrawInput): Promise<ConsentChangeResult>;
  /** Art. 21(2)-(3): objection to direct marketing, absolute, for every marketing purpose. */
  object(input: { email: string; evidence: WithdrawalEvidence }): Promise<ConsentChangeResult>;
  state(email: string, purposeId: string): Promise<ConsentState>;
  /**
   * Does this person currently consent to the purpose: granted (confirmed, for double
   * opt-in), not withdrawn, objected or expired, and given to the current notice within
   * `refreshAfter` (REQ-08)? The rule every "only with consent" gate asks, stated once here
   * (`isConsentCurrent`); `canSend` adds suppression, restriction and minors to it.
   */
  isCurrent(email: string, purposeId: string): Promise<boolean>;
  /**
   * Throws CONSENT_REQUIRED (HTTP 403) unless the person's consent to every listed purpose is
   * current, as `isCurrent` says; no address (nobody identified) is a refusal too. The error's
   * `details` name the first purpose refused and its status, never the address.
   */
  assertCurrent(
    email: string | null | undefined,
    purposeIds: string | readonly string[],
  ): Promise<void>;
  states(email: string): Promise<Record<string, ConsentState>>;
  history(email: string): Promise<ConsentEvent[]>;
  prove(email: string, purposeId: string): Promise<ConsentProofBundle>;
}

export function uniquePurposes(ctx: CoreContext, ids: readonly string[]) {
  // A bare string would be read as its letters ("newsletter" → "n", "e", …).
  if (!Array.isArray(ids)) {
    throw new GdprMailError('VALIDATION_FAILED', 'Purposes must be a list of purpose ids.');
  }
  if (ids.length === 0) {
    throw new GdprMailError('VALIDATION_FAILED', 'Name at least one purpose.');
  }
  return [...new Set(ids)].map((id) => ctx.purpose(id));
}

export function assertConsentable(
  ctx: CoreContext,
  ids: readonly string[],
  shown?: Record<string, string>,
) {
  for (const purpose of uniquePurposes(ctx, ids)) {
    if (purpose.lawfulBasis === 'contract' || purpose.lawfulBasis === 'legal-obligation') {
      throw new GdprMailError(
        'VALIDATION_FAILED',
        `Purpose "${purpose.id}" rests on ${purpose.lawfulBasis}, not on consent.`,
        { details: { purposeId: purpose.id } },
      );
    }
    assertNoticeShown(purpose);
    const version = shown?.[purpose.id];
    if (version !== undefined && version !== purpose.notice.version) {
      throw new GdprMailError(
        'NOTICE_VERSION_MISMATCH',
        `The form showed notice ${version} of "${purpose.id}" but the current one is ${purpose.notice.version}: show the current text and ask again.`,
        { details: { purposeId: purpose.id, shown: version, current: purpose.notice.version } },
      );
    }
  }
}

export async function recordNotices(
  ctx: CoreContext,
  ops: StoreOperations,
  ids: readonly string[],
  at: Date,
) {
  for (const id of ids) {
    const { notice } = ctx.purpose(id);
    await ops.putNotice({
      purposeId: id,
      version: notice.version,
      hash: hashNotice(notice.text),
      text: notice.text,
      firstSeenAt: at,
    });
  }
}

/** The one rule: a grant that is neither outdated nor older than `refreshAfter` (REQ-08). */
export function isConsentCurrent(state: ConsentState): boolean {
  return state.status === 'granted' && !state.needsRefresh;
}

/** `isConsentCurrent` over a ledger already loaded: the mailer's pixel and the tracker use it. */
export function isCurrentInLedger(
  ctx: CoreContext,
  events: readonly ConsentEvent[],
  purposeId: string,
): boolean {
  return isConsentCurrent(withState(ctx, events, purposeId));
}

function withState(
  ctx: CoreContext,
  events: readonly ConsentEvent[],
  purposeId: string,
): ConsentState {
  const state = deriveConsentState(events, purposeId);
  return { ...state, needsRefresh: needsRefresh(ctx.purpose(purposeId), state, ctx.now()) };
}

/** The one audit entry of a consent action, written in its transaction (REQ-32). */
async function auditConsent(
  tx: StoreOperations,
  action: string,
  subjectRef: string,
  evidence: { actor: string; reason?: string | undefined },
  details: Record<string, unknown>,
  at: Date,
) {
  await appendAuditEntry(
    tx,
    {
      actor: evidence.actor,
      action,
      subjectRef,
      ...(evidence.reason === undefined ? {} : { reason: evidence.reason }),
      details,
    },
    at,
  );
}

const eventRefs = (events: readonly ConsentEvent[]) => events.map((e) => e.seq);

export function createConsentService(ctx: CoreContext): ConsentService {
  const { store } = ctx;

  async function grantInTx(
    tx: StoreOperations,
    email: string,
    purposeIds: readonly string[],
    evidence: ReturnType<typeof parseConsentEvidence>,
    at: Date,
  ) {
    const subject = await ensureSubject(ctx, tx, email, at);
    await recordNotices(ctx, tx, purposeIds, at);
    const drafts: ConsentEventDraft[] = purposeIds.map((purposeId) => ({
      type: 'granted',
      purposeId,
      proof: buildProof(ctx, evidence, 'checkbox', ctx.purpose(purposeId)),
    }));
    const events = await appendConsentEvents(tx, subject.id, drafts, at);
    // A person who unsubscribed from everything and now opts in again, by their
    // own act, lifts their own "unsubscribe from all"; imports never do.
    let suppressionLifted = false;
    let privacySignalsCleared = false;
    if (isOwnAct(evidence)) {
      suppressionLifted = await liftOwnUnsubscribeAll(ctx, tx, email);
      // REQ-15: a stored DNT / GPC signal is an automated objection to tracking. The
      // person's own tick of a tracking box overrides it; nobody else can speak for them.
      if (subject.profile.privacySignals && purposeIds.some(isTracking)) {
        const { privacySignals: _overridden, ...profile } = subject.profile;
        await tx.updateSubjectProfile(subject.id, profile, at);
        privacySignalsCleared = true;
      }
    }
    return { subject, events, suppressionLifted, privacySignalsCleared };
  }

  const isTracking = (purposeId: string) => ctx.purpose(purposeId).kind === 'tracking';

  async function loadEvents(email: string) {
    const subject = await findSubject(ctx, store, normalizeEmail(email));
    return { subject, events: subject ? await store.listConsentEvents(subject.id) : [] };
  }

  return {
    async record(input) {
      const email = normalizeEmail(input.email);
      const purposeIds = uniquePurposes(ctx, input.purposes).map((p) => p.id);
      const evidence = parseConsentEvidence(input.evidence, purposeIds.length);
      assertConsentable(ctx, purposeIds, evidence.noticeVersions);
      return withConflictRetry(() =>
        store.transaction(async (tx) => {
          const at = ctx.now();
          const granted = await grantInTx(tx, email, purposeIds, evidence, at);
          const { subject, events } = granted;
          await auditConsent(
            tx,
            'consent.granted',
            subject.id,
            evidence,
            {
              purposeIds,
              eventSeqs: eventRefs(events),
              ...(granted.suppressionLifted ? { suppressionLifted: true } : {}),
              ...(granted.privacySignalsCleared ? { privacySignalsCleared: true } : {}),
            },
            at,
          );
          return { subjectId: subject.id, events };
        }),
      );
    },

    async choices(input) {
      const email = normalizeEmail(input.email);
      const given: unknown = input.choices;
      if (typeof given !== 'object' || given === null || Array.isArray(given)) {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          'Choices must be given as { purposeId: true | false }.',
        );
      }
      const entries = Object.entries(input.choices);
      for (const [id, value] of entries) {
        ctx.purpose(id);
        if (typeof value !== 'boolean') {
          throw new GdprMailError('VALIDATION_FAILED', `Choice for "${id}" must be true or false.`);
        }
      }
      const ticked = entries.filter(([, v]) => v).map(([id]) => id);
      const unticked = entries.filter(([, v]) => !v).map(([id]) => id);
      const grantEvidence =
        ticked.length > 0 ? parseConsentEvidence(input.evidence, ticked.length) : undefined;
      if (ticked.length > 0) assertConsentable(ctx, ticked, grantEvidence?.noticeVersions);
      const withdrawEvidence = parseWithdrawalEvidence(stripAffirmative(input.evidence));

      return withConflictRetry(() =>
        store.transaction(async (tx) => {
          const at = ctx.now();
          const subject = await ensureSubject(ctx, tx, email, at);
          const ledger = await tx.listConsentEvents(subject.id);
          const overridesSignal =
            subject.profile.privacySignals !== undefined &&
            grantEvidence !== undefined &&
            isOwnAct(grantEvidence);
          const toGrant = ticked.filter((id) => {
            const state = withState(ctx, ledger, id);
            if (!isConsentCurrent(state) || state.noticeVersion !== ctx.purpose(id).notice.version)
              return true;
            // A tracking box ticked again over a stored DNT / GPC signal: the tick is
            // what lifts the signal, so it goes in the ledger as proof (REQ-05, REQ-15).
            return overridesSignal && isTracking(id);
          });
          const toWithdraw = unticked.filter((id) => {
            const status = deriveConsentState(ledger, id).status;
            if (status === 'granted' || status === 'pending') return true;
            // Soft opt-in and B2B mail flow without a grant: unticking must stop it too.
            return ctx.purpose(id).lawfulBasis !== 'consent' && status === 'none';
          });
          const events: ConsentEvent[] = [];
          let privacySignalsCleared = false;
          if (toGrant.length > 0 && grantEvidence) {
            const granted = await grantInTx(tx, email, toGrant, grantEvidence, at);
            events.push(...granted.events);
            privacySignalsCleared = granted.privacySignalsCleared;
          }
          const drafts: ConsentEventDraft[] = toWithdraw.map((purposeId) => ({
            type: 'withdrawn',
            purposeId,
            proof: buildProof(ctx, withdrawEvidence, 'preference-center'),
          }));
          events.push(...(await appendConsentEvents(tx, subject.id, drafts, at)));
          if (events.length > 0) {
            await auditConsent(
              tx,
              'consent.choices',
              subject.id,
              grantEvidence ?? withdrawEvidence,
              {
                granted: toGrant,
                withdrawn: toWithdraw,
                eventSeqs: eventRefs(events),
                ...(privacySignalsCleared ? { privacySignalsCleared: true } : {}),
              },
              at,
            );
          }
          return { subjectId: subject.id, events, granted: toGrant, withdrawn: toWithdraw };
        }),
      );
    },

    async withdraw(input) {
      const email = normalizeEmail(input.email);
      const evidence = parseWithdrawalEvidence(input.evidence);
      const all = input.purposes === 'all';
      const purposeIds = all
        ? [ALL_PURPOSES]
        : uniquePurposes(ctx, input.purposes as string[]).map((p) => p.id);
      return withConflictRetry(() =>
        store.transaction(async (tx) => {
          const at = ctx.now();
          // Unsubscribing from everything must work even for an address we
          // no longer hold: the suppression list keeps only its keyed hash.
          const suppressed =
            all && (await suppressInTx(ctx, tx, email, 'unsubscribed-all', evidence.source));
          const subject = await findSubject(ctx, tx, email);
          if (!subject) {
            if (suppressed) {
              await auditConsent(
                tx,
                'consent.withdrawn',
                ctx.suppressionHash(email),
                evidence,
                { purposeIds, suppressed: true },
                at,
              );
            }
            return { subjectId: undefined, events: [] };
          }
          const ledger = await tx.listConsentEvents(subject.id);
          const drafts: ConsentEventDraft[] = stillOpen(ctx, ledger, purposeIds).map(
            (purposeId) => ({
              type: 'withdrawn',
              purposeId,
              proof: buildProof(ctx, evidence, 'unsubscribe-link'),
            }),
          );
          const events = await appendConsentEvents(tx, subject.id, drafts, at);
          if (events.length > 0 || suppressed) {
            await auditConsent(
              tx,
              'consent.withdrawn',
              subject.id,
              evidence,
              { purposeIds, eventSeqs: eventRefs(events), ...(suppressed ? { suppressed } : {}) },
              at,
            );
          }
          return { subjectId: subject.id, events };
        }),
      );
    },

    async object(input) {
      const email = normalizeEmail(input.email);
      const evidence = parseWithdrawalEvidence(input.evidence);
      return withConflictRetry(() =>
        store.transaction(async (tx) => {
          const at = ctx.now();
          const subject = await findSubject(ctx, tx, email);
          if (!subject) {
            if (await suppressInTx(ctx, tx, email, 'unsubscribed-all', evidence.source)) {
              await auditConsent(
                tx,
                'consent.objected',
                ctx.suppressionHash(email),
                evidence,
                { suppressed: true },
                at,
              );
            }
            return { subjectId: undefined, events: [] };
          }
          const ledger = await tx.listConsentEvents(subject.id);
          // A grant or a sign-up after an earlier objection reopens its purpose: the
          // objection is only still standing if every marketing purpose is objected.
          const standing = [ALL_PURPOSES, ...marketingPurposes(ctx)].every(
            (id) => deriveConsentState(ledger, id).status === 'objected',
          );
          if (standing) return { subjectId: subject.id, events: [] };
          const events = await appendConsentEvents(
            tx,
            subject.id,
            [
              {
                type: 'objected',
                purposeId: ALL_PURPOSES,
                proof: buildProof(ctx, evidence, 'api'),
              },
            ],
            at,
          );
          await auditConsent(
            tx,
            'consent.objected',
            subject.id,
            evidence,
            { eventSeqs: eventRefs(events) },
            at,
          );
          return { subjectId: subject.id, events };
        }),
      );
    },

    async state(email, purposeId) {
      ctx.purpose(purposeId);
      const { events } = await loadEvents(email);
      return withState(ctx, events, purposeId);
    },

    async isCurrent(email, purposeId) {
      ctx.purpose(purposeId);
      const { events } = await loadEvents(email);
      return isConsentCurrent(withState(ctx, events, purposeId));
    },

    async assertCurrent(email, purposeIds) {
      // No purpose or an unknown one is a programming error, not a refusal.
      const ids = uniquePurposes(
        ctx,
        typeof purposeIds === 'string' ? [purposeIds] : purposeIds,
      ).map((p) => p.id);
      if (!email) {
        throw new GdprMailError('CONSENT_REQUIRED', 'This is for people who gave their consent.', {
          details: { purposes: ids },
        });
      }
      const { events } = await loadEvents(email);
      for (const purposeId of ids) {
        const state = withState(ctx, events, purposeId);
        if (isConsentCurrent(state)) continue;
        throw new GdprMailError('CONSENT_REQUIRED', `This needs your consent to "${purposeId}".`, {
          details: { purposeId, status: state.status, needsRefresh: state.needsRefresh },
        });
      }
    },

    async states(email) {
      const { events } = await loadEvents(email);
      return Object.fromEntries(
        ctx.config.purposes.map((p) => [p.id, withState(ctx, events, p.id)]),
      );
    },

    async history(email) {
      return (await loadEvents(email)).events;
    },

    async prove(email, purposeId) {
      ctx.purpose(purposeId);
      const { subject, events } = await loadEvents(email);
      if (!subject) {
        throw new GdprMailError('SUBJECT_NOT_FOUND', 'No consent is on record for this address.');
      }
      const relevant = events.filter(
        (e) => e.purposeId === purposeId || e.purposeId === ALL_PURPOSES,
      );
      const hashes = [
        ...new Set(relevant.flatMap((e) => (e.proof.noticeHash ? [e.proof.noticeHash] : []))),
      ];
      const notices: NoticeRecord[] = [];
      for (const hash of hashes) {
        const notice = await store.getNotice(hash);
        if (notice) notices.push(notice);
      }
      return {
        subjectId: subject.id,
        purposeId,
        state: withState(ctx, events, purposeId),
        events: relevant,
        notices,
        chain: verifyConsentChain(events),
      };
    },
  };
}

/** The person acting for themselves, not an admin, a system or an import on their behalf. */
function isOwnAct(evidence: { actor: string; method?: string | undefined }): boolean {
  return evidence.actor === 'subject' && (evidence.method ?? 'checkbox') !== 'import';
}

function marketingPurposes(ctx: CoreContext): string[] {
  return ctx.config.purposes.filter((p) => p.kind !== 'transactional').map((p) => p.id);
}

/**
 * What a withdrawal must record: the purposes not already withdrawn or objected.
 * For "unsubscribe from all" the first time that is one `*` event for every
 * purpose; once that stands, the marker says nothing of what the person granted
 * or asked for since, so those purposes are withdrawn one by one (REQ-10).
 */
function stillOpen(
  ctx: CoreContext,
  ledger: readonly ConsentEvent[],
  purposeIds: readonly string[],
): string[] {
  const isOpen = (id: string) => {
    const status = deriveConsentState(ledger, id).status;
    return status !== 'withdrawn' && status !== 'objected';
  };
  if (purposeIds[0] !== ALL_PURPOSES) return purposeIds.filter(isOpen);
  if (isOpen(ALL_PURPOSES)) return [ALL_PURPOSES];
  return ctx.config.purposes
    .map((p) => p.id)
    .filter((id) => {
      const status = deriveConsentState(ledger, id).status;
      return status === 'granted' || status === 'pending';
    });
}

function stripAffirmative(evidence: unknown): unknown {
  if (typeof evidence !== 'object' || evidence === null) return evidence;
  const {
    action: _action,
    noticeVersions: _n,
    ui: _ui,
    parental: _p,
    ...rest
  } = evidence as Record<string, unknown>;
  return rest;
}
