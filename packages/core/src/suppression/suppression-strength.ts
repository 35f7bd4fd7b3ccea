import type { SuppressionReason } from '../store/store-types.js';

/**
 * How firmly each reason holds an address. `unsubscribed-all` stops marketing
 * only and the person's own next opt-in lifts it; a hard bounce, a complaint
 * or an operator's stop also stop transactional and system mail and survive an
 * opt-in; an erasure tombstone can never be lifted. The list keeps one entry
 * per address, so a stronger reason arriving for an address already on it must
 * replace the weaker one: kept as `unsubscribed-all`, a bounced or complaining
 * address would still get transactional mail and be unblocked by an opt-in.
 *
 * The PostgreSQL/PGlite store mirrors these numbers in SQL (its
 * `addSuppression`); the conformance test `suppression.upgrade` holds every
 * store to them.
 */
export const SUPPRESSION_STRENGTH: Readonly<Record<SuppressionReason, number>> = {
  'unsubscribed-all': 1,
  'hard-bounce': 2,
  complaint: 2,
  manual: 2,
  erased: 3,
};

/**
 * Whether `next` replaces an entry held for `current`: only when strictly
 * stronger. An equal one keeps the first (its date and source are when and why
 * the address was stopped), and an entry is never weakened. A reason this
 * version does not know (written by a newer one) is neither replaced nor
 * replaces anything.
 */
export function outranks(next: SuppressionReason, current: SuppressionReason): boolean {
  const strength = SUPPRESSION_STRENGTH as Readonly<Record<string, number | undefined>>;
  const a = Object.hasOwn(strength, next) ? strength[next] : undefined;
  const b = Object.hasOwn(strength, current) ? strength[current] : undefined;
  return a !== undefined && b !== undefined && a > b;
}
