import type { CoreContext } from '../context.js';
import { GdprMailError, isGdprMailError } from '../errors/gdpr-mail-error.js';
import type { SuppressionReason } from '../store/store-types.js';
import { normalizeEmail } from '../subjects/normalize-email.js';
import { suppressWithAudit } from '../suppression/suppression-service.js';
import { redactAddresses } from '../transport/redact-addresses.js';

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
  /**
   * The provider's detail code, e.g. `5.1.1` or `user unknown`. Kept in the
   * audit log, which outlives an erasure: every address in it and the local
   * part of `email` are replaced with `[address]`, and it is cut to 200
   * characters. Pass a code, not a text that names the person.
   */
  detail?: string;
  occurredAt?: Date;
}

export interface ProviderEventOutcome {
  type: ProviderEventType;
  /**
   * `suppressed`: added now, or upgraded from a weaker reason (see
   * `upgradedFrom`); `already-suppressed`: a replay, or an earlier entry of
   * equal or greater strength; `ignored`: not a suppressing event; `rejected`:
   * a suppressing event whose address is not a valid one (see `code`), left out
   * while the other events of the call are applied.
   */
  action: 'suppressed' | 'already-suppressed' | 'ignored' | 'rejected';
  /** Why an event was rejected: `INVALID_EMAIL`. Only on `rejected`. */
  code?: 'INVALID_EMAIL';
  /**
   * On `suppressed`, when the address was already on the list for a weaker
   * reason that this event replaced, e.g. `unsubscribed-all` before a hard
   * bounce: the bounce now also stops transactional mail and survives an opt-in.
   */
  upgradedFrom?: SuppressionReason;
}

export interface ProviderEventService {
  /**
   * Feeds provider events into suppression, with one audit entry per address
   * added or upgraded to a stronger reason. Idempotent: replaying the same
   * events changes nothing. Each event stands apart: one whose address is not
   * valid comes back `rejected` (code `INVALID_EMAIL`) and does not hold back
   * the others, so a provider does not redeliver a notification for ever
   * because of one bad recipient. The accepted events of one call are applied
   * in one transaction, or none when the store fails. An unknown event type is
   * a programming error and throws `VALIDATION_FAILED` before anything is
   * written.
   */
  apply(events: readonly ProviderEvent[]): Promise<ProviderEventOutcome[]>;
}

const REASON_BY_TYPE: Partial<Record<ProviderEventType, SuppressionReason>> = {
  'hard-bounce': 'hard-bounce',
  blocked: 'hard-bounce',
  complaint: 'complaint',
  unsubscribe: 'unsubscribed-all',
};

type Prepared =
  | { event: ProviderEvent; settled: ProviderEventOutcome }
  | { event: ProviderEvent; settled?: undefined; reason: SuppressionReason; email: string };

const REGEXP_SPECIALS = /[.*+?^${}()|[\]\\]/g;

/**
 * A provider's detail as the audit log may keep it: SMTP replies quote the
 * recipient, whole (`<a@b>`) or by its local part alone (`a... User
 * unknown`), and the audit entry outlives the person's erasure. Every
 * address and the event's own local part (from 3 characters, any case) are
 * replaced before the text is cut, so no cut leaves half an address behind.
 */
function auditDetail(detail: string, email: string): string {
  let text = redactAddresses(detail);
  const local = email.slice(0, email.lastIndexOf('@'));
  if (local.length >= 3) {
    text = text.replace(new RegExp(local.replace(REGEXP_SPECIALS, '\\$&'), 'giu'), '[address]');
  }
  return text.slice(0, 200);
}

/** One event on its own: settled now (ignored, rejected), or an address to suppress. */
function prepare(event: ProviderEvent): Prepared {
  if (!PROVIDER_EVENT_TYPES.includes(event.type)) {
    throw new GdprMailError('VALIDATION_FAILED', `Unknown provider event type "${event.type}".`, {
      details: { allowed: PROVIDER_EVENT_TYPES },
    });
  }
  const reason = REASON_BY_TYPE[event.type];
  if (reason === undefined) return { event, settled: { type: event.type, action: 'ignored' } };
  try {
    return { event, reason, email: normalizeEmail(event.email) };
  } catch (error) {
    if (!isGdprMailError(error, 'INVALID_EMAIL')) throw error;
    // One malformed recipient (a provider's report may hold several) is
    // reported, not thrown: the valid recipients beside it are still suppressed.
    return {
      event,
      settled: { type: event.type, action: 'rejected', code: 'INVALID_EMAIL' },
    };
  }
}

export function createProviderEventService(ctx: CoreContext): ProviderEventService {
  return {
    async apply(events) {
      // Every type is checked before anything is written.
      const prepared = events.map(prepare);
      if (prepared.every((p) => p.settled !== undefined)) {
        return prepared.map((p) => p.settled as ProviderEventOutcome);
      }
      return ctx.store.transaction(async (tx) => {
        const outcomes: ProviderEventOutcome[] = [];
        for (const p of prepared) {
          if (p.settled !== undefined) {
            outcomes.push(p.settled);
            continue;
          }
          const { event, reason, email } = p;
          const source = `provider:${event.provider}`;
          const { written, upgradedFrom } = await suppressWithAudit(
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
              ...(event.detail === undefined ? {} : { detail: auditDetail(event.detail, email) }),
            },
          );
          outcomes.push(
            written
              ? {
                  type: event.type,
                  action: 'suppressed',
                  ...(upgradedFrom ? { upgradedFrom } : {}),
                }
              : { type: event.type, action: 'already-suppressed' },
          );
        }
        return outcomes;
      });
    },
  };
}
