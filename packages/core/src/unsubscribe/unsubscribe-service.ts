import { ALL_PURPOSES } from '../consent/consent-event.js';
import type { ConsentChangeResult, ConsentService } from '../consent/consent-service.js';
import type { WithdrawalEvidence } from '../consent/evidence.js';
import type { CoreContext } from '../context.js';
import type { TokenClaims } from '../tokens/token-types.js';

export interface UnsubscribeInspection {
  /** `'all'` or the purposes the link withdraws, with their titles for the page. */
  scope: 'all' | Array<{ id: string; title: string }>;
  controllerName: string;
}

export interface UnsubscribeService {
  /**
   * RFC 8058 `POST` (List-Unsubscribe=One-Click) or the page's button: records
   * `withdrawn` with proof (and suppresses the address for 'all'). Idempotent:
   * a repeat succeeds and records nothing new (REQ-10, REQ-12, REQ-13).
   */
  oneClick(token: string, evidence?: Partial<WithdrawalEvidence>): Promise<ConsentChangeResult>;
  /** The `GET` of the link: verifies and describes, changes nothing (prefetch-safe). */
  inspect(token: string): Promise<UnsubscribeInspection>;
}

function known(ctx: CoreContext, claims: TokenClaims): string[] | 'all' {
  if (claims.purposes.includes(ALL_PURPOSES)) return 'all';
  // A purpose removed from the config since the mail went out cannot be mailed anyway.
  const declared = new Set(ctx.config.purposes.map((p) => p.id));
  return claims.purposes.filter((id) => declared.has(id));
}

export function createUnsubscribeService(
  ctx: CoreContext,
  consent: ConsentService,
): UnsubscribeService {
  return {
    async oneClick(token, evidence = {}) {
      const claims = ctx.tokens.verify(token, 'unsubscribe');
      const purposes = known(ctx, claims);
      const subject = await ctx.store.getSubject(claims.subjectId);
      // Erased since: the erasure already suppressed the address; nothing left to record.
      if (!subject || (purposes !== 'all' && purposes.length === 0)) {
        return { subjectId: subject?.id, events: [] };
      }
      return consent.withdraw({
        email: subject.email,
        purposes,
        evidence: {
          source: 'list-unsubscribe',
          actor: 'subject',
          ...evidence,
          method: 'one-click-unsubscribe',
        },
      });
    },
    async inspect(token) {
      const claims = ctx.tokens.verify(token, 'unsubscribe');
      const purposes = known(ctx, claims);
      return {
        scope:
          purposes === 'all' ? 'all' : purposes.map((id) => ({ id, title: ctx.purpose(id).title })),
        controllerName: ctx.config.controller.name,
      };
    },
  };
}
