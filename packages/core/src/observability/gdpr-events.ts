import type { AuditEntry } from '../audit/audit-entry.js';
import type { ConsentEventType } from '../consent/consent-event.js';
import type { GdprLogger } from './logger.js';

/**
 * What happened, with pseudonymous ids only: a subject id or the keyed reference the audit
 * log uses, never an address, a name or a token. Each event fires once its change has
 * committed: a rolled-back or retried transaction fires nothing.
 */
export interface GdprEventMap {
  /** A consent ledger event was recorded (grant, withdrawal, objection, confirmation…). */
  'consent.changed': { subjectId: string; purposeId: string; type: ConsentEventType; at: Date };
  /** A person's data was erased (their data key destroyed with their rows). */
  'subject.erased': {
    subjectId: string;
    reason: 'dsar' | 'retention' | 'admin' | 'opt-in-expired';
    at: Date;
  };
  /** A mail was accepted by the transport. `subjectRef` as in the audit log. */
  'mail.sent': { subjectRef?: string; purposeId: string; campaignId?: string; at: Date };
  /** The policy refused a mail, with its reason (`suppressed`, `no-consent`…). */
  'mail.denied': {
    subjectRef?: string;
    purposeId: string;
    reason: string;
    campaignId?: string;
    at: Date;
  };
  /** A data-subject request was received (before the address is verified). */
  'dsar.received': { requestId: string; type: string; subjectRef?: string; at: Date };
  /** A personal data breach was entered in the register (REQ-33). */
  'breach.recorded': { breachId: string; awareAt: Date; at: Date };
  /** Every audit entry, as chained (REQ-32): the complete, already pseudonymous stream. */
  'audit.appended': AuditEntry;
}

export type GdprEventName = keyof GdprEventMap;
export type GdprEventListener<N extends GdprEventName> = (event: GdprEventMap[N]) => unknown;

export interface GdprEvents {
  /** Subscribes; returns the function that unsubscribes. Listeners run after the commit. */
  on<N extends GdprEventName>(name: N, listener: GdprEventListener<N>): () => void;
  off<N extends GdprEventName>(name: N, listener: GdprEventListener<N>): void;
}

export interface EventBus extends GdprEvents {
  emit<N extends GdprEventName>(name: N, event: GdprEventMap[N]): void;
  /** True when someone listens: callers skip building events nobody reads. */
  has(name: GdprEventName): boolean;
}

export function createEventBus(logger: GdprLogger): EventBus {
  const listeners = new Map<GdprEventName, Set<GdprEventListener<GdprEventName>>>();
  const report = (name: GdprEventName, error: unknown) =>
    logger.error({ event: name, err: error }, 'a gdpr-mail event listener failed');
  return {
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
      }
      set.add(listener as GdprEventListener<GdprEventName>);
      // Not `this.off`: an `on` taken off the object (`const { on } = gdpr.events`) has no `this`.
      const added = set;
      return () => {
        added.delete(listener as GdprEventListener<GdprEventName>);
      };
    },
    off(name, listener) {
      listeners.get(name)?.delete(listener as GdprEventListener<GdprEventName>);
    },
    has: (name) => (listeners.get(name)?.size ?? 0) > 0,
    emit(name, event) {
      const set = listeners.get(name);
      if (!set) return;
      for (const listener of [...set]) {
        // A listener never breaks or slows the operation: errors are logged, promises not awaited.
        try {
          const result = listener(event);
          if (result instanceof Promise) result.catch((error) => report(name, error));
        } catch (error) {
          report(name, error);
        }
      }
    },
  };
}
