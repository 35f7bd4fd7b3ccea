import type { DenyReason } from '../policy/can-send.js';
import type { DeliveryRecord } from '../store/store-types.js';
import type { FailureCategory } from '../transport/send-result.js';

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
