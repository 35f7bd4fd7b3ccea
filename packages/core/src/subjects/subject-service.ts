import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { appendAuditEntry } from '../audit/audit-chain.js';
import { instantSchema } from '../config/instant-schema.js';
import { formatIssues } from '../config/parse-config.js';
import type { CoreContext } from '../context.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { journalErasures } from '../erasures/erasure-service.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { StoreOperations, SubjectProfile, SubjectRecord } from '../store/store-types.js';
import { AGE_BRACKETS } from '../store/store-types.js';
import { normalizeEmail } from './normalize-email.js';

const date = instantSchema;

/** What an app may set on a subject's profile; validated at the boundary. */
export const subjectProfilePatchSchema = z.strictObject({
  /** The person's display name, used in the `To` header (personal data, issue #18). */
  name: z.string().trim().min(1).max(256).nullable().optional(),
  /** A phone number as given by the app (personal data, issue #18). */
  phone: z.string().trim().min(1).max(64).nullable().optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
    .transform((c) => c.toUpperCase())
    .optional(),
  ageBracket: z.enum(AGE_BRACKETS).optional(),
  parentalConsent: z
    .object({ at: date, method: z.string().min(1), reference: z.string().optional() })
    .optional(),
  customer: z
    .object({
      saleRef: z.string().min(1),
      categories: z.array(z.string().min(1)).min(1),
      objectionOfferedAt: date,
    })
    .optional(),
  professional: z.object({ informedAt: date, jobTitle: z.string().optional() }).optional(),
  privacySignals: z.object({ dnt: z.boolean(), gpc: z.boolean(), at: date }).optional(),
  restriction: z
    .object({ at: date, reason: z.string().min(1) })
    .nullable()
    .optional(),
  language: z
    .string()
    .regex(/^[a-z]{2}$/, 'must be an ISO 639-1 code')
    .optional(),
  lastInteractionAt: date.optional(),
  accountOpenedAt: date.nullable().optional(),
  accountClosedAt: date.nullable().optional(),
  archivedAt: date.nullable().optional(),
  legalHold: z
    .object({ reason: z.string().min(1), until: date.optional() })
    .nullable()
    .optional(),
});

export type SubjectProfilePatch = z.input<typeof subjectProfilePatchSchema>;

export function parseProfilePatch(input: unknown): z.output<typeof subjectProfilePatchSchema> {
  const result = subjectProfilePatchSchema.safeParse(input);
  if (!result.success) {
    const issues = formatIssues(result.error.issues);
    throw new GdprMailError('VALIDATION_FAILED', 'Invalid subject profile.', { issues });
  }
  return result.data;
}

export function mergeProfile(
  profile: SubjectProfile,
  patch: z.output<typeof subjectProfilePatchSchema>,
): SubjectProfile {
  const merged: SubjectProfile = { ...profile };
  for (const [key, value] of Object.entries(patch) as [keyof SubjectProfile, unknown][]) {
    if (value === undefined) continue;
    if (value === null) delete merged[key];
    else (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/** The profile fields whose value differs between two versions, sorted: names only, never values. */
function changedProfileFields(before: SubjectProfile, after: SubjectProfile): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter(
      (key) =>
        canonicalJson((before as Record<string, unknown>)[key]) !==
        canonicalJson((after as Record<string, unknown>)[key]),
    )
    .sort();
}

export async function findSubject(
  ctx: CoreContext,
  ops: StoreOperations,
  email: string,
): Promise<SubjectRecord | undefined> {
  return ops.findSubjectByEmailHash(ctx.subjectHash(email));
}

/** Finds or creates the subject; concurrent callers end up with the same record. */
export async function ensureSubject(
  ctx: CoreContext,
  ops: StoreOperations,
  email: string,
  at: Date,
): Promise<SubjectRecord> {
  const existing = await findSubject(ctx, ops, email);
  if (existing) return existing;
  return ops.createSubject({
    id: randomUUID(),
    emailHash: ctx.subjectHash(email),
    email,
    createdAt: at,
    updatedAt: at,
    profile: {},
  });
}

/*
 * Every change below writes its audit entry in the transaction of the change (REQ-32,
 * SEED-06): the subject id as the reference, the names of the fields changed, never
 * their values (the log is append-only and outlives an erasure). These calls take no
 * actor: it is `api`, as for `suppression.add`. A call that changes nothing writes none.
 */
export interface SubjectService {
  /**
   * Creates the subject if needed and merges the profile fields given (null clears one).
   * Audited as `subject.created` or `subject.updated` with `details.fields`.
   */
  upsert(email: string, patch?: SubjectProfilePatch): Promise<SubjectRecord>;
  get(email: string): Promise<SubjectRecord | undefined>;
  /**
   * Deletes the subject with its consent ledger and pending opt-ins, and
   * records who did it and why in the audit log, in one transaction. False
   * when the address is unknown. (Erasure requests go through DSAR, which
   * also suppresses the address.)
   */
  delete(email: string, by: { actor: string; reason?: string }): Promise<boolean>;
  /**
   * Records the person's own act (a click, a reply, a login) as the anchor of
   * `last-interaction` retention. An open is not an act: it changes nothing (REQ-27).
   */
  recordInteraction(
    email: string,
    kind: 'click' | 'open' | 'reply' | 'login' | 'purchase',
    at?: Date,
  ): Promise<boolean>;
  /**
   * Marks a customer account open (creating the subject if needed, clearing an earlier
   * close): from then on every `contract` purpose holds the person, so retention keeps them
   * until `closeAccount` starts the `account-closed` period (SEED-05). Audited as
   * `subject.account-opened`.
   */
  openAccount(email: string, at?: Date): Promise<SubjectRecord>;
  /**
   * Marks the customer account closed: the anchor of `account-closed` retention (SEED-05).
   * Audited as `subject.account-closed`.
   */
  closeAccount(email: string, at?: Date): Promise<boolean>;
  /**
   * Art. 17(3): keep this person's data whatever the retention, until released. Audited as
   * `subject.held`, with the reason as the entry's `reason`: name the case, not the person.
   */
  hold(email: string, reason: string, until?: Date): Promise<boolean>;
  /** Audited as `subject.hold-released`. */
  releaseHold(email: string): Promise<boolean>;
}

export function createSubjectService(ctx: CoreContext): SubjectService {
  /**
   * Changes the profile of a subject on record; false for an unknown address. With
   * `audit`, the change is audited under that action when it changed something.
   */
  async function patchExisting(
    email: string,
    patchInput: SubjectProfilePatch,
    audit?: {
      action: string;
      reason?: string;
      /** From the validated profile, so a bad input is refused before anything is read of it. */
      details?: (profile: SubjectProfile) => Record<string, unknown>;
    },
  ): Promise<boolean> {
    const patch = parseProfilePatch(patchInput);
    return ctx.store.transaction(async (tx) => {
      const subject = await findSubject(ctx, tx, email);
      if (!subject) return false;
      const at = ctx.now();
      const profile = mergeProfile(subject.profile, patch);
      await tx.updateSubjectProfile(subject.id, profile, at);
      if (audit && changedProfileFields(subject.profile, profile).length > 0) {
        await appendAuditEntry(
          tx,
          {
            actor: 'api',
            action: audit.action,
            subjectRef: subject.id,
            ...(audit.reason === undefined ? {} : { reason: audit.reason }),
            details: audit.details?.(profile) ?? {},
          },
          at,
        );
      }
      return true;
    });
  }

  /**
   * Creates the subject if needed and merges the patch, audited (when it created the
   * subject or changed a field) under the action and details `audit` names.
   */
  async function upsertAudited(
    email: string,
    patchInput: SubjectProfilePatch,
    audit: (
      created: boolean,
      fields: string[],
      profile: SubjectProfile,
    ) => { action: string; details: Record<string, unknown> },
  ): Promise<SubjectRecord> {
    const patch = parseProfilePatch(patchInput);
    return ctx.store.transaction(async (tx) => {
      const at = ctx.now();
      const existing = await findSubject(ctx, tx, email);
      const subject = existing ?? (await ensureSubject(ctx, tx, email, at));
      const profile = mergeProfile(subject.profile, patch);
      const updated = await tx.updateSubjectProfile(subject.id, profile, at);
      const fields = changedProfileFields(subject.profile, profile);
      if (!existing || fields.length > 0) {
        const { action, details } = audit(!existing, fields, profile);
        await appendAuditEntry(tx, { actor: 'api', action, subjectRef: subject.id, details }, at);
      }
      return updated;
    });
  }

  return {
    async upsert(emailInput, patchInput = {}) {
      return upsertAudited(normalizeEmail(emailInput), patchInput, (created, fields) => ({
        action: created ? 'subject.created' : 'subject.updated',
        details: { fields },
      }));
    },
    async get(emailInput) {
      return findSubject(ctx, ctx.store, normalizeEmail(emailInput));
    },
    async recordInteraction(emailInput, kind, at) {
      if (kind === 'open') return false;
      // Not audited: the person's own act, kept on the profile as the retention anchor;
      // an entry per click would grow the append-only log with every visit.
      return patchExisting(normalizeEmail(emailInput), { lastInteractionAt: at ?? ctx.now() });
    },
    async openAccount(emailInput, at) {
      return upsertAudited(
        normalizeEmail(emailInput),
        { accountOpenedAt: at ?? ctx.now(), accountClosedAt: null },
        (created, fields, profile) => ({
          action: 'subject.account-opened',
          details: { openedAt: profile.accountOpenedAt?.toISOString(), created, fields },
        }),
      );
    },
    async closeAccount(emailInput, at) {
      return patchExisting(
        normalizeEmail(emailInput),
        { accountClosedAt: at ?? ctx.now() },
        {
          action: 'subject.account-closed',
          details: (p) => (p.accountClosedAt ? { closedAt: p.accountClosedAt.toISOString() } : {}),
        },
      );
    },
    async hold(emailInput, reason, until) {
      return patchExisting(
        normalizeEmail(emailInput),
        { legalHold: { reason, ...(until ? { until } : {}) } },
        {
          action: 'subject.held',
          reason,
          details: (p) => (p.legalHold?.until ? { until: p.legalHold.until.toISOString() } : {}),
        },
      );
    },
    async releaseHold(emailInput) {
      return patchExisting(
        normalizeEmail(emailInput),
        { legalHold: null },
        { action: 'subject.hold-released' },
      );
    },
    async delete(emailInput, by) {
      const email = normalizeEmail(emailInput);
      // Plain JavaScript callers may leave it out: the audit entry needs its actor.
      if (typeof by?.actor !== 'string' || by.actor.length === 0) {
        throw new GdprMailError('VALIDATION_FAILED', 'Who deletes the subject is required.', {
          issues: [{ path: 'by.actor', message: 'is required' }],
        });
      }
      return ctx.store.transaction(async (tx) => {
        const subject = await findSubject(ctx, tx, email);
        if (!subject || !(await tx.deleteSubject(subject.id))) return false;
        await journalErasures(ctx, tx, [subject], 'admin', ctx.now());
        await appendAuditEntry(
          tx,
          {
            actor: by.actor,
            action: 'subject.deleted',
            subjectRef: subject.id,
            ...(by.reason === undefined ? {} : { reason: by.reason }),
            details: {},
          },
          ctx.now(),
        );
        return true;
      });
    },
  };
}
