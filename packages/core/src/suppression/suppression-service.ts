import type { CoreContext } from '../context.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { StoreOperations, SuppressionEntry, SuppressionReason } from '../store/store-types.js';
import { SUPPRESSION_REASONS } from '../store/store-types.js';
import { normalizeEmail } from '../subjects/normalize-email.js';

export interface SuppressionService {
  /** Adds the address (as a keyed hash only). Returns false when it was already suppressed. */
  add(email: string, reason: SuppressionReason, options?: { source?: string }): Promise<boolean>;
  check(email: string): Promise<SuppressionEntry | undefined>;
  /** Lifts a suppression; refuses an erasure tombstone, which must outlive the person's data. */
  remove(email: string): Promise<boolean>;
  /** The keyed hash stored for an address, e.g. to match a provider's list. */
  hash(email: string): string;
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

export function createSuppressionService(ctx: CoreContext): SuppressionService {
  return {
    async add(emailInput, reason, options = {}) {
      if (!SUPPRESSION_REASONS.includes(reason)) {
        throw new GdprMailError('VALIDATION_FAILED', `Unknown suppression reason "${reason}".`, {
          details: { allowed: SUPPRESSION_REASONS },
        });
      }
      const email = normalizeEmail(emailInput);
      return suppressInTx(ctx, ctx.store, email, reason, options.source ?? 'api');
    },
    async check(emailInput) {
      return ctx.store.getSuppression(ctx.suppressionHash(normalizeEmail(emailInput)));
    },
    async remove(emailInput) {
      const hash = ctx.suppressionHash(normalizeEmail(emailInput));
      return ctx.store.transaction(async (tx) => {
        const entry = await tx.getSuppression(hash);
        if (entry?.reason === 'erased') {
          throw new GdprMailError(
            'VALIDATION_FAILED',
            'An erasure suppression cannot be lifted: it is what keeps an erased person from being mailed again.',
          );
        }
        return tx.removeSuppression(hash);
      });
    },
    hash: (emailInput) => ctx.suppressionHash(normalizeEmail(emailInput)),
  };
}
