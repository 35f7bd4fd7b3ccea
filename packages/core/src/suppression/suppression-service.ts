import { appendAuditEntry } from '../audit/audit-chain.js';
import type { CoreContext } from '../context.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { StoreOperations, SuppressionEntry, SuppressionReason } from '../store/store-types.js';
import { SUPPRESSION_REASONS } from '../store/store-types.js';
import { normalizeEmail } from '../subjects/normalize-email.js';
import { upgradeSuppression } from './upgrade-suppression.js';

export interface SuppressionService {
  /**
   * Adds the address (as a keyed hash only), or upgrades its entry when the new
   * reason is stronger (erased > hard-bounce = complaint = manual >
   * unsubscribed-all), with a `suppression.added` audit entry either way.
   * Returns false when it was already suppressed for an equal or stronger reason.
   */
  add(
    email: string,
    reason: SuppressionReason,
    options?: { source?: string } & AuditedBy,
  ): Promise<boolean>;
  check(email: string): Promise<SuppressionEntry | undefined>;
  /** Lifts a suppression; refuses an erasure tombstone, which must outlive the person's data. */
  remove(email: string, options?: AuditedBy): Promise<boolean>;
  /** The keyed hash stored for an address, e.g. to match a provider's list. */
  hash(email: string): string;
}

/** Who acted and why, for the audit log; the actor defaults to `api`. */
export interface AuditedBy {
  actor?: string;
  reason?: string;
}

function auditDraft(action: string, hash: string, by: AuditedBy, details: Record<string, unknown>) {
  return {
    actor: by.actor ?? 'api',
    action,
    // The keyed hash, never the address: the log stays pseudonymous (REQ-28, REQ-32).
    subjectRef: hash,
    ...(by.reason === undefined ? {} : { reason: by.reason }),
    details,
  };
}

export async function suppressInTx(
  ctx: CoreContext,
  ops: StoreOperations,
  email: string,
  reason: SuppressionReason,
  source: string,
): Promise<boolean> {
  return ops.addSuppression({ hash: ctx.suppressionHash(email), reason, at: ctx.now(), source });
}

/**
 * The person's own opt-in (a ticked form, a confirmed sign-up, a re-permission click)
 * lifts their own "unsubscribe from all", never an erasure, bounce, complaint or
 * manual entry. True when an entry was removed.
 */
export async function liftOwnUnsubscribeAll(
  ctx: CoreContext,
  ops: StoreOperations,
  email: string,
): Promise<boolean> {
  const hash = ctx.suppressionHash(email);
  const entry = await ops.getSuppression(hash);
  return entry?.reason === 'unsubscribed-all' && (await ops.removeSuppression(hash));
}

/** What `suppressWithAudit` did to the address's entry. */
export interface SuppressResult {
  /** The entry was written: added, or upgraded from a weaker reason. */
  written: boolean;
  /** The weaker reason the entry held before this one replaced it. */
  upgradedFrom?: SuppressionReason;
}

/**
 * Suppresses the (normalised) address in `ops` and, when that wrote the entry
 * (added, or upgraded from a weaker reason), appends the `suppression.added`
 * audit entry: one entry per address and reason, none on a replay. `extra`
 * joins the entry's details (provider event ids…).
 */
export async function suppressWithAudit(
  ctx: CoreContext,
  ops: StoreOperations,
  email: string,
  reason: SuppressionReason,
  source: string,
  by: AuditedBy,
  extra: Record<string, unknown> = {},
): Promise<SuppressResult> {
  const hash = ctx.suppressionHash(email);
  const { written, replaced } = await upgradeSuppression(ops, {
    hash,
    reason,
    at: ctx.now(),
    source,
  });
  if (!written) return { written: false };
  const upgraded = replaced === undefined ? {} : { upgradedFrom: replaced };
  const details = { reason, source, ...upgraded, ...extra };
  await appendAuditEntry(ops, auditDraft('suppression.added', hash, by, details), ctx.now());
  return { written: true, ...upgraded };
}

export function createSuppressionService(ctx: CoreContext): SuppressionService {
  return {
    async add(emailInput, reason, options = {}) {
      if (!SUPPRESSION_REASONS.includes(reason)) {
        throw new GdprMailError('VALIDATION_FAILED', `Unknown suppression reason "${reason}".`, {
          details: { allowed: SUPPRESSION_REASONS },
        });
      }
      const email = normalizeEmail(emailInput);
      const source = options.source ?? 'api';
      return ctx.store.transaction(
        async (tx) => (await suppressWithAudit(ctx, tx, email, reason, source, options)).written,
      );
    },
    async check(emailInput) {
      return ctx.store.getSuppression(ctx.suppressionHash(normalizeEmail(emailInput)));
    },
    async remove(emailInput, by = {}) {
      const hash = ctx.suppressionHash(normalizeEmail(emailInput));
      return ctx.store.transaction(async (tx) => {
        const entry = await tx.getSuppression(hash);
        if (entry?.reason === 'erased') {
          throw new GdprMailError(
            'VALIDATION_FAILED',
            'An erasure suppression cannot be lifted: it is what keeps an erased person from being mailed again.',
          );
        }
        const removed = await tx.removeSuppression(hash);
        if (removed) {
          const draft = auditDraft('suppression.removed', hash, by, { reason: entry?.reason });
          await appendAuditEntry(tx, draft, ctx.now());
        }
        return removed;
      });
    },
    hash: (emailInput) => ctx.suppressionHash(normalizeEmail(emailInput)),
  };
}
