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
export type { CalendarDuration } from './config/iso-duration.js';
export { addDuration, parseIsoDuration } from './config/iso-duration.js';
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
export type { ChainVerification, ConsentStatus, PurposeConsentState } from './consent/ledger.js';
export { deriveConsentState, hashConsentEvent, verifyConsentChain } from './consent/ledger.js';
export { DEFAULT_WITHDRAWAL_PATTERN, hashNotice, missingNoticeElements } from './consent/notice.js';
export type {
  GdprMailErrorCode,
  GdprMailErrorIssue,
  GdprMailErrorOptions,
} from './errors/gdpr-mail-error.js';
export { ERROR_CODES, GdprMailError, isGdprMailError } from './errors/gdpr-mail-error.js';
export type { GdprMail } from './gdpr-mail.js';
export { createGdprMail } from './gdpr-mail.js';
export type { AgeGateResult } from './policy/age-gate.js';
export { AGE_OF_CONSENT, ageGate } from './policy/age-gate.js';
export {
  B2B_RULES,
  DEFAULT_GENERIC_LOCAL_PARTS,
  isGenericRoleAddress,
} from './policy/b2b-rules.js';
export type { AllowReason, DenyReason, SendContext, SendDecision } from './policy/can-send.js';
export { ALLOW_REASONS, DENY_REASONS } from './policy/can-send.js';
export { MemoryStore } from './store/memory-store.js';
export type {
  AgeBracket,
  GdprStore,
  ListOptions,
  NoticeRecord,
  PendingOptIn,
  StoreOperations,
  SubjectProfile,
  SubjectRecord,
  SuppressionEntry,
  SuppressionReason,
} from './store/store-types.js';
export { AGE_BRACKETS, isGdprStore, SUPPRESSION_REASONS } from './store/store-types.js';
export { isValidEmail, normalizeEmail } from './subjects/normalize-email.js';
export type { SubjectProfilePatch, SubjectService } from './subjects/subject-service.js';
export type { SuppressionService } from './suppression/suppression-service.js';
export type { Sleep } from './transport/abortable-sleep.js';
export { abortableSleep } from './transport/abortable-sleep.js';
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
export type { ResilienceOptions } from './transport/resilient-transport.js';
export { resilientTransport } from './transport/resilient-transport.js';
export type {
  FailureCategory,
  SendAccepted,
  SendAmbiguous,
  SendFailed,
  SendFailure,
  SendResult,
} from './transport/send-result.js';
export {
  abortedResult,
  FAILURE_CATEGORIES,
  failed,
  invalidResult,
  sendResultError,
} from './transport/send-result.js';
export type { TokenBucketOptions } from './transport/token-bucket.js';
export { TokenBucket } from './transport/token-bucket.js';
export type {
  ProcessorDescriptor,
  ProcessorRole,
  SendOptions,
  TransferSafeguard,
  Transport,
  TransportCapabilities,
} from './transport/transport.js';
export { PROCESSOR_ROLES, TRANSFER_SAFEGUARDS } from './transport/transport.js';
export { validateMessage } from './transport/validate-message.js';
export type { RateLimitOptions } from './transport/with-rate-limit.js';
export { withRateLimit } from './transport/with-rate-limit.js';
export type { RetryOptions } from './transport/with-retries.js';
export { fullJitterDelay, withRetries } from './transport/with-retries.js';
export { wrapTransport } from './transport/wrap-transport.js';
