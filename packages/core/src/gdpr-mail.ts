import type { AuditService } from './audit/audit-service.js';
import { createAuditService } from './audit/audit-service.js';
import type { GdprMailConfig, ResolvedConfig } from './config/config-schema.js';
import { parseConfig } from './config/parse-config.js';
import type { ConsentService } from './consent/consent-service.js';
import { createConsentService } from './consent/consent-service.js';
import { createContext } from './context.js';
import type { AudienceMember, AudienceOptions } from './policy/audience.js';
import { resolveAudience } from './policy/audience.js';
import type { SendContext, SendDecision } from './policy/can-send.js';
import { canSend } from './policy/can-send.js';
import { openDefaultStore } from './store/default-store.js';
import { createLazyStore } from './store/lazy-store.js';
import type { GdprStore } from './store/store-types.js';
import type { SubjectService } from './subjects/subject-service.js';
import { createSubjectService } from './subjects/subject-service.js';
import type { SuppressionService } from './suppression/suppression-service.js';
import { createSuppressionService } from './suppression/suppression-service.js';

export interface GdprMail {
  readonly config: ResolvedConfig;
  readonly store: GdprStore;
  readonly consent: ConsentService;
  readonly subjects: SubjectService;
  readonly suppression: SuppressionService;
  readonly audit: AuditService;
  /** May this address be mailed for this purpose now? Always answers with a reason. */
  canSend(email: string, purposeId: string, context?: SendContext): Promise<SendDecision>;
  /**
   * Everyone who may be mailed for the purpose now, streamed in batches: each
   * member passed the same decision as `canSend`.
   */
  audience(purposeId: string, options?: AudienceOptions): AsyncIterable<AudienceMember>;
  close(): Promise<void>;
}

/**
 * The SDK's one entry point. Throws CONFIG_INVALID listing every bad field
 * when the config does not hold.
 */
export function createGdprMail(config: GdprMailConfig): GdprMail {
  const resolved = parseConfig(config);
  // No store given: the embedded PGlite store in `storage.dir`, opened on first
  // use so that this factory stays synchronous.
  const store = resolved.store ?? createLazyStore(() => openDefaultStore(resolved.storage.dir));
  const ctx = createContext(resolved, store);
  return {
    config: resolved,
    store,
    consent: createConsentService(ctx),
    subjects: createSubjectService(ctx),
    suppression: createSuppressionService(ctx),
    audit: createAuditService(ctx),
    audience: (purposeId, options) => {
      ctx.purpose(purposeId);
      return resolveAudience(ctx, purposeId, options);
    },
    canSend: (email, purposeId, context) => canSend(ctx, email, purposeId, context),
    close: () => store.close(),
  };
}
