import type { PurposeConfig, ResolvedConfig } from './config/config-schema.js';
import { keyedHash } from './crypto/hashing.js';
import { GdprMailError } from './errors/gdpr-mail-error.js';
import type { GdprStore } from './store/store-types.js';
import { createKeyRing } from './tokens/key-ring.js';
import { createTokenSigner } from './tokens/token-signer.js';
import type { TokenSigner } from './tokens/token-types.js';

/** What every module of one GdprMail instance shares. Internal. */
export interface CoreContext {
  readonly config: ResolvedConfig;
  readonly store: GdprStore;
  now(): Date;
  purpose(id: string): PurposeConfig;
  /** Keyed hash used to find a subject by address. */
  subjectHash(normalizedEmail: string): string;
  /** Keyed hash kept in the suppression list (REQ-28). */
  suppressionHash(normalizedEmail: string): string;
  /** Signs and checks every link the SDK mails (REQ-12, REQ-18). */
  readonly tokens: TokenSigner;
}

export function createContext(config: ResolvedConfig, store: GdprStore): CoreContext {
  const purposes = new Map(config.purposes.map((p) => [p.id, p]));
  const pepper = config.secrets.pepper;
  const now = config.clock ?? (() => new Date());
  return {
    config,
    store,
    now,
    tokens: createTokenSigner(createKeyRing(config.tokens.keys), now),
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
    subjectHash: (email) => keyedHash(pepper, 'gdpr-mail/subject', email),
    suppressionHash: (email) => keyedHash(pepper, 'gdpr-mail/suppression', email),
  };
}
