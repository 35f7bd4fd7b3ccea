import { addDuration, parseIsoDuration } from '../config/iso-duration.js';
import { ALL_PURPOSES } from '../consent/consent-event.js';
import { uniquePurposes } from '../consent/consent-service.js';
import type { CoreContext } from '../context.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { SubjectRecord } from '../store/store-types.js';
import { normalizeEmail } from '../subjects/normalize-email.js';
import { findSubject } from '../subjects/subject-service.js';
import { linkUrl } from './link-url.js';

/** An address, or a store subject id (ids never contain `@`). */
export type LinkRecipient = string;

export interface LinkService {
  /** RFC 8058 one-click link for List-Unsubscribe and the body; purpose-scoped or 'all' (REQ-10, REQ-12). */
  unsubscribeUrl(recipient: LinkRecipient, purposes: readonly string[] | 'all'): Promise<string>;
  /** The preference centre, per list and "all" (REQ-10). */
  preferencesUrl(recipient: LinkRecipient, purposes?: readonly string[] | 'all'): Promise<string>;
}

export async function resolveRecipient(
  ctx: CoreContext,
  recipient: LinkRecipient,
): Promise<SubjectRecord> {
  const subject =
    typeof recipient === 'string' && recipient.includes('@')
      ? await findSubject(ctx, ctx.store, normalizeEmail(recipient))
      : typeof recipient === 'string'
        ? await ctx.store.getSubject(recipient)
        : undefined;
  if (!subject) {
    throw new GdprMailError('SUBJECT_NOT_FOUND', 'No subject is on record for this recipient.');
  }
  return subject;
}

function scope(ctx: CoreContext, purposes: readonly string[] | 'all'): string[] {
  return purposes === 'all' ? [ALL_PURPOSES] : uniquePurposes(ctx, purposes).map((p) => p.id);
}

function expiry(ctx: CoreContext, ttl: string | undefined): Date | undefined {
  const duration = ttl === undefined ? undefined : parseIsoDuration(ttl);
  return duration ? addDuration(ctx.now(), duration) : undefined;
}

export function createLinkService(ctx: CoreContext): LinkService {
  const { config } = ctx;
  return {
    async unsubscribeUrl(recipient, purposes) {
      const scoped = scope(ctx, purposes);
      // Transactional mail follows the contract, not a choice: a link that "unsubscribes"
      // from it would record a withdrawal while the mail keeps coming.
      const transactional = scoped.filter(
        (id) => id !== ALL_PURPOSES && ctx.purpose(id).kind === 'transactional',
      );
      if (transactional.length > 0) {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          `Purpose "${transactional[0]}" is transactional: it has no unsubscribe link.`,
          { details: { purposes: transactional } },
        );
      }
      const subject = await resolveRecipient(ctx, recipient);
      const expiresAt = expiry(ctx, config.tokens.unsubscribeTtl);
      const token = ctx.tokens.sign({
        type: 'unsubscribe',
        subjectId: subject.id,
        purposes: scoped,
        ...(expiresAt ? { expiresAt } : {}),
      });
      return linkUrl(config, 'unsubscribe', token);
    },
    async preferencesUrl(recipient, purposes = 'all') {
      const subject = await resolveRecipient(ctx, recipient);
      const expiresAt = expiry(ctx, config.tokens.preferencesTtl);
      const token = ctx.tokens.sign({
        type: 'preferences',
        subjectId: subject.id,
        purposes: scope(ctx, purposes),
        ...(expiresAt ? { expiresAt } : {}),
      });
      return linkUrl(config, 'preferences', token);
    },
  };
}
