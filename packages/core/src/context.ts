import type { PurposeConfig, ResolvedConfig } from './config/config-schema.js';
import { createAddressHashCache } from './crypto/address-hash-cache.js';
import type { ErasureJournal } from './crypto/erasure-journal.js';
import { keyedHash, pepperKey } from './crypto/hashing.js';
import { createMemoryErasureJournal } from './crypto/memory-erasure-journal.js';
import { GdprMailError } from './errors/gdpr-mail-error.js';
import type { EventBus } from './observability/gdpr-events.js';
import { createEventBus } from './observability/gdpr-events.js';
import type { GdprLogger } from './observability/logger.js';
import { safeLogger, silentLogger } from './observability/logger.js';
import type { Telemetry } from './observability/telemetry.js';
import { noTelemetry } from './observability/telemetry.js';
import type { GdprStore } from './store/store-types.js';
import { createKeyRing } from './tokens/key-ring.js';
import { createTokenSigner } from './tokens/token-signer.js';
import type { TokenSigner } from './tokens/token-types.js';

/** What every module of one GdprMail instance shares. Internal. */
export interface CoreContext {
  readonly config: ResolvedConfig;
  readonly store: GdprStore;
  /** Where erasures are remembered apart from the store (REQ-34). */
  readonly erasureJournal: ErasureJournal;
  now(): Date;
  purpose(id: string): PurposeConfig;
  /** Keyed hash used to find a subject by address. */
  subjectHash(normalizedEmail: string): string;
  /** Keyed hash kept in the suppression list (REQ-28). */
  suppressionHash(normalizedEmail: string): string;
  /** Drops the address from the in-memory hash caches (at erasure). */
  forgetAddress(normalizedEmail: string): void;
  /** Signs and checks every link the SDK mails (REQ-12, REQ-18). */
  readonly tokens: TokenSigner;
  /** The configured logger behind a redacting guard; silent by default. */
  readonly logger: GdprLogger;
  /** Typed events for the app (`gdpr.events`), fired after commit. */
  readonly events: EventBus;
  /** OpenTelemetry spans and counters, a no-op without `@opentelemetry/api`. */
  readonly telemetry: Telemetry;
}

/** Addresses whose hashes each process keeps at hand (see createAddressHashCache). */
const ADDRESS_HASH_CACHE = 2048;

export function createContext(
  config: ResolvedConfig,
  store: GdprStore,
  erasureJournal: ErasureJournal = createMemoryErasureJournal(),
  observability: { events?: EventBus; telemetry?: Telemetry } = {},
): CoreContext {
  const logger = config.logger ? safeLogger(config.logger) : silentLogger;
  const purposes = new Map(config.purposes.map((p) => [p.id, p]));
  const key = pepperKey(config.secrets.pepper);
  const now = config.clock ?? (() => new Date());
  const subjectHashes = createAddressHashCache(
    (email) => keyedHash(key, 'gdpr-mail/subject', email),
    ADDRESS_HASH_CACHE,
  );
  const suppressionHashes = createAddressHashCache(
    (email) => keyedHash(key, 'gdpr-mail/suppression', email),
    ADDRESS_HASH_CACHE,
  );
  return {
    config,
    store,
    erasureJournal,
    now,
    tokens: createTokenSigner(createKeyRing(config.tokens.keys), now),
    logger,
    events: observability.events ?? createEventBus(logger),
    telemetry: observability.telemetry ?? noTelemetry,
    purpose(id) {
      const purpose = purposes.get(id);
      if (!purpose) {
        throw new GdprMailError(
          'UNKNOWN_PURPOSE',
          `No purpose "${id}" is declared in the config.`,
          {
            details: { purposeId: id, known: [...purposes.keys()] },
          },
        );
      }
      return purpose;
    },
    subjectHash: (email) => subjectHashes.hash(email),
    suppressionHash: (email) => suppressionHashes.hash(email),
    forgetAddress(email) {
      subjectHashes.forget(email);
      suppressionHashes.forget(email);
    },
  };
}
