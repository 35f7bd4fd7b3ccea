import type { ConsentEvent } from '../consent/consent-event.js';
import { ALL_PURPOSES } from '../consent/consent-event.js';
import type {
  ChoicesResult,
  ConsentChangeResult,
  ConsentService,
} from '../consent/consent-service.js';
import { isCurrentInLedger } from '../consent/consent-service.js';
import type { CoreContext } from '../context.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { DenyReason, SendDecision } from '../policy/can-send.js';
import { canSend } from '../policy/can-send.js';
import type { SubjectRecord } from '../store/store-types.js';
import type { TokenClaims } from '../tokens/token-types.js';

export interface PreferenceItem {
  id: string;
  title: string;
  kind: 'marketing' | 'tracking' | 'profiling';
  noticeText: string;
  noticeVersion: string;
  /**
   * Shown ticked: the person receives it (a current grant, or a soft opt-in / B2B basis not
   * objected to), or holds a current grant while mail is held back for a reason that is not
   * their choice (a hard bounce, a restriction, an archive, a missing parental consent). A
   * tracking purpose is unticked while a DNT / GPC signal is stored (REQ-15).
   */
  subscribed: boolean;
}

export interface PreferenceView {
  subjectId: string;
  items: PreferenceItem[];
}

export interface PreferenceEvidence {
  ip?: string;
  userAgent?: string;
}

export interface PreferenceService {
  /** What the preference page shows for this link; changes nothing. */
  inspect(token: string): Promise<PreferenceView>;
  /**
   * Saves the ticked state of each purpose in the link's scope: ticked ones are
   * granted (an affirmative act by the person), unticked ones withdrawn (REQ-10).
   */
  save(
    token: string,
    subscribed: Readonly<Record<string, boolean>>,
    evidence?: PreferenceEvidence,
  ): Promise<ChoicesResult>;
  /** "Unsubscribe from all" from the preference centre (SEED-04). */
  unsubscribeAll(token: string, evidence?: PreferenceEvidence): Promise<ConsentChangeResult>;
}

/** Denials that stop mail whatever the person chose: their consent still stands. */
const HELD_BACK: ReadonlySet<DenyReason> = new Set([
  'restricted',
  'archived',
  'minor-without-parental-consent',
  'age-unknown',
]);

function isHeldBack(decision: SendDecision): boolean {
  if (decision.allowed) return false;
  // A hard bounce says nothing of the person's wishes; an "unsubscribe from all", a spam
  // complaint or a manual entry (often asked for by phone) may well be their choice.
  if (decision.reason === 'suppressed') return decision.suppression === 'hard-bounce';
  return HELD_BACK.has(decision.reason);
}

export function createPreferenceService(
  ctx: CoreContext,
  consent: ConsentService,
): PreferenceService {
  async function open(
    token: string,
  ): Promise<{ claims: TokenClaims; subject: SubjectRecord; ids: string[] }> {
    const claims = ctx.tokens.verify(token, 'preferences');
    const subject = await ctx.store.getSubject(claims.subjectId);
    if (!subject) {
      throw new GdprMailError('TOKEN_INVALID', 'This link is no longer valid.', {
        details: { reason: 'subject' },
      });
    }
    const all = claims.purposes.includes(ALL_PURPOSES);
    const ids = ctx.config.purposes
      .filter((p) => p.kind !== 'transactional' && (all || claims.purposes.includes(p.id)))
      .map((p) => p.id);
    return { claims, subject, ids };
  }

  return {
    async inspect(token) {
      const { subject, ids } = await open(token);
      const signals = subject.profile.privacySignals;
      // REQ-15: a DNT / GPC signal stored on the profile blocks individual tracking. The
      // tracking box then shows unticked, whatever consent is on record: a box shown
      // ticked and saved as is would be taken for the person's own tick, which lifts the
      // signal (REQ-01: a pre-ticked box is not an act).
      const signalled = Boolean(signals?.dnt || signals?.gpc);
      // Read only when a denial may be a held-back grant: canSend has read it already.
      let events: readonly ConsentEvent[] | undefined;
      const items: PreferenceItem[] = [];
      for (const id of ids) {
        const purpose = ctx.purpose(id);
        // Soft opt-in and B2B mail reach the person without a grant: ask the policy,
        // assuming a professionally relevant message, whether they receive it.
        const decision = await canSend(ctx, subject.email, id, { professionalRelevance: true });
        // A current grant held back by something that is not the person's choice stays
        // ticked: shown unticked, a save would record a withdrawal they never made (REQ-05).
        let held = false;
        if (isHeldBack(decision)) {
          events ??= await ctx.store.listConsentEvents(subject.id);
          held = isCurrentInLedger(ctx, events, id);
        }
        items.push({
          id,
          title: purpose.title,
          kind: purpose.kind as PreferenceItem['kind'],
          noticeText: purpose.notice.text,
          noticeVersion: purpose.notice.version,
          subscribed: (decision.allowed || held) && !(signalled && purpose.kind === 'tracking'),
        });
      }
      return { subjectId: subject.id, items };
    },

    async save(token, subscribed, evidence = {}) {
      if (typeof subscribed !== 'object' || subscribed === null || Array.isArray(subscribed)) {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          'Give the state of each purpose as { purposeId: true | false }.',
        );
      }
      const { subject, ids } = await open(token);
      const choices: Record<string, boolean> = {};
      for (const [id, value] of Object.entries(subscribed)) {
        if (!ids.includes(id)) {
          throw new GdprMailError('VALIDATION_FAILED', `"${id}" is not managed from this link.`, {
            details: { purposeId: id },
          });
        }
        // Anything but a boolean is a mistake, not an untick: it must not withdraw.
        if (typeof value !== 'boolean') {
          throw new GdprMailError(
            'VALIDATION_FAILED',
            `Choice for "${id}" must be true or false.`,
            {
              details: { purposeId: id },
            },
          );
        }
        choices[id] = value;
      }
      // A purpose left out of the form was unticked: browsers omit unticked boxes.
      for (const id of ids) choices[id] ??= false;
      return consent.choices({
        email: subject.email,
        choices,
        evidence: {
          action: 'affirmative',
          method: 'preference-center',
          source: 'preference-center',
          actor: 'subject',
          ...evidence,
        },
      });
    },

    async unsubscribeAll(token, evidence = {}) {
      const { subject } = await open(token);
      return consent.withdraw({
        email: subject.email,
        purposes: 'all',
        evidence: {
          method: 'preference-center',
          source: 'preference-center',
          actor: 'subject',
          ...evidence,
        },
      });
    },
  };
}
