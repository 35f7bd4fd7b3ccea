import type { AuditService } from './audit/audit-service.js';
import { createAuditService } from './audit/audit-service.js';
import type { BreachService } from './breaches/breach-service.js';
import { createBreachService } from './breaches/breach-service.js';
import { createCampaignService } from './campaigns/campaign-service.js';
import type { CampaignService } from './campaigns/campaign-types.js';
import type { GdprMailConfig, ResolvedConfig } from './config/config-schema.js';
import { parseConfig } from './config/parse-config.js';
import type { ConsentService } from './consent/consent-service.js';
import { createConsentService } from './consent/consent-service.js';
import type { ContactService } from './contacts/contact-importer.js';
import { createContactService } from './contacts/contact-importer.js';
import { createContext } from './context.js';
import type { OptInService } from './double-opt-in/opt-in-service.js';
import { createOptInService } from './double-opt-in/opt-in-service.js';
import type { DsarService } from './dsar/dsar-service.js';
import { createDsarService } from './dsar/dsar-service.js';
import type { ErasureService } from './erasures/erasure-service.js';
import { createErasureService } from './erasures/erasure-service.js';
import type { KeyService } from './keys/key-service.js';
import { createKeyService } from './keys/key-service.js';
import type { LinkService } from './links/link-service.js';
import { createLinkService } from './links/link-service.js';
import type { Mailer } from './mailer/mailer-service.js';
import { createMailer } from './mailer/mailer-service.js';
import { withEventsAfterCommit } from './observability/after-commit.js';
import type { GdprEvents } from './observability/gdpr-events.js';
import { createEventBus } from './observability/gdpr-events.js';
import { instrument } from './observability/instrument.js';
import { safeLogger, silentLogger } from './observability/logger.js';
import { createTelemetry, noTelemetry } from './observability/telemetry.js';
import { createTracedStore } from './observability/traced-store.js';
import type { OutboxService } from './outbox/outbox-service.js';
import { createOutboxService } from './outbox/outbox-service.js';
import type { AudienceMember, AudienceOptions } from './policy/audience.js';
import { resolveAudience } from './policy/audience.js';
import type { SendContext, SendDecision } from './policy/can-send.js';
import { canSend } from './policy/can-send.js';
import type { PreferenceService } from './preferences/preference-service.js';
import { createPreferenceService } from './preferences/preference-service.js';
import type { RecordsService } from './records/records-service.js';
import { createRecordsService } from './records/records-service.js';
import type { RepermissionService } from './repermission/repermission-service.js';
import { createRepermissionService } from './repermission/repermission-service.js';
import type { RetentionService } from './retention/retention-service.js';
import { createRetentionService } from './retention/retention-service.js';
import { openDefaultStore } from './store/default-store.js';
import { createEncryptedStore, isEncryptedStore } from './store/encrypted-store.js';
import {
  attributeHasher,
  resolveErasureJournal,
  resolveKeyProvider,
} from './store/encryption-config.js';
import { createLazyStore } from './store/lazy-store.js';
import type { GdprStore } from './store/store-types.js';
import type { SubjectService } from './subjects/subject-service.js';
import { createSubjectService } from './subjects/subject-service.js';
import type { SuppressionService } from './suppression/suppression-service.js';
import { createSuppressionService } from './suppression/suppression-service.js';
import type { TokenSigner } from './tokens/token-types.js';
import type { TrackingService } from './tracking/tracking-service.js';
import { createTrackingService } from './tracking/tracking-service.js';
import type { UnsubscribeService } from './unsubscribe/unsubscribe-service.js';
import { createUnsubscribeService } from './unsubscribe/unsubscribe-service.js';
import type { ProviderEventService } from './webhooks/provider-events.js';
import { createProviderEventService } from './webhooks/provider-events.js';

export interface GdprMail {
  readonly config: ResolvedConfig;
  readonly store: GdprStore;
  readonly consent: ConsentService;
  readonly subjects: SubjectService;
  readonly suppression: SuppressionService;
  readonly audit: AuditService;
  /** Double opt-in: request, inspect (GET), confirm (POST), purge (REQ-16..18). */
  readonly optIn: OptInService;
  /** Signed unsubscribe and preference-centre links (REQ-10, REQ-12). */
  readonly links: LinkService;
  readonly unsubscribe: UnsubscribeService;
  /** The token-authenticated preference centre (REQ-10, SEED-04). */
  readonly preferences: PreferenceService;
  /** The compliant send pipeline (needs `transport` and `mailer` in the config). */
  readonly mailer: Mailer;
  /** Campaigns: a purpose's audience streamed from the store through the mailer, resumable, never twice. */
  readonly campaigns: CampaignService;
  /** Pixel hits, checked against consent when they happen (REQ-29, REQ-30). */
  readonly tracking: TrackingService;
  /** Data-subject requests: access, portability, erasure, rectification, restriction, objection. */
  readonly dsar: DsarService;
  /** Encryption keys: which key wraps how many data keys, and online rewrap after a rotation (REQ-34). */
  readonly keys: KeyService;
  /** The erasure journal: replay erasures after a backup is restored (REQ-34). */
  readonly erasures: ErasureService;
  /** Retention: plan, sweep and schedule the end of each purpose's retention (REQ-27, SEED-05). */
  readonly retention: RetentionService;
  /** The signer behind every link, for adapters and other modules (e.g. DSAR verification). */
  readonly tokens: TokenSigner;
  /** Bounces, complaints and unsubscribes reported by providers' webhooks, fed into suppression. */
  readonly providerEvents: ProviderEventService;
  /** Record of processing, privacy-notice facts and sub-processor register, from this config. */
  readonly records: RecordsService;
  /**
   * Work the public routes accepted and run after their answer (signup, DSAR
   * request), from the store: `drain()` runs it, `idle()` waits for it (issue #19).
   */
  readonly outbox: OutboxService;
  /** The breach register with its 72-hour clock (Art. 33, 34). */
  readonly breaches: BreachService;
  /** Streamed imports of legacy lists into one contact base with segments and sources (SEED-01). */
  readonly contacts: ContactService;
  /** Ask imported contacts without proof of consent again, with a deadline (SEED-02). */
  readonly repermission: RepermissionService;
  /**
   * Typed events with pseudonymous ids (`consent.changed`, `subject.erased`, `mail.sent`,
   * `mail.denied`, `dsar.received`, `breach.recorded`, `audit.appended`), fired after commit.
   */
  readonly events: GdprEvents;
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
  const raw = resolved.store ?? createLazyStore(() => openDefaultStore(resolved.storage.dir));
  const store = isEncryptedStore(raw)
    ? raw
    : createEncryptedStore(raw, {
        keyProvider: resolveKeyProvider(resolved),
        attributeHash: attributeHasher(resolved.secrets.pepper),
      });
  const logger = resolved.logger ? safeLogger(resolved.logger) : silentLogger;
  const events = createEventBus(logger);
  const telemetry = resolved.telemetry ? createTelemetry() : noTelemetry;
  // Services write through this one: spans per store call (only with @opentelemetry/api
  // installed) and events fired once their transaction has committed.
  const traced = telemetry === noTelemetry ? undefined : createTracedStore(store, telemetry);
  const ctx = createContext(
    resolved,
    withEventsAfterCommit(traced?.store ?? store, events),
    resolveErasureJournal(resolved),
    { events, telemetry },
  );
  const consent = createConsentService(ctx);
  const mailer = createMailer(ctx);
  const dsar = createDsarService(
    ctx,
    { mailer, consent },
    {
      ...(resolved.dsar.authorize ? { authorize: resolved.dsar.authorize } : {}),
      ...(resolved.dsar.rateLimiters ? { rateLimiters: resolved.dsar.rateLimiters } : {}),
      perAddressPerDay: resolved.dsar.perAddressPerDay,
      perIpPerHour: resolved.dsar.perIpPerHour,
    },
  );
  const transport = resolved.transport;
  if (transport?.eraseContact) {
    // Art. 19: a provider that keeps contacts is told of every erasure.
    const eraseContact = transport.eraseContact.bind(transport);
    dsar.registerProcessor({ name: transport.processor.name, eraseContact });
  }
  const outbox = createOutboxService(ctx, () => gdpr);
  const gdpr: GdprMail = {
    config: resolved,
    outbox,
    store,
    consent,
    subjects: createSubjectService(ctx),
    suppression: createSuppressionService(ctx),
    audit: createAuditService(ctx),
    audience: (purposeId, options) => {
      ctx.purpose(purposeId);
      return resolveAudience(ctx, purposeId, options);
    },
    optIn: createOptInService(ctx),
    links: createLinkService(ctx),
    unsubscribe: createUnsubscribeService(ctx, consent),
    preferences: createPreferenceService(ctx, consent),
    mailer,
    campaigns: createCampaignService(ctx, mailer),
    tracking: createTrackingService(ctx),
    retention: createRetentionService(ctx),
    dsar,
    keys: createKeyService(store),
    erasures: createErasureService(ctx),
    providerEvents: createProviderEventService(ctx),
    tokens: ctx.tokens,
    records: createRecordsService(ctx),
    breaches: createBreachService(ctx),
    contacts: createContactService(ctx),
    repermission: createRepermissionService(ctx, mailer),
    events,
    canSend: (email, purposeId, context) => canSend(ctx, email, purposeId, context),
    close: async () => {
      stopWatching();
      // Work accepted before the close is finished, not cut off half-way.
      await outbox.close();
      await mailer.close();
      await store.close();
      await ctx.erasureJournal.close?.();
    },
  };
  const stopWatching = traced ? instrument(gdpr, ctx, traced) : () => undefined;
  return gdpr;
}
