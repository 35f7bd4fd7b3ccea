import type { CoreContext } from '../context.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { SuppressionReason } from '../store/store-types.js';
import { normalizeEmail } from '../subjects/normalize-email.js';
import { suppressWithAudit } from '../suppression/suppression-service.js';

export const PROVIDER_EVENT_TYPES = [
  /** Permanent failure: the mailbox does not exist. Suppressed. */
  'hard-bounce',
  /** Temporary failure (full mailbox…). Not suppressed. */
  'soft-bounce',
  /** The person marked a message as spam. Suppressed. */
  'complaint',
  /** The provider refused to send to the address (its own block list). Suppressed. */
  'blocked',
  /** The person unsubscribed through the provider's own link. Suppressed for marketing. */
  'unsubscribe',
  /** Anything else (delivered, open, click…): acknowledged and ignored. */
  'other',
] as const;
export type ProviderEventType = (typeof PROVIDER_EVENT_TYPES)[number];

/** One event a provider reported, already authenticated by its webhook handler. */
export interface ProviderEvent {
  /** The transport name, e.g. `ses` or `mailjet`. */
  provider: string;
  type: ProviderEventType;
  /** The recipient address the event is about. */
  email: string;
  /** The provider's message id, to match the delivery record. */
  providerMessageId?: string;
  /** The provider's own event or notification id (kept in the audit, never personal data). */
  eventId?: string;
  /** The provider's detail code, e.g. `5.1.1` or `user unknown`. */
  detail?: string;
  occurredAt?: Date;
}

export interface ProviderEventOutcome {
  type: ProviderEventType;
  /** `suppressed`: added now; `already-suppressed`: a replay or an earlier event; `ignored`: not a suppressing event. */
  action: 'suppressed' | 'already-suppressed' | 'ignored';
}

export interface ProviderEventService {
  /**
   * Feeds provider events into suppression, with one audit entry per address
   * added. Idempotent: replaying the same events changes nothing. All events
   * of one call are applied in one transaction, or none when it fails.
   */
  apply(events: readonly ProviderEvent[]): Promise<ProviderEventOutcome[]>;
}

const REASON_BY_TYPE: Partial<Record<ProviderEventType, SuppressionReason>> = {
  'hard-bounce': 'hard-bounce',
  blocked: 'hard-bounce',
  complaint: 'complaint',
  unsubscribe: 'unsubscribed-all',
};

export function createProviderEventService(ctx: CoreContext): ProviderEventService {
  return {
    async apply(events) {
      const prepared = events.map((event) => {
        if (!PROVIDER_EVENT_TYPES.includes(event.type)) {
          throw new GdprMailError(
            'VALIDATION_FAILED',
            `Unknown provider event type "${event.type}".`,
            {
              details: { allowed: PROVIDER_EVENT_TYPES },
            },
          );
        }
        const reason = REASON_BY_TYPE[event.type];
        return { event, reason, email: reason ? normalizeEmail(event.email) : '' };
      });
      if (prepared.every((p) => p.reason === undefined)) {
        return prepared.map((p) => ({ type: p.event.type, action: 'ignored' as const }));
      }
      return ctx.store.transaction(async (tx) => {
        const outcomes: ProviderEventOutcome[] = [];
        for (const { event, reason, email } of prepared) {
          if (!reason) {
            outcomes.push({ type: event.type, action: 'ignored' });
            continue;
          }
          const source = `provider:${event.provider}`;
          const added = await suppressWithAudit(
            ctx,
            tx,
            email,
            reason,
            source,
            { actor: source, reason: `provider event: ${event.type}` },
            {
              ...(event.eventId === undefined ? {} : { eventId: event.eventId }),
              ...(event.providerMessageId === undefined
                ? {}
                : { providerMessageId: event.providerMessageId }),
              ...(event.detail === undefined ? {} : { detail: event.detail.slice(0, 200) }),
            },
          );
          outcomes.push({ type: event.type, action: added ? 'suppressed' : 'already-suppressed' });
        }
        return outcomes;
      });
    },
  };
}
