import { z } from 'zod';
import type { PurposeConfig } from '../config/config-schema.js';
import { formatIssues } from '../config/parse-config.js';
import type { CoreContext } from '../context.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { ConsentMethod, ConsentProof } from './consent-event.js';
import { CONSENT_METHODS } from './consent-event.js';
import { assertNoticeShown, hashNotice } from './notice.js';

const commonEvidence = {
  method: z.enum(CONSENT_METHODS).optional(),
  source: z.string().min(1).max(500),
  actor: z.string().min(1).max(200).default('subject'),
  formId: z.string().min(1).max(200).optional(),
  ip: z.string().max(100).optional(),
  userAgent: z.string().max(1000).optional(),
  reason: z.string().max(1000).optional(),
};

/** Proof of an affirmative act: who acted, where, on which form (REQ-01, REQ-05). */
export const consentEvidenceSchema = z.object({
  action: z.literal('affirmative'),
  ...commonEvidence,
  /** Notice versions the person saw, per purpose; defaults to the current ones. */
  noticeVersions: z.record(z.string(), z.string()).optional(),
  parental: z.boolean().optional(),
  ui: z
    .object({
      preChecked: z.boolean().optional(),
      /** Consent was a condition of, or hidden in, the terms of service. */
      bundledWithTerms: z.boolean().optional(),
      /** One checkbox stood for several purposes. */
      singleControl: z.boolean().optional(),
    })
    .optional(),
});
export type ConsentEvidence = z.input<typeof consentEvidenceSchema>;

/** Withdrawing or objecting needs no affirmative flag: it must be as easy as possible (REQ-10). */
export const withdrawalEvidenceSchema = z.object(commonEvidence);
export type WithdrawalEvidence = z.input<typeof withdrawalEvidenceSchema>;

function validationError(message: string, error: z.ZodError): GdprMailError {
  return new GdprMailError('VALIDATION_FAILED', message, { issues: formatIssues(error.issues) });
}

/**
 * Refuses consent that is not a clear affirmative act, one control per purpose,
 * separate from the terms (REQ-01, REQ-02, REQ-03), before any other check.
 */
export function parseConsentEvidence(
  input: unknown,
  purposeCount: number,
): z.output<typeof consentEvidenceSchema> {
  const raw = (typeof input === 'object' && input !== null ? input : {}) as {
    action?: unknown;
    ui?: { preChecked?: unknown; bundledWithTerms?: unknown; singleControl?: unknown };
  };
  if (raw.action !== 'affirmative') {
    throw new GdprMailError(
      'CONSENT_NOT_AFFIRMATIVE',
      'Consent needs an affirmative act (evidence.action = "affirmative"); silence, inactivity or implied consent do not count.',
    );
  }
  if (raw.ui?.preChecked === true) {
    throw new GdprMailError('CONSENT_PRECHECKED', 'A pre-ticked box is not consent.');
  }
  if (raw.ui?.bundledWithTerms === true) {
    throw new GdprMailError(
      'CONSENT_BUNDLED',
      'Consent cannot be bundled with the terms of service: offer it as a separate choice.',
    );
  }
  if (raw.ui?.singleControl === true && purposeCount > 1) {
    throw new GdprMailError(
      'CONSENT_BUNDLED',
      'Each purpose needs its own control: one checkbox cannot consent to several purposes.',
    );
  }
  const result = consentEvidenceSchema.safeParse(input);
  if (!result.success) throw validationError('Invalid consent evidence.', result.error);
  return result.data;
}

export function parseWithdrawalEvidence(input: unknown): z.output<typeof withdrawalEvidenceSchema> {
  const result = withdrawalEvidenceSchema.safeParse(input ?? {});
  if (!result.success) throw validationError('Invalid withdrawal evidence.', result.error);
  return result.data;
}

type ParsedEvidence = z.output<typeof withdrawalEvidenceSchema> & { parental?: boolean };

/** Builds the proof stored with an event, keeping IP and user agent only when configured. */
export function buildProof(
  ctx: CoreContext,
  evidence: ParsedEvidence,
  defaultMethod: ConsentMethod,
  purpose?: PurposeConfig,
): ConsentProof {
  const proof: ConsentProof = {
    source: evidence.source,
    method: evidence.method ?? defaultMethod,
    actor: evidence.actor,
  };
  if (purpose) {
    // The last gate before a grant's proof is written, for callers that skip assertConsentable.
    assertNoticeShown(purpose);
    proof.noticeVersion = purpose.notice.version;
    proof.noticeHash = hashNotice(purpose.notice.text);
  }
  if (evidence.formId !== undefined) proof.formId = evidence.formId;
  if (evidence.reason !== undefined) proof.reason = evidence.reason;
  if (evidence.parental) proof.parental = true;
  if (ctx.config.proof.recordIp && evidence.ip !== undefined) proof.ip = evidence.ip;
  if (ctx.config.proof.recordUserAgent && evidence.userAgent !== undefined) {
    proof.userAgent = evidence.userAgent;
  }
  return proof;
}
