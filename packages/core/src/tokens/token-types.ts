export const TOKEN_TYPES = [
  'confirm',
  'unsubscribe',
  'preferences',
  'dsar-verify',
  'dsar-download',
  'open',
  're-permission',
] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

/** What a signed link asserts. Never the address: tokens end up in logs (REQ-18). */
export interface TokenClaims {
  type: TokenType;
  /** The store's subject id. */
  subjectId: string;
  /** Purpose ids, or `['*']` for every purpose. */
  purposes: string[];
  /** Notice version per purpose, as shown when the link was made. */
  noticeVersions?: Record<string, string>;
  issuedAt: Date;
  /** Absent: the link never expires (unsubscribe links by default). */
  expiresAt?: Date;
  /** Random, unique per token: the single-use key where single use matters. */
  nonce: string;
}

export interface SignTokenInput {
  type: TokenType;
  subjectId: string;
  purposes: readonly string[];
  noticeVersions?: Readonly<Record<string, string>>;
  /** Overrides the issue time (defaults to the instance clock). */
  issuedAt?: Date;
  expiresAt?: Date;
  /** Overrides the random nonce, e.g. to bind the token to a stored record. */
  nonce?: string;
}

export interface TokenSigner {
  /** Signs with the newest key of the ring. */
  sign(input: SignTokenInput): string;
  /** Signs and also returns the claims as they were encoded. */
  issue(input: SignTokenInput): { token: string; claims: TokenClaims };
  /**
   * Checks signature, type and expiry, in that order. Throws GdprMailError
   * TOKEN_INVALID (malformed, forged, unknown key), TOKEN_WRONG_TYPE or TOKEN_EXPIRED.
   */
  verify(token: unknown, expectedType: TokenType): TokenClaims;
}
