import { auditTrailPage } from '../audit/audit-trail.js';
import type { GdprStore, StoreOperations } from './store-types.js';

const OPERATIONS = [
  'createSubject',
  'findSubjectByEmailHash',
  'getSubject',
  'updateSubjectProfile',
  'deleteSubject',
  'deleteSubjects',
  'replaceSubjectDataKeys',
  'getLedgerHead',
  'appendConsentEvents',
  'listConsentEvents',
  'putNotice',
  'getNotice',
  'putPendingOptIn',
  'getPendingOptIn',
  'takePendingOptIn',
  'listExpiredPendingOptIns',
  'consumeNonce',
  'purgeExpiredNonces',
  'addSuppression',
  'getSuppression',
  'removeSuppression',
  'listAudienceCandidates',
  'setSubjectSegments',
  'getAuditHead',
  'appendAudit',
  'listAudit',
  'claimDelivery',
  'updateDelivery',
  'getDelivery',
  'claimDeliveries',
  'startDeliveries',
  'updateDeliveries',
  'settleDeliveries',
  'listSubjects',
  'findSubjectsByEmailHashes',
  'findSubjectsByAttribute',
  'getSuppressions',
  'listConsentEventsForSubjects',
  'appendAuditEntries',
  'listDeliveries',
  'listCampaignDeliveries',
  'putDsarRequest',
  'getDsarRequest',
  'listDsarRequests',
  'putBreach',
  'getBreach',
  'listBreaches',
  'enqueueOutbox',
  'claimOutbox',
  'completeOutbox',
  'releaseOutbox',
  'listOutbox',
] as const satisfies readonly (keyof StoreOperations)[];

// Fails to compile when StoreOperations gains a method the list above lacks.
// `writeImportBatch` is an optional capability used inside transactions, whose
// operations are the opened store's own.
type Missing = Exclude<keyof StoreOperations, (typeof OPERATIONS)[number] | 'writeImportBatch'>;
const complete: [Missing] extends [never] ? true : Missing = true;
void complete;

type AnyOperation = (...args: unknown[]) => Promise<unknown>;

/**
 * A store opened on first use. Lets `createGdprMail` stay synchronous while
 * the default store needs an async open (a dynamic import, a database file).
 */
export function createLazyStore(open: () => Promise<GdprStore>): GdprStore {
  let opened: Promise<GdprStore> | undefined;
  let closed = false;
  const target = () => {
    // A failed open is forgotten: the next use tries again (STORE_LOCKED ends when the other
    // process lets the folder go), and close() has nothing to close.
    opened ??= open().catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
  const lazy: Partial<Record<keyof StoreOperations, AnyOperation>> = {};
  for (const name of OPERATIONS) {
    lazy[name] = async (...args) => {
      const store = await target();
      return (store[name] as AnyOperation).apply(store, args);
    };
  }
  return {
    ...(lazy as unknown as StoreOperations),
    get kind() {
      return 'lazy';
    },
    async transaction(work) {
      return (await target()).transaction(work);
    },
    // The store behind is not known yet: its own index when it has one, a scan otherwise.
    async listAuditForSubjects(refs, afterSeq, limit) {
      return auditTrailPage(await target(), refs, afterSeq, limit);
    },
    async close() {
      if (closed) return;
      closed = true;
      const store = await opened?.catch(() => undefined);
      await store?.close();
    },
  };
}
