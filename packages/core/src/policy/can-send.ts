import type { PurposeConfig } from '../config/config-schema.js';
import type { ConsentEvent } from '../consent/consent-event.js';
import { deriveConsentState } from '../consent/ledger.js';
import type { CoreContext } from '../context.js';
import type { SendFacts, SendFactsSubject, SuppressionEntry } from '../store/store-types.js';
import { normalizeEmail } from '../subjects/normalize-email.js';
import { findSubject } from '../subjects/subject-service.js';
import { ageGate } from './age-gate.js';
import { b2bRule, DEFAULT_GENERIC_LOCAL_PARTS, isGenericRoleAddress } from './b2b-rules.js';
import { needsRefresh } from './needs-refresh.js';

export const ALLOW_REASONS = [
  'consent-granted',
  'soft-opt-in',
  'b2b-opt-out',
  'b2b-generic-address',
  'contract',
  'legal-obligation',
] as const;

export const DENY_REASONS = [
  'suppressed',
  'restricted',
  'archived',
  'objected',
  'withdrawn',
  'pending-confirmation',
  'no-consent',
  'consent-expired',
  'needs-refresh',
  'minor-without-parental-consent',
  'age-unknown',
  'not-a-customer',
  'dissimilar-product',
  'objection-not-offered',
  'b2b-consent-required',
  'b2b-not-informed',
  'b2b-professional-relevance-missing',
  /** A legacy contact asked to confirm did not by the deadline (SEED-02). */
  'repermission-expired',
] as const;

export type AllowReason = (typeof ALLOW_REASONS)[number];
export type DenyReason = (typeof DENY_REASONS)[number];

export type SendDecision =
  | { allowed: true; reason: AllowReason; purposeId: string; subjectId?: string }
  | {
      allowed: false;
      reason: DenyReason;
      purposeId: string;
      subjectId?: string;
      /** For `suppressed`: why the address is on the list. */
      suppression?: SuppressionEntry['reason'];
    };

export interface SendContext {
  /** B2B: the message relates to the recipient's professional role (REQ-07). */
  professionalRelevance?: boolean;
  /** Soft opt-in: the product category the message promotes. */
  productCategory?: string;
}

/** Reasons on the suppression list that also stop transactional mail. */
const BLOCKS_TRANSACTIONAL = new Set(['erased', 'hard-bounce', 'complaint', 'manual']);

interface Facts {
  ctx: CoreContext;
  email: string;
  purpose: PurposeConfig;
  subject: SendFactsSubject | undefined;
  events: readonly ConsentEvent[];
  context: SendContext;
}

type Verdict = { allowed: true; reason: AllowReason } | { allowed: false; reason: DenyReason };
const allow = (reason: AllowReason): Verdict => ({ allowed: true, reason });
const deny = (reason: DenyReason): Verdict => ({ allowed: false, reason });

function isMarketingLike(purpose: PurposeConfig): boolean {
  return purpose.kind !== 'transactional';
}

function fromConsent(facts: Facts): Verdict {
  const { ctx, purpose, subject, events } = facts;
  const minors = ctx.config.minors;
  const bracket = subject?.profile.ageBracket;
  if (!bracket && minors.unknownAge === 'deny') return deny('age-unknown');
  if (bracket) {
    const country =
      minors.basis === 'establishment' ? ctx.config.controller.country : subject?.profile.country;
    const gate = ageGate(country, bracket, {
      overrides: minors.ageOfConsent,
      defaultAge: minors.defaultAge,
    });
    if (gate.parentalConsentRequired && !subject?.profile.parentalConsent) {
      return deny('minor-without-parental-consent');
    }
  }
  const state = deriveConsentState(events, purpose.id);
  switch (state.status) {
    case 'granted':
      return needsRefresh(purpose, state, ctx.now)
        ? deny('needs-refresh')
        : allow('consent-granted');
    case 'pending':
      return deny('pending-confirmation');
    case 'withdrawn':
      return deny('withdrawn');
    case 'objected':
      return deny('objected');
    case 'expired':
      return deny('consent-expired');
    default:
      return deny('no-consent');
  }
}

function fromSoftOptIn(facts: Facts): Verdict {
  const { purpose, subject, context } = facts;
  const customer = subject?.profile.customer;
  if (!customer) return deny('not-a-customer');
  const allowed = new Set(purpose.softOptIn?.categories ?? []);
  const similar = customer.categories.filter((c) => allowed.has(c));
  if (similar.length === 0) return deny('dissimilar-product');
  if (context.productCategory !== undefined && !similar.includes(context.productCategory)) {
    return deny('dissimilar-product');
  }
  if (!customer.objectionOfferedAt) return deny('objection-not-offered');
  return allow('soft-opt-in');
}

function fromLegitimateInterest(facts: Facts): Verdict {
  const { ctx, email, subject, context } = facts;
  const genericParts = ctx.config.b2b.genericLocalParts ?? DEFAULT_GENERIC_LOCAL_PARTS;
  if (isGenericRoleAddress(email, genericParts)) return allow('b2b-generic-address');
  if (b2bRule(subject?.profile.country, ctx.config.b2b.rules) === 'consent') {
    return deny('b2b-consent-required');
  }
  if (!subject?.profile.professional?.informedAt) return deny('b2b-not-informed');
  if (context.professionalRelevance !== true) return deny('b2b-professional-relevance-missing');
  return allow('b2b-opt-out');
}

/** The one question every send asks (REQ-06, 07, 11, 16, 19, 28). */
function decide(
  facts: Facts,
  suppression: SuppressionEntry | undefined,
): Verdict & {
  suppression?: SuppressionEntry['reason'];
} {
  const { purpose, subject, events } = facts;
  const marketing = isMarketingLike(purpose);
  if (suppression && (marketing || BLOCKS_TRANSACTIONAL.has(suppression.reason))) {
    return { allowed: false, reason: 'suppressed', suppression: suppression.reason };
  }
  if (subject?.profile.restriction && purpose.lawfulBasis !== 'legal-obligation') {
    return deny('restricted');
  }
  // Archived by retention: kept for its archive period only, never mailed.
  if (subject?.profile.archivedAt && purpose.lawfulBasis !== 'legal-obligation')
    return deny('archived');
  if (purpose.lawfulBasis === 'contract') return allow('contract');
  if (purpose.lawfulBasis === 'legal-obligation') return allow('legal-obligation');

  const state = deriveConsentState(events, purpose.id);
  if (state.status === 'objected') return deny('objected');
  if (state.status === 'withdrawn') return deny('withdrawn');
  // A legacy contact who did not confirm by the re-permission deadline gets no
  // more marketing, whatever the basis, until they opt in again themselves.
  if (
    marketing &&
    state.status !== 'granted' &&
    subject?.profile.contact?.repermission?.status === 'expired'
  ) {
    return deny('repermission-expired');
  }
  // An explicit, current grant is a basis for any marketing purpose.
  if (purpose.lawfulBasis !== 'consent' && state.status === 'granted') {
    return needsRefresh(purpose, state, facts.ctx.now)
      ? deny('needs-refresh')
      : allow('consent-granted');
  }
  switch (purpose.lawfulBasis) {
    case 'consent':
      return fromConsent(facts);
    case 'soft-opt-in':
      return fromSoftOptIn(facts);
    case 'legitimate-interest':
      return fromLegitimateInterest(facts);
  }
}

export function canSend(
  ctx: CoreContext,
  emailInput: string,
  purposeId: string,
  context: SendContext = {},
): Promise<SendDecision> {
  let purpose: PurposeConfig;
  let email: string;
  try {
    purpose = ctx.purpose(purposeId);
    email = normalizeEmail(emailInput);
  } catch (error) {
    return Promise.reject(error);
  }
  const { store } = ctx;
  // No async frame of its own: this is asked on every request an app guards
  // (bench/express, bench/fastify).
  const facts = store.readSendFacts
    ? store.readSendFacts(ctx.subjectHash(email), ctx.suppressionHash(email))
    : readFacts(ctx, email);
  return facts.then(({ subject, events, suppression }) =>
    decideSend(ctx, email, purpose, subject, events, suppression, context),
  );
}

async function readFacts(ctx: CoreContext, email: string): Promise<SendFacts> {
  const { store } = ctx;
  const [subject, suppression] = await Promise.all([
    findSubject(ctx, store, email),
    store.getSuppression(ctx.suppressionHash(email)),
  ]);
  const events = subject ? await store.listConsentEvents(subject.id) : [];
  return { subject, events, suppression };
}

/** The same decision as `canSend`, from facts already loaded (audience scans load them in bulk). */
export function decideSend(
  ctx: CoreContext,
  email: string,
  purpose: PurposeConfig,
  subject: SendFactsSubject | undefined,
  events: readonly ConsentEvent[],
  suppression: SuppressionEntry | undefined,
  context: SendContext = {},
): SendDecision {
  // Filled in place rather than spread: this runs on every send and every request check.
  const decision = decide({ ctx, email, purpose, subject, events, context }, suppression) as {
    purposeId?: string;
    subjectId?: string;
  };
  decision.purposeId = purpose.id;
  if (subject) decision.subjectId = subject.id;
  return decision as SendDecision;
}
