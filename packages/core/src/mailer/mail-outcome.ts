import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { DenyReason } from '../policy/can-send.js';
import type { DeliveryRecord } from '../store/store-types.js';
import type { FailureCategory } from '../transport/send-result.js';
import { failed, sendResultError } from '../transport/send-result.js';

/**
 * What happened to one message. Every recipient gets one, in order: a denied
 * recipient is reported with its reason, never silently dropped.
 */
export type MailOutcome =
  | {
      status: 'sent';
      to: string;
      idempotencyKey: string;
      messageId: string;
      providerMessageId: string;
      subjectId?: string;
    }
  | { status: 'denied'; to: string; reason: DenyReason | 'suppressed'; subjectId?: string }
  /** The idempotency key was already claimed: this message was (or is being) sent before. */
  | { status: 'duplicate'; to: string; idempotencyKey: string; existing: DeliveryRecord }
  | {
      status: 'failed';
      to: string;
      idempotencyKey: string;
      category: FailureCategory;
      retryable: boolean;
      message: string;
    }
  /** The provider may have accepted it: never retried automatically. */
  | { status: 'ambiguous'; to: string; idempotencyKey: string; message: string }
  /** Bad input for this recipient (invalid address, header injection): nothing sent. */
  | { status: 'invalid'; to: string; code: string; message: string };

export interface MailReport {
  outcomes: MailOutcome[];
  counts: Record<MailOutcome['status'], number>;
  /** Denied recipients per reason. */
  denied: Partial<Record<string, number>>;
}

export function summarise(outcomes: MailOutcome[]): MailReport {
  const counts = { sent: 0, denied: 0, duplicate: 0, failed: 0, ambiguous: 0, invalid: 0 };
  const denied: Partial<Record<string, number>> = {};
  for (const outcome of outcomes) {
    counts[outcome.status] += 1;
    if (outcome.status === 'denied') denied[outcome.reason] = (denied[outcome.reason] ?? 0) + 1;
  }
  return { outcomes, counts, denied };
}

/**
 * For a sender that must not go on as if a mail left when it did not (a DSAR link,
 * a confirmation from the outbox): throws the typed error of a `failed` or `invalid`
 * outcome, so the caller records nothing and its work is retried. `denied` (an
 * address stopped for bounces or complaints gets no mail, by design), `ambiguous`
 * (the provider may have it: never sent twice) and `duplicate` return.
 */
export function requireHandedOver(outcome: MailOutcome): void {
  // A fixed message: the provider's own text may name the recipient, and this error
  // can end up in a log (the router's onError, the outbox's warning).
  if (outcome.status === 'failed') {
    const { category, retryable } = outcome;
    throw sendResultError(
      failed(category, 'The mail could not be handed to the provider.', { retryable }),
    )!;
  }
  if (outcome.status === 'invalid') {
    throw new GdprMailError('INVALID_MESSAGE', 'The mail was refused before sending.', {
      details: { code: outcome.code },
    });
  }
}
