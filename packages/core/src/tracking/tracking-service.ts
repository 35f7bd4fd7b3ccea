import { isCurrentInLedger } from '../consent/consent-service.js';
import type { CoreContext } from '../context.js';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';

export interface OpenHit {
  /** Whether the open may be counted for this person now. */
  counted: boolean;
  subjectId?: string;
  reason:
    | 'consented'
    | 'no-consent'
    | 'privacy-signal'
    | 'unknown-subject'
    | 'invalid-token'
    | 'tracking-off';
}

export interface TrackingService {
  /**
   * Called by the pixel endpoint when it is hit. Consent is checked at that
   * moment, not when the mail was sent: a withdrawal after sending stops
   * counting at once (REQ-30). `signals` are the DNT / Sec-GPC the hit itself
   * carried: either set means the open is not counted (REQ-15), as does one
   * stored on the profile at signup. An open never moves the retention anchor.
   */
  open(token: string, signals?: { dnt: boolean; gpc: boolean }): Promise<OpenHit>;
}

export function createTrackingService(ctx: CoreContext): TrackingService {
  return {
    async open(token, signals) {
      const { mode, purposeId } = ctx.config.tracking;
      if (mode !== 'individual' || !purposeId) return { counted: false, reason: 'tracking-off' };
      // An objection sent with the hit (Art. 21(5)) wins over a consent given earlier, and is
      // honoured before the token is even read: the person is not looked up at all.
      if (signals?.dnt || signals?.gpc) return { counted: false, reason: 'privacy-signal' };
      let subjectId: string;
      try {
        subjectId = ctx.tokens.verify(token, 'open').subjectId;
      } catch (error) {
        if (isGdprMailError(error)) return { counted: false, reason: 'invalid-token' };
        throw error;
      }
      const subject = await ctx.store.getSubject(subjectId);
      if (!subject) return { counted: false, reason: 'unknown-subject' };
      if (subject.profile.privacySignals?.dnt || subject.profile.privacySignals?.gpc) {
        return { counted: false, subjectId, reason: 'privacy-signal' };
      }
      const events = await ctx.store.listConsentEvents(subjectId);
      return isCurrentInLedger(ctx, events, purposeId)
        ? { counted: true, subjectId, reason: 'consented' }
        : { counted: false, subjectId, reason: 'no-consent' };
    },
  };
}
