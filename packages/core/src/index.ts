export { verifyAuditLog } from './audit/audit-chain.js';
export type {
  AuditDraft,
  AuditEntry,
  AuditHead,
  AuditVerification,
} from './audit/audit-entry.js';
export type { AuditService } from './audit/audit-service.js';
export type { BreachIncident, BreachPhase, BreachRiskLevel } from './breaches/breach-incident.js';
export { BREACH_RISK_LEVELS } from './breaches/breach-incident.js';
export type {
  BreachService,
  CloseBreachInput,
  NotifyInput,
  OpenBreachInput,
  UpdateBreachInput,
} from './breaches/breach-service.js';
export { campaignIdempotencyKey } from './campaigns/campaign-service.js';
export type {
  CampaignChunk,
  CampaignContent,
  CampaignMember,
  CampaignRange,
  CampaignReconcileInput,
  CampaignReconcileReport,
  CampaignReport,
  CampaignRunInput,
  CampaignScan,
  CampaignService,
  PlanChunksInput,
} from './campaigns/campaign-types.js';
export type {
  GdprMailConfig,
  LawfulBasis,
  PurposeConfig,
  PurposeKind,
  ResolvedConfig,
} from './config/config-schema.js';
export {
  configSchema,
  LAWFUL_BASES,
  PURPOSE_KINDS,
  RETENTION_ACTIONS,
  RETENTION_ANCHORS,
} from './config/config-schema.js';
export { parseConfig } from './config/parse-config.js';
export type {
  ConsentEvent,
  ConsentEventType,
  ConsentMethod,
  ConsentProof,
  LedgerHead,
} from './consent/consent-event.js';
export { ALL_PURPOSES, CONSENT_EVENT_TYPES, CONSENT_METHODS } from './consent/consent-event.js';
export type {
  ChoicesInput,
  ChoicesResult,
  ConsentChangeResult,
  ConsentProofBundle,
  ConsentService,
  ConsentState,
  RecordConsentInput,
  WithdrawInput,
} from './consent/consent-service.js';
export type { ConsentEvidence, WithdrawalEvidence } from './consent/evidence.js';
export type {
  ChainVerification,
  ConsentStatus,
  Hashable,
  PurposeConsentState,
} from './consent/ledger.js';
export { verifyConsentChain } from './consent/ledger.js';
export type { NoticeCheckInput } from './consent/notice.js';
export { DEFAULT_WITHDRAWAL_PATTERN, hashNotice, missingNoticeElements } from './consent/notice.js';
export type {
  ContactImportColumns,
  ContactImportOptions,
  ContactService,
} from './contacts/contact-importer.js';
export type { TextChunks } from './contacts/csv-stream.js';
export type {
  ContactImportReport,
  ImportConflictSample,
  ImportProgress,
  ImportRejectReason,
  ImportSample,
} from './contacts/import-report.js';
export { IMPORT_REJECT_REASONS } from './contacts/import-report.js';
export type { LanguageMatch } from './contacts/language.js';
export type { DataKeyRing } from './crypto/data-key-ring.js';
export type { ErasureJournal, ErasureJournalEntry } from './crypto/erasure-journal.js';
export type {
  FileErasureJournal,
  FileErasureJournalOptions,
} from './crypto/file-erasure-journal.js';
export { createFileErasureJournal } from './crypto/file-erasure-journal.js';
export type { KeyEncryptionKey, KeyProvider, LocalKeySecret } from './crypto/key-provider.js';
export { assertKeyId, createLocalKeyProvider, KEY_ID_PATTERN } from './crypto/key-provider.js';
export { createMemoryErasureJournal } from './crypto/memory-erasure-journal.js';
export { SEALED_PROFILE_PATHS, SEALED_PROOF_FIELDS } from './crypto/subject-sealing.js';
export type {
  OptInConfirmResult,
  OptInInspection,
  OptInPurgeResult,
  OptInRequestOptions,
  OptInRequestResult,
  OptInService,
} from './double-opt-in/opt-in-service.js';
export type { CsvOptions } from './dsar/csv.js';
export { toCsv } from './dsar/csv.js';
export type { DsarDataSource, DsarSubject, ProcessorEraser } from './dsar/data-source.js';
export type { DsarDeadlines } from './dsar/dsar-deadlines.js';
export { canExtend, daysUntil, dsarDeadlines } from './dsar/dsar-deadlines.js';
export type {
  DsarRequest,
  DsarSourceResult,
  DsarStatus,
  DsarStep,
  DsarType,
} from './dsar/dsar-request.js';
export {
  DSAR_OPEN_STATUSES,
  DSAR_STATUSES,
  DSAR_TYPES,
  dsarDeadline,
  isDsarVerified,
  restrictionInForce,
} from './dsar/dsar-request.js';
export type {
  DsarMailKind,
  DsarNoticeOptions,
  DsarOptions,
  DsarRequestInput,
  DsarSendMail,
  DsarService,
  ErasureCertificate,
  LegalHold,
} from './dsar/dsar-service.js';
export { EXPORT_FORMAT } from './dsar/export-bundle.js';
export type {
  ErasedSubject,
  ErasureReason,
  ErasureService,
  ReplayReport,
} from './erasures/erasure-service.js';
export type {
  GdprMailErrorCode,
  GdprMailErrorIssue,
  GdprMailErrorOptions,
} from './errors/gdpr-mail-error.js';
export { ERROR_CODES, GdprMailError, isGdprMailError } from './errors/gdpr-mail-error.js';
export type { GdprMail } from './gdpr-mail.js';
export { createGdprMail } from './gdpr-mail.js';
export type { RateLimiter, RateLimiterFactory, RateLimitWindow } from './http/rate-limiter.js';
export type { KeyService, KeyStatus, RewrapReport } from './keys/key-service.js';
export type { LinkRecipient, LinkService } from './links/link-service.js';
export type { MailOutcome, MailReport } from './mailer/mail-outcome.js';
export type {
  Mailer,
  MailInput,
  SendManyOptions,
  SystemMailKind,
} from './mailer/mailer-service.js';
export type { FooterLinks } from './mailer/unsubscribe-footer.js';
export {
  lintMarketingMail,
  PLACEHOLDERS,
  withUnsubscribeFooter,
} from './mailer/unsubscribe-footer.js';
export type {
  GdprEventListener,
  GdprEventMap,
  GdprEventName,
  GdprEvents,
} from './observability/gdpr-events.js';
export type { GdprLogger } from './observability/logger.js';
export type {
  DsarRequestWork,
  OutboxDrainResult,
  OutboxKind,
  OutboxSendMail,
  OutboxService,
  OutboxWork,
  SignupWork,
} from './outbox/outbox-service.js';
export type { AgeGateOptions, AgeGateResult } from './policy/age-gate.js';
export { AGE_OF_CONSENT, ageGate } from './policy/age-gate.js';
export type { AudienceMember, AudienceOptions } from './policy/audience.js';
export {
  B2B_RULES,
  DEFAULT_GENERIC_LOCAL_PARTS,
  isGenericRoleAddress,
} from './policy/b2b-rules.js';
export type { AllowReason, DenyReason, SendContext, SendDecision } from './policy/can-send.js';
export { ALLOW_REASONS, DENY_REASONS } from './policy/can-send.js';
export type {
  PreferenceEvidence,
  PreferenceItem,
  PreferenceService,
  PreferenceView,
} from './preferences/preference-service.js';
export type { TransferSafeguard } from './records/eea.js';
export { EEA_COUNTRIES, isEea, TRANSFER_SAFEGUARDS } from './records/eea.js';
export type { PrivacyNoticeFacts } from './records/privacy-notice-facts.js';
export { DATA_SUBJECT_RIGHTS } from './records/privacy-notice-facts.js';
export type {
  ProcessingActivity,
  ProcessorRecord,
  RecordsOfProcessing,
  RetentionRecord,
} from './records/records-of-processing.js';
export type { RecordsFormat, RecordsService } from './records/records-service.js';
export type {
  RepermissionClickProof,
  RepermissionConfirmResult,
  RepermissionExpireReport,
  RepermissionInspection,
  RepermissionSendOptions,
  RepermissionSendReport,
  RepermissionService,
  RepermissionSkipReason,
} from './repermission/repermission-service.js';
export { REPERMISSION_SKIP_REASONS } from './repermission/repermission-service.js';
export type {
  RepermissionMailInput,
  RepermissionMessages,
  RepermissionTemplate,
} from './repermission/repermission-template.js';
export {
  builtInRepermissionTemplate,
  REPERMISSION_MESSAGES,
} from './repermission/repermission-template.js';
export type { RetentionVerdict } from './retention/retention-decision.js';
export type {
  RetentionPlan,
  RetentionService,
  RetentionSource,
  SweepReport,
} from './retention/retention-service.js';
export { matchesSegment } from './segments/match-segment.js';
export type {
  AudienceSegment,
  SegmentField,
  SegmentFilter,
  SegmentValues,
} from './segments/segment-filter.js';
export { checkSegmentChange, SEGMENT_FIELDS } from './segments/segment-filter.js';
export type { EncryptedStore, EncryptedStoreOptions } from './store/encrypted-store.js';
export { createEncryptedStore, isEncryptedStore } from './store/encrypted-store.js';
export { MemoryStore } from './store/memory-store.js';
export type {
  AgeBracket,
  AudienceOperations,
  AudienceQuery,
  AuditOperations,
  BreachCursor,
  BreachListQuery,
  CampaignDeliveryQuery,
  ClaimOptions,
  ConsentOperations,
  ContactConflict,
  ContactFacts,
  ContactSource,
  DeliveryClaim,
  DeliveryOperations,
  DeliveryRecord,
  DeliverySettle,
  DeliveryStart,
  DeliveryStatus,
  DeliveryUpdate,
  DocumentOperations,
  DsarCursor,
  DsarListQuery,
  DsarOperations,
  GdprStore,
  ImportBatchWrite,
  ImportOperations,
  ListOptions,
  NoticeRecord,
  OutboxClaimQuery,
  OutboxItem,
  OutboxRelease,
  PendingOptIn,
  RepermissionState,
  RepermissionStatus,
  SegmentChange,
  SegmentOperations,
  SendFacts,
  SendFactsSubject,
  StoreOperations,
  SubjectDataKeyChange,
  SubjectOperations,
  SubjectProfile,
  SubjectRecord,
  SuppressionEntry,
  SuppressionOperations,
  SuppressionReason,
} from './store/store-types.js';
export {
  AGE_BRACKETS,
  DELIVERY_STATUSES,
  isGdprStore,
  REPERMISSION_STATUSES,
  SUPPRESSION_REASONS,
} from './store/store-types.js';
export { isValidEmail, normalizeEmail } from './subjects/normalize-email.js';
export type { SubjectProfilePatch, SubjectService } from './subjects/subject-service.js';
export type {
  AuditedBy,
  SuppressionService,
} from './suppression/suppression-service.js';
export type { ConfirmationMessages } from './templates/confirmation-messages.js';
export { CONFIRMATION_MESSAGES } from './templates/confirmation-messages.js';
export type {
  ConfirmationMailInput,
  ConfirmationTemplate,
  MailContent,
  RenderedMail,
} from './templates/confirmation-template.js';
export { builtInConfirmationTemplate } from './templates/confirmation-template.js';
export type { DoubleOptInLinks } from './templates/lint-double-opt-in.js';
export { lintDoubleOptInTemplate } from './templates/lint-double-opt-in.js';
export type { KeyRing, TokenKey } from './tokens/key-ring.js';
export { createKeyRing } from './tokens/key-ring.js';
export { createTokenSigner } from './tokens/token-signer.js';
export type { SignTokenInput, TokenClaims, TokenSigner, TokenType } from './tokens/token-types.js';
export { TOKEN_TYPES } from './tokens/token-types.js';
export type { OpenHit, TrackingService } from './tracking/tracking-service.js';
export type { Sleep } from './transport/abortable-sleep.js';
export type {
  BatchSendDefinition,
  DefinedTransport,
  SingleSendDefinition,
  TransportDefinition,
} from './transport/define-transport.js';
export { defineTransport } from './transport/define-transport.js';
export type {
  InMemoryTransportOptions,
  SentMessage,
} from './transport/memory-transport.js';
export { InMemoryTransport } from './transport/memory-transport.js';
export type {
  Mailbox,
  MailboxInput,
  OutgoingMessage,
  ValidatedMessage,
} from './transport/outgoing-message.js';
export { redactAddresses } from './transport/redact-addresses.js';
export type { ResilienceOptions } from './transport/resilient-transport.js';
export { resilientTransport } from './transport/resilient-transport.js';
export { parseRetryAfter } from './transport/retry-after.js';
export type {
  FailureCategory,
  SendAccepted,
  SendAmbiguous,
  SendFailed,
  SendFailure,
  SendResult,
} from './transport/send-result.js';
export {
  FAILURE_CATEGORIES,
  failed,
  MAIL_NOT_SENT_CODES,
  sendResultError,
} from './transport/send-result.js';
export type { TokenBucketOptions } from './transport/token-bucket.js';
export { TokenBucket } from './transport/token-bucket.js';
export type {
  DeliveryLookup,
  DeliveryLookupResult,
  ProcessorDescriptor,
  ProcessorErasureResult,
  SendOptions,
  Transport,
  TransportCapabilities,
} from './transport/transport.js';
export { validateMessage } from './transport/validate-message.js';
export type { RateLimitOptions } from './transport/with-rate-limit.js';
export { withRateLimit } from './transport/with-rate-limit.js';
export type { RetryOptions } from './transport/with-retries.js';
export { withRetries } from './transport/with-retries.js';
export type {
  UnsubscribeInspection,
  UnsubscribeService,
} from './unsubscribe/unsubscribe-service.js';
export type {
  ProviderEvent,
  ProviderEventOutcome,
  ProviderEventService,
  ProviderEventType,
} from './webhooks/provider-events.js';
export { PROVIDER_EVENT_TYPES } from './webhooks/provider-events.js';
export type {
  WebhookHandler,
  WebhookRequest,
  WebhookResponse,
} from './webhooks/webhook-handler.js';
