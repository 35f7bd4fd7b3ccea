import { auditTrailPage } from '../audit/audit-trail.js';
import type { CoreContext } from '../context.js';
import type { DsarDataSource } from './data-source.js';

const PAGE = 500;

/** The SDK's own records about a person, exported and erased like the app's. */
export function sdkSources(ctx: CoreContext): DsarDataSource[] {
  const { store } = ctx;
  return [
    {
      name: 'consent-ledger',
      columns: [
        'seq',
        'type',
        'purposeId',
        'at',
        'source',
        'method',
        'noticeVersion',
        'noticeHash',
        'ip',
        'userAgent',
      ],
      async *export({ subjectId }) {
        for (const e of await store.listConsentEvents(subjectId)) {
          yield {
            seq: e.seq,
            type: e.type,
            purposeId: e.purposeId,
            at: e.at,
            source: e.proof.source,
            method: e.proof.method,
            noticeVersion: e.proof.noticeVersion,
            noticeHash: e.proof.noticeHash,
            // Recorded only with proof.recordIp / proof.recordUserAgent; personal data
            // the ledger keeps, so the Art. 15 copy returns it (issue #18).
            ip: e.proof.ip,
            userAgent: e.proof.userAgent,
          };
        }
      },
      // The ledger goes with the subject row (store.deleteSubject).
    },
    {
      name: 'suppression',
      columns: ['suppressed', 'reason', 'at'],
      async *export({ email }) {
        const entry = await store.getSuppression(ctx.suppressionHash(email));
        yield entry
          ? { suppressed: true, reason: entry.reason, at: entry.at }
          : { suppressed: false };
      },
    },
    {
      name: 'deliveries',
      columns: ['messageId', 'purposeId', 'campaignId', 'status', 'createdAt', 'updatedAt'],
      async *export({ subjectId }) {
        let afterKey: string | undefined;
        for (;;) {
          const page = await store.listDeliveries({
            subjectId,
            limit: PAGE,
            ...(afterKey ? { afterKey } : {}),
          });
          for (const d of page) {
            yield {
              messageId: d.messageId,
              purposeId: d.purposeId,
              campaignId: d.campaignId,
              status: d.status,
              createdAt: d.createdAt,
              updatedAt: d.updatedAt,
            };
          }
          if (page.length < PAGE) return;
          afterKey = page.at(-1)!.idempotencyKey;
        }
      },
    },
    {
      name: 'audit',
      columns: ['seq', 'at', 'action', 'actor', 'reason'],
      // The log names people by subject id or keyed suppression hash only. Read in
      // pages through the store's index on the reference where it has one: the log
      // grows by an entry a message sent, a person's trail does not.
      async *export({ subjectId, email }) {
        const refs = [subjectId, ctx.suppressionHash(email)];
        let after = 0;
        for (;;) {
          const page = await auditTrailPage(store, refs, after, PAGE);
          for (const entry of page) {
            yield {
              seq: entry.seq,
              at: entry.at,
              action: entry.action,
              actor: entry.actor,
              reason: entry.reason,
            };
          }
          if (page.length < PAGE) return;
          after = page.at(-1)!.seq;
        }
      },
    },
  ];
}
