import { appendAuditEntries } from '../audit/audit-chain.js';
import type { AuditDraft } from '../audit/audit-entry.js';
import type { CoreContext } from '../context.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { millisecondsOption, oneOfOption, positiveIntegerOption } from '../errors/option-checks.js';
import type { MailReport } from '../mailer/mail-outcome.js';
import type { Mailer, MailInput } from '../mailer/mailer-service.js';
import { keepSegmentMembers } from '../segments/segment-check.js';
import type { AudienceSegment, SegmentFilter } from '../segments/segment-filter.js';
import { resolveSegmentFilter } from '../segments/segment-filter.js';
import type {
  AudienceQuery,
  DeliveryRecord,
  DeliverySettle,
  DeliveryStatus,
  SubjectRecord,
} from '../store/store-types.js';
import { addMailReport, copyReport, emptyCampaignReport } from './campaign-report.js';
import type {
  CampaignChunk,
  CampaignMember,
  CampaignReconcileInput,
  CampaignReconcileReport,
  CampaignReport,
  CampaignRunInput,
  CampaignScan,
  CampaignService,
  PlanChunksInput,
} from './campaign-types.js';

const CAMPAIGN_ID = /^[A-Za-z0-9._-]{1,128}$/;
/**
 * Subjects per page of a run, by default: at least this many, and at least
 * PAGE_MAILER_BATCHES mailer batches. `sendMany` keeps `inFlightBatches` on the
 * wire within a page but lets them drain at its end, so each page boundary
 * idles the connections for a round of policy reads and claims: with pages of
 * 500 the campaign over BullMQ ran at 0.46–0.73x raw nodemailer, with 2,000 at
 * 1.05x (docs/benchmarks.md). A page's rows are held in memory; its messages are
 * rendered as the mailer takes them.
 */
const DEFAULT_PAGE = 2000;
const PAGE_MAILER_BATCHES = 10;
const DEFAULT_CHUNK = 5000;
const DEFAULT_STALE_CLAIM_MS = 60_000;
// Above nodemailer's default socket timeout (10 min): a live send has ended by then.
const DEFAULT_STALE_SENDING_MS = 15 * 60_000;
const LOOKUP_BATCH = 100;
/** The states in which the SDK does not know whether the provider has the message. */
const UNKNOWN_OUTCOME: ReadonlySet<DeliveryStatus> = new Set(['sending', 'ambiguous']);

/** What a settle records for one delivery whose outcome was unknown. */
interface SettleOutcome {
  record: DeliveryRecord;
  delivered: boolean;
  providerMessageId?: string;
}

/**
 * A page of the audience on its way to the mailer. Its messages are rendered as the
 * mailer asks for them, so only the batches in flight are held rendered, not two pages
 * of messages: those outlived the young generation's collections and made the garbage
 * collector copy them (bench/campaign-bullmq). `filteredOut` is final once `inputs`
 * has been read to its end.
 */
interface RenderedPage {
  inputs: AsyncIterable<MailInput>;
  scanned: number;
  filteredOut: number;
}

/** The one idempotency key of a campaign message: (campaign, purpose, recipient). */
export function campaignIdempotencyKey(
  campaignId: string,
  purposeId: string,
  subjectId: string,
): string {
  return `campaign:${campaignId}:${purposeId}:${subjectId}`;
}

const SCANS: readonly CampaignScan[] = ['candidates', 'all-subjects'];

export function createCampaignService(ctx: CoreContext, mailer: Mailer): CampaignService {
  const { store } = ctx;

  function query(
    purposeId: string,
    scan: CampaignScan,
    limit: number,
    after: string | undefined,
    segment: AudienceSegment | undefined,
    until?: string,
  ): AudienceQuery {
    const purpose = ctx.purpose(purposeId);
    return {
      purposeId,
      consentRequired: scan === 'candidates' && purpose.lawfulBasis === 'consent',
      limit,
      ...(after === undefined ? {} : { afterSubjectId: after }),
      ...(until === undefined ? {} : { untilSubjectId: until }),
      ...(segment ? { segment } : {}),
    };
  }

  /** Resolved once per run or plan: `consentedWithin` counts back from the start. */
  const resolve = (segment: SegmentFilter | undefined) =>
    segment === undefined ? undefined : resolveSegmentFilter(segment, ctx.now());

  function render(input: CampaignRunInput, subjects: readonly SubjectRecord[]): RenderedPage {
    const page: RenderedPage = { inputs: renderEach(), scanned: subjects.length, filteredOut: 0 };
    async function* renderEach(): AsyncGenerator<MailInput> {
      for (const subject of subjects) {
        const member: CampaignMember = {
          subjectId: subject.id,
          email: subject.email,
          profile: subject.profile,
        };
        if (input.filter && !(await input.filter(member))) {
          page.filteredOut += 1;
          continue;
        }
        const content = await input.render(member);
        yield {
          to: subject.email,
          purposeId: input.purposeId,
          campaignId: input.id,
          idempotencyKey: campaignIdempotencyKey(input.id, input.purposeId, subject.id),
          subject: content.subject,
          ...(content.text === undefined ? {} : { text: content.text }),
          ...(content.html === undefined ? {} : { html: content.html }),
          ...(content.headers === undefined ? {} : { headers: content.headers }),
          ...(input.context ? { context: input.context } : {}),
        };
      }
    }
    return page;
  }

  async function run(input: CampaignRunInput): Promise<CampaignReport> {
    if (typeof input.id !== 'string' || !CAMPAIGN_ID.test(input.id)) {
      throw new GdprMailError(
        'VALIDATION_FAILED',
        'A campaign id is 1 to 128 letters, digits, dots, underscores or dashes.',
        { details: { id: input.id } },
      );
    }
    ctx.purpose(input.purposeId);
    const batchSize = positiveIntegerOption(
      'batchSize',
      input.batchSize,
      Math.max(DEFAULT_PAGE, PAGE_MAILER_BATCHES * (ctx.config.mailer?.batchSize ?? 0)),
    );
    const staleClaimMs = millisecondsOption(
      'staleClaimMs',
      input.staleClaimMs,
      DEFAULT_STALE_CLAIM_MS,
    );
    const staleSendingMs = millisecondsOption(
      'staleSendingMs',
      input.staleSendingMs,
      DEFAULT_STALE_SENDING_MS,
    );
    const scan = oneOfOption('scan', input.scan, SCANS, 'candidates');
    const segment = resolve(input.segment);
    const until = input.range?.until;
    const report = emptyCampaignReport(input.id, input.purposeId);
    const { signal } = input;
    if (ctx.config.transport?.lookup) {
      // Before any page: what an earlier run left unknown in this range is settled
      // first, so the pages below see it as sent, or send it again.
      const settled = await reconcile({
        campaignId: input.id,
        ...(input.range ? { range: input.range } : {}),
        olderThanMs: staleSendingMs,
        ...(signal ? { signal } : {}),
      });
      report.reconciled = settled.delivered + settled.notDelivered;
    }

    // One page is in the mailer while the next one is read; the
    // policy check still runs inside sendMany, right before each dispatch.
    let sending: Promise<void> | undefined;
    const send = (page: RenderedPage, cursor: string | undefined) => {
      const done = mailer
        .sendMany(page.inputs, { staleClaimMs })
        .then(async (batch: MailReport) => {
          report.scanned += page.scanned;
          report.filteredOut += page.filteredOut;
          addMailReport(report, batch);
          report.batches += 1;
          if (cursor !== undefined) report.cursor = cursor;
          await input.onProgress?.(copyReport(report));
        });
      // Surfaces at the next await of `sending`, not as an unhandled rejection.
      done.catch(() => undefined);
      return done;
    };

    let after = input.range?.after;
    let finished = false;
    while (!signal?.aborted) {
      const page = await store.listAudienceCandidates(
        query(input.purposeId, scan, batchSize, after, segment, until),
      );
      const inRange = until === undefined ? page : page.filter((s) => s.id <= until);
      const last = inRange.at(-1);
      // The range's last id reached: no page is left to read (ids are unique).
      finished =
        page.length < batchSize ||
        inRange.length < page.length ||
        (until !== undefined && last?.id === until);
      if (!last) break;
      const members = await keepSegmentMembers(store, inRange, segment, input.purposeId);
      const rendered = render(input, members);
      await sending;
      sending = undefined;
      if (signal?.aborted) {
        // Not sent: the cursor stays at the previous batch, a re-run reads this one again.
        finished = false;
        break;
      }
      sending = send(rendered, last.id);
      if (finished) break;
      after = last.id;
    }
    await sending;
    report.complete = finished;
    return copyReport(report);
  }

  async function* planChunks(input: PlanChunksInput): AsyncGenerator<CampaignChunk> {
    const chunkSize = positiveIntegerOption('chunkSize', input.chunkSize, DEFAULT_CHUNK);
    const scan = oneOfOption('scan', input.scan, SCANS, 'candidates');
    ctx.purpose(input.purposeId);
    const segment = resolve(input.segment);
    let after: string | undefined;
    for (let index = 0; ; index += 1) {
      const page = await store.listAudienceCandidates(
        query(input.purposeId, scan, chunkSize, after, segment),
      );
      const range = after === undefined ? {} : { after };
      const last = page.at(-1);
      const size = segment
        ? (await keepSegmentMembers(store, page, segment, input.purposeId)).length
        : page.length;
      if (!last || page.length < chunkSize) {
        // The tail is open-ended: whoever joins after planning is still covered.
        yield { index, range, size };
        return;
      }
      yield { index, range: { ...range, until: last.id }, size };
      after = last.id;
    }
  }

  async function* deliveries(
    campaignId: string,
    options: { status?: DeliveryStatus; pageSize?: number } = {},
  ): AsyncGenerator<DeliveryRecord> {
    const limit = positiveIntegerOption('pageSize', options.pageSize, 1000);
    let afterKey: string | undefined;
    for (;;) {
      const page = await store.listCampaignDeliveries({
        campaignId,
        limit,
        ...(options.status === undefined ? {} : { status: options.status }),
        ...(afterKey === undefined ? {} : { afterKey }),
      });
      yield* page;
      if (page.length < limit) return;
      afterKey = page.at(-1)!.idempotencyKey;
    }
  }

  /** Compare-and-set on the message id each record carries, and one audit entry per settled record. */
  async function settleRecords(
    found: readonly SettleOutcome[],
    actor: string,
  ): Promise<Map<string, DeliveryRecord>> {
    const at = ctx.now();
    const settles: DeliverySettle[] = found.map(({ record, delivered, providerMessageId }) => ({
      idempotencyKey: record.idempotencyKey,
      messageId: record.messageId,
      status: delivered ? 'accepted' : 'failed',
      retryable: !delivered,
      updatedAt: at,
      reason: delivered ? 'settled-delivered' : 'settled-not-delivered',
      ...(providerMessageId ? { providerMessageId } : {}),
    }));
    return store.transaction(async (tx) => {
      const moved = new Set(await tx.settleDeliveries(settles));
      const settled = new Map<string, DeliveryRecord>();
      const drafts: AuditDraft[] = [];
      for (const [i, { record }] of found.entries()) {
        if (!moved.has(record.idempotencyKey)) continue;
        const { messageId: _, ...update } = settles[i]!;
        settled.set(record.idempotencyKey, { ...record, ...update });
        drafts.push({
          actor,
          action: 'mail.settled',
          subjectRef: record.subjectId ?? record.idempotencyKey,
          reason: update.reason,
          details: {
            idempotencyKey: record.idempotencyKey,
            purposeId: record.purposeId,
            ...(record.campaignId ? { campaignId: record.campaignId } : {}),
          },
        });
      }
      if (drafts.length > 0) await appendAuditEntries(tx, drafts, at);
      return settled;
    });
  }

  async function settle(
    idempotencyKey: string,
    outcome: 'delivered' | 'not-delivered',
    options: { providerMessageId?: string; actor?: string } = {},
  ): Promise<DeliveryRecord> {
    const found = await store.getDelivery(idempotencyKey);
    if (!found || !UNKNOWN_OUTCOME.has(found.status)) {
      throw new GdprMailError(
        'VALIDATION_FAILED',
        found
          ? `Delivery ${idempotencyKey} is ${found.status}: only a delivery left sending or ambiguous can be settled.`
          : `No delivery ${idempotencyKey}.`,
        { details: { idempotencyKey, status: found?.status ?? null } },
      );
    }
    const settled = await settleRecords(
      [
        {
          record: found,
          delivered: outcome === 'delivered',
          ...(options.providerMessageId ? { providerMessageId: options.providerMessageId } : {}),
        },
      ],
      options.actor ?? 'operator',
    );
    const record = settled.get(idempotencyKey);
    if (!record) {
      throw new GdprMailError(
        'STORE_CONFLICT',
        `Delivery ${idempotencyKey} changed while it was being settled; read it again.`,
        { details: { idempotencyKey }, retryable: true },
      );
    }
    return record;
  }

  async function reconcile(input: CampaignReconcileInput): Promise<CampaignReconcileReport> {
    const transport = ctx.config.transport;
    if (!transport?.lookup) {
      throw new GdprMailError(
        'MAILER_NOT_CONFIGURED',
        'Reconciling needs a transport that can look messages up (`transport.lookup`).',
        { details: { transport: transport?.name ?? null } },
      );
    }
    const lookup = transport.lookup.bind(transport);
    const olderThanMs = millisecondsOption(
      'olderThanMs',
      input.olderThanMs,
      DEFAULT_STALE_SENDING_MS,
    );
    const before = ctx.now().getTime() - olderThanMs;
    const { after, until } = input.range ?? {};
    const report: CampaignReconcileReport = {
      checked: 0,
      delivered: 0,
      notDelivered: 0,
      unknown: 0,
    };
    const settleBatch = async (batch: DeliveryRecord[]) => {
      const answers = await lookup(
        batch.map((d) => ({ messageId: d.messageId, idempotencyKey: d.idempotencyKey })),
        input.signal ? { signal: input.signal } : {},
      );
      const known: SettleOutcome[] = [];
      for (const [i, record] of batch.entries()) {
        const answer = answers[i];
        if (answer?.status === 'accepted') {
          known.push({
            record,
            delivered: true,
            ...(answer.providerMessageId ? { providerMessageId: answer.providerMessageId } : {}),
          });
        } else if (answer?.status === 'not-found') {
          known.push({ record, delivered: false });
        }
      }
      const settled = await settleRecords(known, input.actor ?? 'system');
      report.checked += batch.length;
      for (const record of settled.values()) {
        if (record.status === 'accepted') report.delivered += 1;
        else report.notDelivered += 1;
      }
      report.unknown += batch.length - settled.size;
    };
    for (const status of UNKNOWN_OUTCOME) {
      let batch: DeliveryRecord[] = [];
      for await (const record of deliveries(input.campaignId, { status })) {
        if (input.signal?.aborted) return report;
        const subject = record.subjectId;
        if (record.updatedAt.getTime() >= before) continue;
        if (after !== undefined && (subject === undefined || subject <= after)) continue;
        if (until !== undefined && (subject === undefined || subject > until)) continue;
        batch.push(record);
        if (batch.length >= LOOKUP_BATCH) {
          await settleBatch(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await settleBatch(batch);
    }
    return report;
  }

  return { run, planChunks, deliveries, settle, reconcile };
}
