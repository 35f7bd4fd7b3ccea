import type { CoreContext } from '../context.js';
import { integerOption } from '../errors/option-checks.js';
import { keepSegmentMembers } from '../segments/segment-check.js';
import type { SegmentFilter } from '../segments/segment-filter.js';
import { resolveSegmentFilter } from '../segments/segment-filter.js';
import type { SendContext, SendDecision } from './can-send.js';
import { decideSend } from './can-send.js';

export interface AudienceMember {
  subjectId: string;
  email: string;
  decision: Extract<SendDecision, { allowed: true }>;
}

export interface AudienceOptions extends SendContext {
  /** Subjects fetched and decided per round trip; default 500. */
  batchSize?: number;
  /** Only the people in this segment, selected in the store (see `CampaignRunInput.segment`). */
  segment?: SegmentFilter;
}

/**
 * Everyone who may be mailed for a purpose now. The store narrows the scan to
 * candidates by ledger, a page at a time; each candidate then gets the full
 * `canSend` decision (suppression, restriction, minors, refresh…). Memory
 * holds one page, whatever the size of the list.
 */
export async function* resolveAudience(
  ctx: CoreContext,
  purposeId: string,
  options: AudienceOptions = {},
): AsyncGenerator<AudienceMember> {
  const { batchSize = 500, segment: filter, ...context } = options;
  // 0 would read no page (an empty audience, silently); a negative or
  // fractional limit is refused by SQL and not by the memory store.
  integerOption('batchSize', batchSize, 1);
  const purpose = ctx.purpose(purposeId);
  const segment = filter === undefined ? undefined : resolveSegmentFilter(filter, ctx.now());
  const { store } = ctx;
  let afterSubjectId: string | undefined;
  for (;;) {
    const page = await store.listAudienceCandidates({
      purposeId,
      consentRequired: purpose.lawfulBasis === 'consent',
      limit: batchSize,
      ...(afterSubjectId === undefined ? {} : { afterSubjectId }),
      ...(segment ? { segment } : {}),
    });
    const members = await keepSegmentMembers(store, page, segment, purposeId);
    const decisions = await Promise.all(
      members.map(async (subject) => {
        const [events, suppression] = await Promise.all([
          store.listConsentEvents(subject.id),
          store.getSuppression(ctx.suppressionHash(subject.email)),
        ]);
        return decideSend(ctx, subject.email, purpose, subject, events, suppression, context);
      }),
    );
    for (const [i, decision] of decisions.entries()) {
      const subject = members[i]!;
      if (decision.allowed) yield { subjectId: subject.id, email: subject.email, decision };
    }
    const last = page.at(-1);
    if (!last || page.length < batchSize) return;
    afterSubjectId = last.id;
  }
}
