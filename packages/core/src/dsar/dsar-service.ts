import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { appendAuditEntry } from '../audit/audit-chain.js';
import { addDuration, parseIsoDuration } from '../config/iso-duration.js';
import { formatIssues } from '../config/parse-config.js';
import type { ConsentService } from '../consent/consent-service.js';
import type { CoreContext } from '../context.js';
import { journalErasures } from '../erasures/erasure-service.js';
import { GdprMailError, isGdprMailError } from '../errors/gdpr-mail-error.js';
import type { RateLimiter, RateLimiterFactory } from '../http/rate-limiter.js';
import { createMemoryRateLimiter } from '../http/rate-limiter.js';
import { linkUrl } from '../links/link-url.js';
import { requireHandedOver } from '../mailer/mail-outcome.js';
import type { Mailer } from '../mailer/mailer-service.js';
import { buildPrivacyNoticeFacts } from '../records/privacy-notice-facts.js';
import type { DsarCursor } from '../store/store-types.js';
import { normalizeEmail } from '../subjects/normalize-email.js';
import type { SubjectProfilePatch } from '../subjects/subject-service.js';
import { findSubject, mergeProfile, parseProfilePatch } from '../subjects/subject-service.js';
import { upgradeSuppression } from '../suppression/upgrade-suppression.js';
import type { RenderedMail } from '../templates/confirmation-template.js';
import { toCsv } from './csv.js';
import type { DsarDataSource, DsarSubject, ProcessorEraser } from './data-source.js';
import { canExtend, dsarDeadlines } from './dsar-deadlines.js';
import { dsarMail, dsarNoticeMail } from './dsar-mail.js';
import type { DsarRequest, DsarStatus, DsarType } from './dsar-request.js';
import {
  DSAR_OPEN_STATUSES,
  DSAR_TYPES,
  isDsarVerified,
  restrictionInForce,
} from './dsar-request.js';
import { exportBundle } from './export-bundle.js';
import { sdkSources } from './sdk-sources.js';

export type DsarMailKind = 'dsar-verify' | 'dsar-ready' | 'dsar-extended' | 'dsar-refused';

/** How the person hears of an extension or a refusal (Art. 12(3), 12(4)). */
export interface DsarNoticeOptions {
  /**
   * Mail the reasons to the address on file (default `true`; a refusal also says how to
   * complain, naming `records.supervisoryAuthority` when the config has one). `false` when you
   * told the person another way (post, phone): nothing is mailed, the step says so.
   */
  notify?: boolean;
}
export type DsarSendMail = (mail: RenderedMail, kind: DsarMailKind) => Promise<void>;

export interface DsarOptions {
  /** Default: `gdpr.mailer.sendSystem`. */
  sendMail?: DsarSendMail;
  /** Who may run admin operations (SEED-06, SEED-08); default: nobody. */
  authorize?: (actor: string, action: 'export' | 'erase') => boolean | Promise<boolean>;
  /**
   * Verification mails per address per day (default 3), first requests included:
   * each new request uses up one, yet is always recorded and mailed, even over the
   * limit. Only repeats are refused once it is used up: a repeat re-sends the
   * pending request's link, at most 3 times an hour per type and while the day's
   * allowance lasts.
   */
  perAddressPerDay?: number;
  /** Requests per IP per hour (default 20); over it, RATE_LIMITED. */
  perIpPerHour?: number;
  /**
   * Builds the two limiters (`dsar-per-address`, `dsar-per-ip`) with the windows
   * above; default: bounded in-memory ones, per process. Pass e.g.
   * `(name, w) => createRedisRateLimiter({ client, keyPrefix: `gdpr:${name}`, ...w })`
   * so that every process shares the counts.
   */
  rateLimiters?: RateLimiterFactory;
}

const requestSchema = z.object({
  email: z.string(),
  type: z.enum(DSAR_TYPES),
  ip: z.string().max(100).optional(),
  language: z.string().max(10).optional(),
});
export type DsarRequestInput = z.input<typeof requestSchema>;

export interface LegalHold {
  /**
   * The registered app source (`registerSource`) whose data must be kept (Art. 17(3):
   * legal obligation, legal claims). A hold naming anything else is refused: the SDK's
   * own records go with the subject and cannot be held one by one.
   */
  source: string;
  reason: string;
}

/** What was erased where, what was kept and why (REQ-25). */
export interface ErasureCertificate {
  requestId: string;
  subjectId: string;
  erasedAt: Date;
  /**
   * Per source: `erased`, `failed`, or `held` (kept, `reason` says why): an app source
   * under a legal hold, the suppression list (the keyed hash stays as an `erased`
   * entry) and the audit log (pseudonymous, append-only).
   */
  sources: Record<
    string,
    { status: 'erased' | 'failed' | 'held'; count?: number; error?: string; reason?: string }
  >;
  processors: Record<string, { ok: boolean; detail?: string }>;
  kept: { what: string; why: string }[];
}

export interface DsarService {
  registerSource(source: DsarDataSource): void;
  registerProcessor(eraser: ProcessorEraser): void;
  /**
   * Receives a request. The reply is the same whatever the address: known
   * addresses get a verification link mailed to the address ON FILE; unknown
   * ones get nothing (REQ-21, no enumeration).
   */
  request(input: DsarRequestInput): Promise<{ received: true }>;
  /**
   * The checks `request` makes before it reads the store: the input's syntax
   * (the address included) and the per-IP limit, counting one request. The
   * routes call it, then queue the request in the outbox without the IP
   * (issue #19): a bad form or a flood is answered at once, the same for
   * every address, and the rest runs after the answer.
   */
  admit(input: DsarRequestInput): Promise<void>;
  /** The link's POST: proves control of the address; single use. */
  verify(token: string): Promise<DsarRequest>;
  get(id: string): Promise<DsarRequest>;
  /**
   * Requests by deadline, soonest first, a page at a time: pass the last one's
   * deadline and id as `after` for the next page (keyset, never loaded whole).
   */
  list(query?: {
    status?: readonly DsarStatus[];
    dueBefore?: Date;
    /** One person's requests (the store's subject id), e.g. to find the one that restricted them. */
    subjectId?: string;
    after?: DsarCursor;
    limit?: number;
  }): Promise<DsarRequest[]>;
  /**
   * Open requests past their deadline, soonest first: the first 1000. Past that, page with
   * `list({ status, dueBefore: new Date(), after })` (as `gdpr-mail dsar due` does).
   */
  overdue(): Promise<DsarRequest[]>;
  /** Open requests due within `days`, soonest first: the first 1000 (see `overdue`). */
  dueSoon(days?: number): Promise<DsarRequest[]>;
  /**
   * Art. 12(3): up to two more months, with reasons, decided and told within the first month
   * (REQ-20). The person is mailed the new deadline and the reasons first (see `notify`); a
   * mail that cannot leave (`SUPPRESSED`, a provider error) throws and nothing is recorded.
   */
  extend(
    id: string,
    reason: string,
    actor?: string,
    options?: DsarNoticeOptions,
  ): Promise<DsarRequest>;
  /**
   * Art. 12(4): refuses an open request with its reasons (REQ-20). The person is mailed the
   * reasons and their right to complain first (see `notify`); a mail that cannot leave
   * throws and nothing is recorded.
   */
  reject(
    id: string,
    reason: string,
    actor?: string,
    options?: DsarNoticeOptions,
  ): Promise<DsarRequest>;
  /** Marks a verified open request answered; `DSAR_NOT_VERIFIED` before the person confirmed it. */
  complete(id: string, actor?: string): Promise<DsarRequest>;
  /** The JSON bundle of a verified request, streamed; recorded as an `exported` step. */
  exportJson(id: string): AsyncIterable<string>;
  /** One source as RFC 4180 CSV, streamed; recorded as an `exported` step once read to the end. */
  exportCsv(id: string, source: string): AsyncIterable<string>;
  /** Mails an expiring, single-use download link for a verified request; returns it too. */
  sendDownloadLink(id: string): Promise<string>;
  /** The download link's GET: single use; the JSON bundle. */
  download(token: string): Promise<{ request: DsarRequest; body: AsyncIterable<string> }>;
  /**
   * Erases the person of a verified erasure request. A request of another type, or a
   * legal hold naming anything but a registered app source (or without a reason), is
   * refused with `VALIDATION_FAILED` before anything is erased.
   */
  erase(
    id: string,
    options?: { legalHolds?: readonly LegalHold[]; actor?: string },
  ): Promise<ErasureCertificate>;
  rectify(id: string, changes: SubjectProfilePatch, actor?: string): Promise<DsarRequest>;
  restrict(id: string, reason: string, actor?: string): Promise<DsarRequest>;
  /**
   * Lifting a restriction requires telling the person first (Art. 18(3)). Takes the request
   * that restricted the person and has not lifted it since, open or completed (the link
   * completes it once applied); `VALIDATION_FAILED` for another open request, or when the
   * person is no longer restricted; `DSAR_CLOSED` for a closed request with none in force.
   */
  liftRestriction(
    id: string,
    notice: { toldAt: Date; how: string },
    actor?: string,
  ): Promise<DsarRequest>;
  object(id: string, actor?: string): Promise<DsarRequest>;
  /** SEED-08: an admin exports a contact's data, behind `authorize`. */
  adminExport(email: string, actor: string): AsyncIterable<string>;
}

/** A recorded request's verification mail, not sent yet (see `dsarInternals`). */
export interface PreparedDsarRequest {
  requestId: string;
  mail: RenderedMail;
  /** When the mail's link stops working. */
  expiresAt: Date;
}

/** What the outbox needs of a DSAR service beyond its public API. Internal. */
export interface DsarServiceInternals {
  prepareRequest(input: DsarRequestInput): Promise<PreparedDsarRequest | undefined>;
  /** Through the service's sender (the app's `sendMail` when it gave one). */
  sendRequestMail(mail: RenderedMail): Promise<void>;
}

// Kept off the service object: an app sees only the public API on `gdpr.dsar`.
const internals = new WeakMap<DsarService, DsarServiceInternals>();

export function dsarInternals(service: DsarService): DsarServiceInternals {
  const found = internals.get(service);
  if (!found)
    throw new GdprMailError('CONFIG_INVALID', 'Not a DSAR service made by createDsarService.');
  return found;
}

export function createDsarService(
  ctx: CoreContext,
  deps: { mailer: Mailer; consent: ConsentService },
  options: DsarOptions = {},
): DsarService {
  const { store, config } = ctx;
  const appSources: DsarDataSource[] = [];
  const processors: ProcessorEraser[] = [];
  const limiter: RateLimiterFactory =
    options.rateLimiters ??
    ((_, w) => createMemoryRateLimiter({ ...w, now: () => ctx.now().getTime() }));
  const perAddress: RateLimiter = limiter('dsar-per-address', {
    limit: options.perAddressPerDay ?? 3,
    windowMs: 86_400_000,
  });
  // Re-sends of a pending request's link, per subject and type (#19 finding 3).
  const resends: RateLimiter = limiter('dsar-resends', { limit: 3, windowMs: 3_600_000 });
  const perIp: RateLimiter = limiter('dsar-per-ip', {
    limit: options.perIpPerHour ?? 20,
    windowMs: 3_600_000,
  });
  const sendMail: DsarSendMail =
    options.sendMail ??
    (async (mail, kind) => {
      // A link that never left is not recorded as sent, and the outbox retries the
      // request's mail (a failed send throws).
      const outcome = await deps.mailer.sendSystem(mail, { kind });
      requireHandedOver(outcome);
      // The download link of a verified request to an address stopped for bounces or
      // complaints: no mail leaves, so no `download-link-sent` step may claim one did;
      // the request stays open for the controller to answer another way. (A refused
      // verification mail returns: the form's answer is the same for every address.)
      if (outcome.status === 'denied' && kind !== 'dsar-verify') {
        throw new GdprMailError(
          'SUPPRESSED',
          kind === 'dsar-ready'
            ? 'The download link was not mailed: the mailer refuses this address.'
            : 'The notice was not mailed: the mailer refuses this address. Tell the person another way and pass notify: false.',
          { details: { reason: outcome.reason } },
        );
      }
    });

  const sources = () => [...sdkSources(ctx), ...appSources];

  /** Syntax and the per-IP limit: nothing here depends on what the store knows. */
  async function admit(input: DsarRequestInput) {
    const parsed = requestSchema.safeParse(input);
    if (!parsed.success) {
      throw new GdprMailError('VALIDATION_FAILED', 'Invalid request.', {
        issues: formatIssues(parsed.error.issues),
      });
    }
    const email = normalizeEmail(parsed.data.email);
    if (parsed.data.ip && !(await perIp.hit(parsed.data.ip))) {
      throw new GdprMailError(
        'RATE_LIMITED',
        'Too many requests from this address; try again later.',
        {
          retryable: true,
          details: { retryAfterMs: perIp.windowMs ?? 3_600_000 },
        },
      );
    }
    return { parsed, email };
  }

  async function load(id: string): Promise<DsarRequest> {
    const request = await store.getDsarRequest(id);
    if (!request) throw new GdprMailError('DSAR_NOT_FOUND', `No request ${id}.`);
    return request;
  }

  /** Read-modify-write with optimistic concurrency, the step audited in the same go. */
  function change(
    id: string,
    action: string,
    actor: string,
    apply: (r: DsarRequest) => DsarRequest,
    detail?: string,
    auditDetails: Record<string, unknown> = {},
  ) {
    return withRetry(async () => {
      const current = await load(id);
      const at = ctx.now();
      const next: DsarRequest = {
        ...apply(structuredClone(current)),
        version: current.version + 1,
      };
      next.steps = [...next.steps, { at, action, actor, ...(detail ? { detail } : {}) }];
      await store.transaction(async (tx) => {
        await tx.putDsarRequest(next, current.version);
        await appendAuditEntry(
          tx,
          {
            actor,
            action: `dsar.${action}`,
            subjectRef: next.subjectId,
            details: { ...auditDetails, requestId: id, type: next.type },
          },
          at,
        );
      });
      return next;
    });
  }

  async function withRetry<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= 5 || !isGdprMailError(error, 'STORE_CONFLICT')) throw error;
      }
    }
  }

  function assertOpen(request: DsarRequest) {
    if (!DSAR_OPEN_STATUSES.includes(request.status)) {
      throw new GdprMailError('DSAR_CLOSED', `Request ${request.id} is ${request.status}.`);
    }
  }

  /** Nothing is exported, erased or changed before the person proved control of the address (REQ-21). */
  async function verified(
    id: string,
    /** A closed request this operation may still act on. */
    closedOk?: (request: DsarRequest) => boolean,
  ): Promise<{ request: DsarRequest; subject: DsarSubject }> {
    const request = await load(id);
    if (!isDsarVerified(request)) {
      throw new GdprMailError(
        'DSAR_NOT_VERIFIED',
        'The requester has not confirmed control of the address yet.',
      );
    }
    if (!closedOk?.(request)) assertOpen(request);
    const record = await store.getSubject(request.subjectId);
    if (!record) throw new GdprMailError('SUBJECT_NOT_FOUND', 'The person is no longer on record.');
    return { request, subject: { subjectId: record.id, email: record.email, record } };
  }

  /**
   * A restriction outlives its request: the routes complete a restriction request once it is
   * applied, and the lift (Art. 18(3)) comes later. So the lift takes a verified request that
   * restricted the person, open or completed, while the person is still restricted.
   */
  async function restricted(id: string): Promise<{ request: DsarRequest; subject: DsarSubject }> {
    const found = await verified(id, (r) => r.status === 'completed' && restrictionInForce(r));
    // Only the request that restricted the person, and has not lifted it since, lifts it.
    if (!restrictionInForce(found.request) || !found.subject.record.profile.restriction) {
      throw new GdprMailError(
        'VALIDATION_FAILED',
        'This request has no restriction in force to lift (never restricted, or lifted already).',
      );
    }
    return found;
  }

  /**
   * Mails an extension's or a refusal's notice before the decision is recorded, once `apply`
   * has accepted the decision on the request as it is (so no notice goes out for a decision
   * the store then refuses). Returns what adds the step saying how the person was told, and
   * whether they were mailed (for the audit entry).
   */
  async function tell(
    id: string,
    kind: 'extended' | 'refused',
    reason: string,
    apply: (r: DsarRequest) => DsarRequest,
    noticeOptions: DsarNoticeOptions,
  ): Promise<{ notified: boolean; apply: (r: DsarRequest) => DsarRequest }> {
    const notify = noticeOptions?.notify ?? true;
    if (typeof notify !== 'boolean') {
      throw new GdprMailError('VALIDATION_FAILED', 'notify must be true or false.', {
        issues: [{ path: 'notify', message: 'must be a boolean' }],
      });
    }
    const decided = apply(structuredClone(await load(id)));
    const at = ctx.now();
    if (!notify) {
      return {
        notified: false,
        apply: (r) => ({
          ...r,
          steps: [...r.steps, { at, action: 'notice-not-mailed', actor: 'system' }],
        }),
      };
    }
    const record = await store.getSubject(decided.subjectId);
    if (!record) {
      throw new GdprMailError(
        'SUBJECT_NOT_FOUND',
        'The person is no longer on record: tell them another way and pass notify: false.',
      );
    }
    await sendMail(
      dsarNoticeMail(kind, {
        to: record.email,
        type: decided.type,
        receivedAt: decided.receivedAt,
        ...(decided.extendedDueAt ? { dueAt: decided.extendedDueAt } : {}),
        reason,
        controllerName: config.controller.name,
        privacyUrl: config.links.privacyUrl,
        supervisoryAuthority: config.records.supervisoryAuthority,
        ...(record.profile.language ? { language: record.profile.language } : {}),
      }),
      kind === 'extended' ? 'dsar-extended' : 'dsar-refused',
    );
    return {
      notified: true,
      apply: (r) => ({
        ...r,
        steps: [...r.steps, { at, action: 'notice-mailed', actor: 'system' }],
      }),
    };
  }

  function header(request: DsarRequest, subject: DsarSubject) {
    return {
      request: { id: request.id, type: request.type, receivedAt: request.receivedAt },
      subject: {
        id: subject.subjectId,
        email: subject.email,
        createdAt: subject.record.createdAt,
        profile: subject.record.profile,
      },
      facts: buildPrivacyNoticeFacts(config, ctx.now()),
    };
  }

  function ttl(text: string): Date {
    return addDuration(ctx.now(), parseIsoDuration(text)!);
  }

  /**
   * `request` without its mail: records the request (or finds the pending one and counts
   * the re-send) and returns the verification mail, or nothing when no mail is due (an
   * unknown address, a re-send over its limits). The outbox sends the mail itself, so a
   * retry after a refused mail sends the same mail again instead of counting another
   * re-send against the limits.
   */
  async function prepareRequest(input: DsarRequestInput): Promise<PreparedDsarRequest | undefined> {
    const { parsed, email } = await admit(input);
    const subject = await findSubject(ctx, store, email);
    if (!subject) return undefined;
    const type = parsed.data.type as DsarType;
    // A repeat of a pending, unverified request of the same type reuses it and
    // re-sends its link, bounded per hour and per day: the mailbox is protected
    // from floods, yet nobody else can use up the owner's allowance, because a
    // request of another type is always recorded and mailed (#19 finding 3).
    const pending = (await store.listDsarRequests({ subjectId: subject.id, limit: 100 })).find(
      (r) => r.type === type && r.status === 'received',
    );
    const key = ctx.suppressionHash(email);
    let request: DsarRequest;
    if (pending) {
      if (!(await resends.hit(`${key}:${type}`))) return undefined;
      if (!(await perAddress.hit(key))) return undefined;
      request = pending;
    } else {
      // Counted towards the mailbox's daily allowance, never dropped.
      await perAddress.hit(key);
      const receivedAt = ctx.now();
      const { dueAt } = dsarDeadlines(receivedAt);
      request = {
        id: randomUUID(),
        type,
        status: 'received',
        subjectId: subject.id,
        receivedAt,
        dueAt,
        sources: {},
        steps: [{ at: receivedAt, action: 'received', actor: 'subject' }],
        version: 1,
      };
      const created = request;
      await store.transaction(async (tx) => {
        await tx.putDsarRequest(created, 0);
        await appendAuditEntry(
          tx,
          {
            actor: 'subject',
            action: 'dsar.received',
            subjectRef: subject.id,
            details: { requestId: created.id, type: created.type },
          },
          receivedAt,
        );
      });
    }
    const expiresAt = ttl(config.tokens.dsarVerifyTtl);
    const token = ctx.tokens.sign({
      type: 'dsar-verify',
      subjectId: subject.id,
      purposes: ['*'],
      nonce: request.id.replaceAll('-', ''),
      expiresAt,
    });
    // To the address on file, never to one typed into a form.
    const mail = dsarMail('verify', {
      to: subject.email,
      url: linkUrl(config, 'dsarVerify', token),
      type: request.type,
      expiresAt,
      controllerName: config.controller.name,
      privacyUrl: config.links.privacyUrl,
      ...((parsed.data.language ?? subject.profile.language)
        ? { language: parsed.data.language ?? subject.profile.language }
        : {}),
    });
    return { requestId: request.id, mail, expiresAt };
  }

  const service: DsarService = {
    registerSource(source) {
      if (sources().some((s) => s.name === source.name)) {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          `A data source named "${source.name}" is already registered.`,
        );
      }
      appSources.push(source);
    },
    registerProcessor(eraser) {
      processors.push(eraser);
    },

    async admit(input) {
      await admit(input);
    },

    async request(input) {
      const prepared = await prepareRequest(input);
      if (prepared) await sendMail(prepared.mail, 'dsar-verify');
      return { received: true };
    },

    async verify(token) {
      const claims = ctx.tokens.verify(token, 'dsar-verify');
      const requests = await store.listDsarRequests({ subjectId: claims.subjectId, limit: 100 });
      const request = requests.find((r) => r.id.replaceAll('-', '') === claims.nonce);
      if (!request) throw new GdprMailError('TOKEN_INVALID', 'This link is not valid.');
      if (
        !(await store.consumeNonce(`dsar-verify:${claims.nonce}`, claims.expiresAt ?? ttl('P1D')))
      ) {
        throw new GdprMailError('TOKEN_USED', 'This link was already used.');
      }
      return change(request.id, 'identity-verified', 'subject', (r) => {
        assertOpen(r);
        return { ...r, status: 'identity-verified', verifiedAt: ctx.now() };
      });
    },

    get: load,

    list: (query = {}) => store.listDsarRequests({ ...query, limit: query.limit ?? 100 }),

    overdue: async () =>
      store.listDsarRequests({ status: DSAR_OPEN_STATUSES, dueBefore: ctx.now(), limit: 1000 }),

    dueSoon: async (days = 7) =>
      store.listDsarRequests({
        status: DSAR_OPEN_STATUSES,
        dueBefore: new Date(ctx.now().getTime() + days * 86_400_000),
        limit: 1000,
      }),

    async extend(id, reason, actor = 'admin', noticeOptions = {}) {
      if (typeof reason !== 'string' || !reason.trim())
        throw new GdprMailError(
          'VALIDATION_FAILED',
          'An extension needs its reasons (Art. 12(3)).',
        );
      const apply = (r: DsarRequest): DsarRequest => {
        assertOpen(r);
        if (r.extendedDueAt)
          throw new GdprMailError('DSAR_EXTENSION_REFUSED', 'The request was already extended.');
        if (!canExtend(r.receivedAt, ctx.now())) {
          throw new GdprMailError(
            'DSAR_EXTENSION_REFUSED',
            'An extension must be decided and told within one month of receipt (Art. 12(3)).',
          );
        }
        return {
          ...r,
          extendedDueAt: dsarDeadlines(r.receivedAt).maxExtendedDueAt,
          extensionReason: reason,
        };
      };
      const told = await tell(id, 'extended', reason, apply, noticeOptions);
      return change(id, 'extended', actor, (r) => told.apply(apply(r)), reason, {
        notified: told.notified,
      });
    },

    async reject(id, reason, actor = 'admin', noticeOptions = {}) {
      if (typeof reason !== 'string' || !reason.trim())
        throw new GdprMailError('VALIDATION_FAILED', 'A refusal needs its reasons (Art. 12(4)).');
      const apply = (r: DsarRequest): DsarRequest => {
        assertOpen(r);
        return { ...r, status: 'rejected', rejectionReason: reason, completedAt: ctx.now() };
      };
      const told = await tell(id, 'refused', reason, apply, noticeOptions);
      return change(id, 'rejected', actor, (r) => told.apply(apply(r)), reason, {
        notified: told.notified,
      });
    },

    async complete(id, actor = 'admin') {
      return change(id, 'completed', actor, (r) => {
        assertOpen(r);
        // A request nobody confirmed may not be the person's own, and nothing was answered:
        // it is refused (with reasons) or left, never recorded as answered (REQ-21).
        if (!isDsarVerified(r)) {
          throw new GdprMailError(
            'DSAR_NOT_VERIFIED',
            'The requester has not confirmed control of the address yet: refuse the request or wait.',
          );
        }
        return { ...r, status: 'completed', completedAt: ctx.now() };
      });
    },

    async *exportJson(id) {
      const { request, subject } = await verified(id);
      const results: Record<string, { ok: boolean; count: number; error?: string }> = {};
      yield* exportBundle(
        header(request, subject),
        subject,
        sources(),
        ctx.now(),
        (name, result) => {
          results[name] = result;
        },
      );
      await change(id, 'exported', 'system', (r) => ({
        ...r,
        status: r.status === 'identity-verified' ? 'in-progress' : r.status,
        sources: Object.fromEntries(
          Object.entries(results).map(([name, res]) => [
            name,
            {
              status: res.ok ? 'done' : 'failed',
              attempts: (r.sources[name]?.attempts ?? 0) + 1,
              count: res.count,
              ...(res.error ? { error: res.error } : {}),
            },
          ]),
        ),
      }));
    },

    async *exportCsv(id, name) {
      const { subject } = await verified(id);
      const source = sources().find((s) => s.name === name);
      if (!source?.export)
        throw new GdprMailError('VALIDATION_FAILED', `No exportable source "${name}".`);
      let count = 0;
      async function* counted(rows: AsyncIterable<Record<string, unknown>>) {
        for await (const row of rows) {
          count += 1;
          yield row;
        }
      }
      const rows = counted(source.export(subject));
      if (source.columns) {
        yield* toCsv(source.columns, rows);
      } else {
        // Without declared columns, the first row's keys name them.
        const first = await rows.next();
        if (!first.done) {
          const rest = async function* () {
            yield first.value;
            yield* rows;
          };
          yield* toCsv(Object.keys(first.value), rest());
        }
      }
      // Recorded once the copy was read to the end, as the JSON export is: the request's
      // steps and the audit log show every copy handed out (SEED-12). A reader that stops
      // early or a source that throws records nothing.
      await change(
        id,
        'exported',
        'system',
        (r) => ({
          ...r,
          status: r.status === 'identity-verified' ? 'in-progress' : r.status,
          sources: {
            ...r.sources,
            [name]: { status: 'done', attempts: (r.sources[name]?.attempts ?? 0) + 1, count },
          },
        }),
        `csv: ${name}`,
      );
    },

    async sendDownloadLink(id) {
      const { request, subject } = await verified(id);
      // The nonce names the request and is unique per link: single use by nonce.
      const expiresAt = ttl(config.tokens.dsarDownloadTtl);
      const token = ctx.tokens.sign({
        type: 'dsar-download',
        subjectId: subject.subjectId,
        purposes: ['*'],
        nonce: `${request.id.replaceAll('-', '')}${randomUUID().replaceAll('-', '').slice(0, 16)}`,
        expiresAt,
      });
      const url = linkUrl(config, 'dsarDownload', token);
      await sendMail(
        dsarMail('ready', {
          to: subject.email,
          url,
          type: request.type,
          expiresAt,
          controllerName: config.controller.name,
          privacyUrl: config.links.privacyUrl,
          ...(subject.record.profile.language ? { language: subject.record.profile.language } : {}),
        }),
        'dsar-ready',
      );
      await change(request.id, 'download-link-sent', 'system', (r) => r);
      return url;
    },

    async download(token) {
      const claims = ctx.tokens.verify(token, 'dsar-download');
      // The signed nonce starts with the request's id, dashes removed (see sendDownloadLink).
      const hex = claims.nonce.slice(0, 32);
      const found = await store.getDsarRequest(
        `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
      );
      const request = found?.subjectId === claims.subjectId ? found : undefined;
      if (!request || !DSAR_OPEN_STATUSES.includes(request.status)) {
        // A full download completes its request: a second click on its link, or on an older
        // link of the answered request, is told the link was used rather than invalid.
        if (request?.status === 'completed') {
          throw new GdprMailError('TOKEN_USED', 'This download link was already used.');
        }
        throw new GdprMailError('TOKEN_INVALID', 'No open request for this link.');
      }
      // The export starts before the link is spent: what can fail (the request
      // no longer verified or open, the person gone, the store down) fails
      // here, and the link still works once it is fixed (#19 finding 7).
      // Sources that fail later are recorded in the bundle, not thrown. The
      // nonce is still consumed before any byte leaves, so of two concurrent
      // downloads one gets the data.
      const parts = service.exportJson(request.id)[Symbol.asyncIterator]();
      const first = await parts.next();
      if (
        !(await store.consumeNonce(`dsar-download:${claims.nonce}`, claims.expiresAt ?? ttl('P7D')))
      ) {
        await parts.return?.();
        throw new GdprMailError('TOKEN_USED', 'This download link was already used.');
      }
      async function* body(): AsyncIterable<string> {
        if (first.done) return;
        yield first.value;
        for (let next = await parts.next(); !next.done; next = await parts.next()) yield next.value;
        // Read to the end (the `exported` step is recorded): the copy the person asked for
        // is in their hands, so the request is answered, unless a source failed, which
        // the controller still owes them (Art. 15(3), Art. 20). A reader that stops early
        // completes nothing.
        const after = await store.getDsarRequest(requestId);
        if (
          after &&
          DSAR_OPEN_STATUSES.includes(after.status) &&
          !Object.values(after.sources).some((source) => source.status === 'failed')
        ) {
          await service.complete(requestId, 'subject');
        }
      }
      const requestId = request.id;
      return { request, body: body() };
    },

    async erase(id, eraseOptions = {}) {
      const actor = eraseOptions.actor ?? 'system';
      const { request, subject } = await verified(id);
      // An access or portability request proves the person wants a copy, not that they
      // want to be forgotten: erasing on it would lose their data for good (Art. 17(1)).
      if (request.type !== 'erasure') {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          `Request ${request.id} is a ${request.type} request; only an erasure request erases.`,
          { details: { requestId: request.id, type: request.type } },
        );
      }
      const legalHolds = eraseOptions.legalHolds ?? [];
      // A hold is honoured only where the erasure loop looks for it: on an app source.
      // Any other name (a typo, a source never registered, one of the SDK's records)
      // would be dropped silently and the data the controller must keep erased.
      const unknown = legalHolds
        .map((h) => h.source)
        .filter((name) => !appSources.some((s) => s.name === name));
      if (unknown.length > 0) {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          `Legal holds must name a registered app source; unknown: ${unknown.map((n) => `"${n}"`).join(', ')}.`,
          { details: { requestId: request.id, sources: unknown } },
        );
      }
      if (legalHolds.some((h) => typeof h.reason !== 'string' || !h.reason.trim())) {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          'Every legal hold needs its reason: the certificate says what was kept and why.',
          { details: { requestId: request.id } },
        );
      }
      const holds = new Map(legalHolds.map((h) => [h.source, h.reason]));
      const certificate: ErasureCertificate = {
        requestId: request.id,
        subjectId: subject.subjectId,
        erasedAt: ctx.now(),
        sources: {},
        processors: {},
        kept: [
          {
            what: 'a keyed hash (HMAC) of the address on the suppression list',
            why: 'so that no import or campaign mails the person again (Art. 17, 21; CNIL)',
          },
          {
            what: 'this request record and audit entries naming a pseudonymous id',
            why: 'proof of the answer (Art. 5(2), 12)',
          },
        ],
      };
      for (const source of appSources) {
        const held = holds.get(source.name);
        if (held) {
          certificate.sources[source.name] = { status: 'held', reason: held };
          certificate.kept.push({ what: `data in ${source.name}`, why: held });
          continue;
        }
        if (!source.erase) continue;
        try {
          const count = await source.erase(subject);
          certificate.sources[source.name] = {
            status: 'erased',
            ...(count === undefined ? {} : { count }),
          };
        } catch (error) {
          certificate.sources[source.name] = {
            status: 'failed',
            error: error instanceof Error ? error.name : 'Error',
          };
        }
      }
      const failed = Object.values(certificate.sources).some((s) => s.status === 'failed');
      // The SDK's own records: the subject row with its ledger, pending opt-ins and
      // delivery records, and the suppression tombstone, in one transaction.
      const at = ctx.now();
      const hash = ctx.suppressionHash(subject.email);
      if (!failed) {
        await store.transaction(async (tx) => {
          await tx.deleteSubject(subject.subjectId);
          // Journaled before commit, apart from the store: a restore re-applies it (REQ-34).
          await journalErasures(
            ctx,
            tx,
            [{ id: subject.subjectId, emailHash: subject.record.emailHash, email: subject.email }],
            'dsar',
            at,
          );
          await upgradeSuppression(tx, {
            hash,
            reason: 'erased',
            at,
            source: `dsar:${request.id}`,
          });
          await appendAuditEntry(
            tx,
            {
              actor,
              action: 'subject.erased',
              subjectRef: subject.subjectId,
              details: { requestId: request.id },
            },
            at,
          );
        });
        for (const name of ['consent-ledger', 'deliveries'])
          certificate.sources[name] = { status: 'erased' };
        // Not erased, and the certificate says so: the address's keyed hash stays as an
        // `erased` suppression entry (its former reason and date are gone), and the audit
        // log keeps its pseudonymous entries.
        certificate.sources.suppression = {
          status: 'held',
          reason: 'the keyed hash of the address stays on the suppression list, as an erased entry',
        };
        certificate.sources.audit = {
          status: 'held',
          reason: 'entries naming a pseudonymous id are kept: the log is append-only',
        };
        for (const processor of processors) {
          try {
            certificate.processors[processor.name] = await processor.eraseContact(subject.email);
          } catch (error) {
            certificate.processors[processor.name] = {
              ok: false,
              detail: error instanceof Error ? error.name : 'Error',
            };
          }
        }
        // Not even this process's memory keeps the address past its erasure.
        ctx.forgetAddress(subject.email);
      }
      await change(request.id, failed ? 'erase-partial' : 'erased', actor, (r) => ({
        ...r,
        status: failed ? 'in-progress' : 'completed',
        ...(failed ? {} : { completedAt: at }),
        sources: Object.fromEntries(
          Object.entries(certificate.sources).map(([name, s]) => [
            name,
            {
              status: s.status === 'erased' ? 'done' : s.status === 'held' ? 'skipped' : 'failed',
              attempts: (r.sources[name]?.attempts ?? 0) + 1,
              ...(s.error ? { error: s.error } : {}),
            },
          ]),
        ),
      }));
      return certificate;
    },

    async rectify(id, changes, actor = 'subject') {
      const { subject } = await verified(id);
      const patch = parseProfilePatch(changes);
      await store.updateSubjectProfile(
        subject.subjectId,
        mergeProfile(subject.record.profile, patch),
        ctx.now(),
      );
      for (const source of appSources)
        await source.rectify?.(subject, changes as Record<string, unknown>);
      // The previous values stay in the request's steps (versions kept, Art. 16).
      return change(id, 'rectified', actor, (r) => r, `fields: ${Object.keys(changes).join(', ')}`);
    },

    async restrict(id, reason, actor = 'subject') {
      const { subject } = await verified(id);
      await store.updateSubjectProfile(
        subject.subjectId,
        { ...subject.record.profile, restriction: { at: ctx.now(), reason } },
        ctx.now(),
      );
      for (const source of appSources) await source.restrict?.(subject, true);
      return change(id, 'restricted', actor, (r) => r, reason);
    },

    async liftRestriction(id, notice, actor = 'admin') {
      if (!notice?.how) {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          'Tell the person before lifting a restriction (Art. 18(3)).',
        );
      }
      const { subject } = await restricted(id);
      const { restriction: _lifted, ...profile } = subject.record.profile;
      await store.updateSubjectProfile(subject.subjectId, profile, ctx.now());
      for (const source of appSources) await source.restrict?.(subject, false);
      return change(
        id,
        'restriction-lifted',
        actor,
        (r) => r,
        `told ${notice.toldAt.toISOString()} by ${notice.how}`,
      );
    },

    async object(id, actor = 'subject') {
      const { subject } = await verified(id);
      await deps.consent.object({
        email: subject.email,
        evidence: { source: `dsar:${id}`, actor },
      });
      return change(id, 'objected', actor, (r) => r);
    },

    async *adminExport(emailInput, actor) {
      if (!options.authorize || !(await options.authorize(actor, 'export'))) {
        throw new GdprMailError('FORBIDDEN', `${actor} may not export personal data.`);
      }
      const record = await findSubject(ctx, store, normalizeEmail(emailInput));
      if (!record)
        throw new GdprMailError('SUBJECT_NOT_FOUND', 'No one is on record with this address.');
      await store.transaction((tx) =>
        appendAuditEntry(
          tx,
          { actor, action: 'dsar.admin-export', subjectRef: record.id },
          ctx.now(),
        ),
      );
      const subject = { subjectId: record.id, email: record.email, record };
      const request = {
        id: 'admin-export',
        type: 'access' as const,
        receivedAt: ctx.now(),
      };
      yield* exportBundle(
        { ...header({ ...request } as DsarRequest, subject), request },
        subject,
        sources(),
        ctx.now(),
        () => undefined,
      );
    },
  };
  internals.set(service, {
    prepareRequest,
    sendRequestMail: (mail) => sendMail(mail, 'dsar-verify'),
  });
  return service;
}
