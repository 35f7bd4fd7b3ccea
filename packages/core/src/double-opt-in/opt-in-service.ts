import { addDuration, parseIsoDuration } from '../config/iso-duration.js';
import type { ConsentEventDraft } from '../consent/append-events.js';
import { appendConsentEvents } from '../consent/append-events.js';
import type { ConsentEvent } from '../consent/consent-event.js';
import {
  assertConsentable,
  isCurrentInLedger,
  recordNotices,
  uniquePurposes,
} from '../consent/consent-service.js';
import type { ConsentEvidence, WithdrawalEvidence } from '../consent/evidence.js';
import { buildProof, parseConsentEvidence, parseWithdrawalEvidence } from '../consent/evidence.js';
import { deriveConsentState } from '../consent/ledger.js';
import type { CoreContext } from '../context.js';
import { journalErasures } from '../erasures/erasure-service.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { linkUrl } from '../links/link-url.js';
import type { SystemMailKind } from '../mailer/mailer-service.js';
import { linkedPurposes } from '../retention/retention-decision.js';
import type { StoreOperations, SubjectRecord } from '../store/store-types.js';
import { withConflictRetry } from '../store/with-conflict-retry.js';
import { normalizeEmail } from '../subjects/normalize-email.js';
import { ensureSubject } from '../subjects/subject-service.js';
import { liftOwnUnsubscribeAll } from '../suppression/suppression-service.js';
import type { ConfirmationTemplate, RenderedMail } from '../templates/confirmation-template.js';
import { builtInConfirmationTemplate } from '../templates/confirmation-template.js';
import { lintDoubleOptInTemplate } from '../templates/lint-double-opt-in.js';
import { randomNonce } from '../tokens/nonce.js';
import type { TokenClaims } from '../tokens/token-types.js';
import { maskEmail } from './mask-email.js';

export interface OptInRequestOptions {
  /** ISO 639-1; defaults to the subject's profile language, then `doubleOptIn.defaultLocale`. */
  locale?: string;
  /** This request's own confirmation mail (linted, REQ-17). */
  template?: ConfirmationTemplate;
}

export interface OptInRequestResult {
  subjectId: string;
  /** Also the pending opt-in's id: the token is single-use through it. */
  nonce: string;
  token: string;
  /** The link to mail; a GET on it must only show a page with a confirm button (POST). */
  confirmUrl: string;
  expiresAt: Date;
  /** The confirmation mail, ready for the mailer. */
  message: RenderedMail;
  events: ConsentEvent[];
}

/** What the interstitial page may show on a GET: nothing here changes the store (REQ-18). */
export interface OptInInspection {
  subjectId: string;
  /** `j***@example.com`: enough for the person to recognise their address. */
  maskedEmail: string;
  /** Each purpose with the notice text the page shows again where consent is confirmed. */
  purposes: Array<{
    id: string;
    title: string;
    noticeVersion: string | undefined;
    noticeText: string;
  }>;
  controllerName: string;
  requestedAt: Date;
  expiresAt: Date;
}

export interface OptInConfirmResult {
  subjectId: string;
  confirmed: string[];
  events: ConsentEvent[];
}

export interface OptInPurgeResult {
  expired: number;
  subjectsDeleted: number;
  noncesPurged: number;
}

export interface OptInService {
  /** REQ-16: records `requested` with proof and returns the confirmation mail; grants nothing. */
  request(
    email: string,
    purposes: readonly string[],
    evidence: ConsentEvidence,
    options?: OptInRequestOptions,
  ): Promise<OptInRequestResult>;
  /**
   * The checks `request` makes before it reads the store: the address's
   * syntax, the purposes, the evidence and the notice versions shown. Throws
   * as `request` would. The signup route runs it before queueing the request
   * (issue #19), so a bad form gets the same error for every address.
   */
  admit(email: string, purposes: readonly string[], evidence: ConsentEvidence): void;
  /** The GET of the link: verifies and describes, changes nothing (REQ-18). */
  inspect(token: string): Promise<OptInInspection>;
  /** The POST from the interstitial page: single use, records `confirmed` with proof. */
  confirm(token: string, evidence?: WithdrawalEvidence): Promise<OptInConfirmResult>;
  /**
   * Records `expired` for stale requests and deletes subjects with nothing else on
   * record: no other consent event, no legal hold, no customer / B2B / account facts
   * or open re-permission, no delivery but the confirmation mails.
   */
  purgeExpired(options?: { batchSize?: number }): Promise<OptInPurgeResult>;
}

const DAY_MS = 86_400_000;
const CONFIRM_SOURCE = 'double-opt-in-confirmation';
/** The purpose id `mailer.sendSystem` gives the delivery of a confirmation mail. */
const CONFIRMATION_DELIVERY = 'system:double-opt-in' satisfies `system:${SystemMailKind}`;
const DELIVERY_PAGE = 50;

function requestCount(events: readonly ConsentEvent[], since: Date): number {
  // One request appends one `requested` per purpose, contiguous in the ledger
  // (appends to one subject are serialized) and all at the same instant. Requests
  // are counted as runs, not as distinct instants: requests made in the same
  // millisecond each count (#19 finding 5). A run ends at any other event, at a
  // change of instant, or when a purpose repeats (a request names each purpose once).
  let count = 0;
  let runAt: number | undefined;
  let runPurposes = new Set<string>();
  for (const event of events) {
    if (event.type !== 'requested' || event.at < since) {
      runAt = undefined;
      continue;
    }
    const at = event.at.getTime();
    if (runAt !== at || runPurposes.has(event.purposeId)) {
      count += 1;
      runAt = at;
      runPurposes = new Set();
    }
    runPurposes.add(event.purposeId);
  }
  return count;
}

/** The notice this request showed: its own `requested` event, else the latest one. */
function noticeOf(events: readonly ConsentEvent[], purposeId: string, requestedAt: Date) {
  let latest: ConsentEvent | undefined;
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const event = events[i]!;
    if (event.type !== 'requested' || event.purposeId !== purposeId) continue;
    if (event.at.getTime() === requestedAt.getTime()) return event.proof;
    latest ??= event;
  }
  return latest?.proof;
}

export function createOptInService(ctx: CoreContext): OptInService {
  const { store, config } = ctx;
  const confirmTtl = parseIsoDuration(config.tokens.confirmTtl)!;

  async function pendingFor(claims: TokenClaims) {
    const pending = await store.getPendingOptIn(claims.nonce);
    if (!pending || pending.subjectId !== claims.subjectId) {
      throw new GdprMailError('TOKEN_USED', 'This link was already used.');
    }
    return pending;
  }

  /** Everything `request` checks before it touches the store. */
  function admit(emailInput: string, purposeInput: readonly string[], evidenceInput: unknown) {
    const email = normalizeEmail(emailInput);
    const purposes = uniquePurposes(ctx, purposeInput);
    const purposeIds = purposes.map((p) => p.id);
    const evidence = parseConsentEvidence(evidenceInput, purposeIds.length);
    assertConsentable(ctx, purposeIds, evidence.noticeVersions);
    return { email, purposes, purposeIds, evidence };
  }

  return {
    admit(emailInput, purposeInput, evidenceInput) {
      admit(emailInput, purposeInput, evidenceInput);
    },

    async request(emailInput, purposeInput, evidenceInput, options = {}) {
      const { email, purposes, purposeIds, evidence } = admit(
        emailInput,
        purposeInput,
        evidenceInput,
      );

      const at = ctx.now();
      const expiresAt = addDuration(at, confirmTtl);
      const nonce = randomNonce();
      const template = options.template ?? config.doubleOptIn.template;

      return withConflictRetry(() =>
        store.transaction(async (tx) => {
          // Only the person's own "unsubscribe from all" gives way to a new opt-in: an
          // erased, bounced, complaining or manually stopped address gets no confirmation
          // mail (the sign-up route drops it silently; here the app is told), and nothing
          // about it is written.
          const held = await tx.getSuppression(ctx.suppressionHash(email));
          if (held && held.reason !== 'unsubscribed-all') {
            throw new GdprMailError(
              'SUPPRESSED',
              'This address is on the suppression list: no confirmation can be mailed to it.',
              { details: { reason: held.reason } },
            );
          }
          const subject = await ensureSubject(ctx, tx, email, at);
          const ledger = await tx.listConsentEvents(subject.id);
          if (
            requestCount(ledger, new Date(at.getTime() - DAY_MS)) >=
            config.doubleOptIn.maxRequestsPerDay
          ) {
            throw new GdprMailError(
              'RATE_LIMITED',
              'Too many confirmation requests for this address today: try again tomorrow.',
              { retryable: true, details: { limit: config.doubleOptIn.maxRequestsPerDay } },
            );
          }
          const { token, claims } = ctx.tokens.issue({
            type: 'confirm',
            subjectId: subject.id,
            purposes: purposeIds,
            noticeVersions: Object.fromEntries(purposes.map((p) => [p.id, p.notice.version])),
            issuedAt: at,
            expiresAt,
            nonce,
          });
          const confirmUrl = linkUrl(config, 'confirm', token);
          const links = {
            confirmUrl,
            ...(config.links.privacyUrl ? { privacyUrl: config.links.privacyUrl } : {}),
          };
          const content = (template ?? builtInConfirmationTemplate)({
            locale: options.locale ?? subject.profile.language ?? config.doubleOptIn.defaultLocale,
            to: email,
            controllerName: config.controller.name,
            purposes: purposes.map((p) => ({ id: p.id, title: p.title })),
            ...links,
            expiresAt: claims.expiresAt ?? expiresAt,
            ...(config.doubleOptIn.messages ? { messages: config.doubleOptIn.messages } : {}),
          });
          // Checked before anything is written: a refused template leaves no trace.
          lintDoubleOptInTemplate(content, links);

          await recordNotices(ctx, tx, purposeIds, at);
          const drafts: ConsentEventDraft[] = purposes.map((purpose) => ({
            type: 'requested',
            purposeId: purpose.id,
            proof: buildProof(ctx, evidence, 'checkbox', purpose),
          }));
          const events = await appendConsentEvents(tx, subject.id, drafts, at);
          await tx.putPendingOptIn({
            id: nonce,
            subjectId: subject.id,
            purposeIds,
            requestedAt: at,
            expiresAt,
          });
          return {
            subjectId: subject.id,
            nonce,
            token,
            confirmUrl,
            expiresAt,
            message: {
              to: email,
              subject: content.subject,
              text: content.text,
              html: content.html,
            },
            events,
          };
        }),
      );
    },

    async inspect(token) {
      const claims = ctx.tokens.verify(token, 'confirm');
      const pending = await pendingFor(claims);
      const subject = await store.getSubject(pending.subjectId);
      if (!subject) throw new GdprMailError('OPT_IN_NOT_PENDING', 'This request no longer exists.');
      // The page shows the text the sign-up showed, which is what `confirm` records (its
      // version and hash): after a notice change, the stored text, not today's (REQ-05).
      let ledger: ConsentEvent[] | undefined;
      const purposes: OptInInspection['purposes'] = [];
      for (const id of pending.purposeIds) {
        const purpose = config.purposes.find((p) => p.id === id);
        const noticeVersion = claims.noticeVersions?.[id];
        let noticeText = purpose?.notice.text ?? '';
        if (noticeVersion !== undefined && noticeVersion !== purpose?.notice.version) {
          ledger ??= await store.listConsentEvents(subject.id);
          const hash = noticeOf(ledger, id, pending.requestedAt)?.noticeHash;
          const shown = hash === undefined ? undefined : await store.getNotice(hash);
          if (shown) noticeText = shown.text;
        }
        purposes.push({ id, title: purpose?.title ?? id, noticeVersion, noticeText });
      }
      return {
        subjectId: subject.id,
        maskedEmail: maskEmail(subject.email),
        purposes,
        controllerName: config.controller.name,
        requestedAt: pending.requestedAt,
        expiresAt: pending.expiresAt,
      };
    },

    async confirm(token, evidenceInput) {
      const claims = ctx.tokens.verify(token, 'confirm');
      // The method is what happened, not what the caller says: the proof of a
      // double opt-in is that it went through this link (REQ-05, REQ-16).
      const evidence = parseWithdrawalEvidence({
        source: CONFIRM_SOURCE,
        ...(evidenceInput ?? {}),
        method: 'double-opt-in',
      });
      const outcome = await withConflictRetry(() =>
        store.transaction(async (tx) => {
          // The atomic take is the single use: of concurrent confirms, one wins.
          const pending = await tx.takePendingOptIn(claims.nonce);
          if (!pending || pending.subjectId !== claims.subjectId) {
            throw new GdprMailError('TOKEN_USED', 'This link was already used.');
          }
          const at = ctx.now();
          const ledger = await tx.listConsentEvents(pending.subjectId);
          const stillPending = pending.purposeIds.filter(
            (id) => deriveConsentState(ledger, id).status === 'pending',
          );
          // A sign-up while an older grant stands keeps that grant (the ledger has no
          // pending state for it), so a `confirmed` would change nothing. If that grant is
          // no longer current, or was given to another text than the one this sign-up
          // showed, the confirmation is a fresh grant of the text shown (REQ-08).
          const renewed = pending.purposeIds.filter((id) => {
            const state = deriveConsentState(ledger, id);
            if (state.status !== 'granted') return false;
            if (state.since !== undefined && state.since > pending.requestedAt) return false;
            const shown = noticeOf(ledger, id, pending.requestedAt)?.noticeVersion;
            if (shown === undefined) return false;
            return !isCurrentInLedger(ctx, ledger, id) || state.noticeVersion !== shown;
          });
          const draft = (type: 'confirmed' | 'granted', purposeId: string): ConsentEventDraft => {
            const proof = buildProof(ctx, evidence, 'double-opt-in');
            // The confirmation is of the text shown at signup, not of today's.
            const shown = noticeOf(ledger, purposeId, pending.requestedAt);
            if (shown?.noticeVersion) proof.noticeVersion = shown.noticeVersion;
            if (shown?.noticeHash) proof.noticeHash = shown.noticeHash;
            return { type, purposeId, proof };
          };
          const drafts: ConsentEventDraft[] = [
            ...stillPending.map((purposeId) => draft('confirmed', purposeId)),
            ...renewed.map((purposeId) => draft('granted', purposeId)),
          ];
          const events = await appendConsentEvents(tx, pending.subjectId, drafts, at);
          if (events.length > 0) await liftUnsubscribeAll(tx, pending.subjectId);
          const confirmed = pending.purposeIds.filter(
            (id) => stillPending.includes(id) || renewed.includes(id),
          );
          return { subjectId: pending.subjectId, confirmed, events };
        }),
      );
      if (outcome.confirmed.length === 0) {
        // The link is spent either way; nothing was pending any more (withdrawn, objected…).
        throw new GdprMailError('OPT_IN_NOT_PENDING', 'There is nothing left to confirm.', {
          details: { subjectId: outcome.subjectId },
        });
      }
      return outcome;
    },

    async purgeExpired(options = {}) {
      const batchSize = options.batchSize ?? 100;
      let expired = 0;
      let subjectsDeleted = 0;
      for (;;) {
        const batch = await store.listExpiredPendingOptIns(ctx.now(), batchSize);
        for (const stale of batch) {
          const result = await withConflictRetry(() =>
            store.transaction((tx) => expireOne(tx, stale.id)),
          );
          if (result.expired) expired += 1;
          if (result.deleted) subjectsDeleted += 1;
        }
        if (batch.length < batchSize) break;
      }
      const noncesPurged = await store.purgeExpiredNonces(ctx.now());
      return { expired, subjectsDeleted, noncesPurged };
    },
  };

  /** Confirming is the person's own act: it lifts their own "unsubscribe from all". */
  async function liftUnsubscribeAll(tx: StoreOperations, subjectId: string) {
    const subject = await tx.getSubject(subjectId);
    if (subject) await liftOwnUnsubscribeAll(ctx, tx, subject.email);
  }

  async function expireOne(tx: StoreOperations, id: string) {
    const pending = await tx.takePendingOptIn(id);
    if (!pending) return { expired: false, deleted: false };
    const at = ctx.now();
    const ledger = await tx.listConsentEvents(pending.subjectId);
    // A newer request for the same purpose keeps it pending: expire only what this one asked.
    const newer = (purposeId: string) =>
      ledger.some(
        (e) => e.type === 'requested' && e.purposeId === purposeId && e.at > pending.requestedAt,
      );
    const drafts: ConsentEventDraft[] = pending.purposeIds
      .filter((id) => deriveConsentState(ledger, id).status === 'pending' && !newer(id))
      .map((purposeId) => ({
        type: 'expired',
        purposeId,
        proof: {
          source: 'double-opt-in-expiry',
          method: 'system',
          actor: 'system',
          reason: 'not confirmed in time',
        },
      }));
    const events = await appendConsentEvents(tx, pending.subjectId, drafts, at);
    const all = [...ledger, ...events];
    const nothingElse = all.every((e) => e.type === 'requested' || e.type === 'expired');
    const anyNewer = all.some((e) => e.type === 'requested' && e.at > pending.requestedAt);
    // Data minimisation: an address that never confirmed anything is not kept.
    if (nothingElse && !anyNewer) {
      const subject = await tx.getSubject(pending.subjectId);
      if (subject && (await keptForMore(tx, subject, at))) return { expired: true, deleted: false };
      await tx.deleteSubject(pending.subjectId);
      if (subject) await journalErasures(ctx, tx, [subject], 'opt-in-expired', at);
      return { expired: true, deleted: true };
    }
    return { expired: true, deleted: false };
  }

  /**
   * The ledger shows only the sign-up, but the person may be on record for more:
   * a legal hold (Art. 17(3)), a lawful basis the ledger cannot hold (a customer,
   * a B2B contact, an account, an open re-permission: what retention weighs), or
   * mail sent to them. Deleting the subject would take all of that with it; it is
   * left to retention, which weighs it (REQ-25, REQ-27).
   */
  async function keptForMore(tx: StoreOperations, subject: SubjectRecord, now: Date) {
    const hold = subject.profile.legalHold;
    if (hold && (!hold.until || hold.until > now)) return true;
    if (linkedPurposes(config.purposes, subject, []).length > 0) return true;
    let afterKey: string | undefined;
    for (;;) {
      const page = await tx.listDeliveries({
        subjectId: subject.id,
        limit: DELIVERY_PAGE,
        ...(afterKey === undefined ? {} : { afterKey }),
      });
      // The confirmation mails of the sign-up itself go with it.
      if (page.some((d) => d.purposeId !== CONFIRMATION_DELIVERY)) return true;
      if (page.length < DELIVERY_PAGE) return false;
      afterKey = page.at(-1)!.idempotencyKey;
    }
  }
}
