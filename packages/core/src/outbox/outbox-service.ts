import { randomInt, randomUUID } from 'node:crypto';
import { appendAuditEntry } from '../audit/audit-chain.js';
import type { ConsentEvidence } from '../consent/evidence.js';
import type { CoreContext } from '../context.js';
import type { DataKeyRing } from '../crypto/data-key-ring.js';
import { fieldContext, openField, sealField } from '../crypto/field-cipher.js';
import type { DsarType } from '../dsar/dsar-request.js';
import { dsarInternals } from '../dsar/dsar-service.js';
import { GdprMailError, isGdprMailError } from '../errors/gdpr-mail-error.js';
import type { GdprMail } from '../gdpr-mail.js';
import { requireHandedOver } from '../mailer/mail-outcome.js';
import { warnOperator } from '../observability/logger.js';
import { isEncryptedStore } from '../store/encrypted-store.js';
import type { OutboxItem } from '../store/store-types.js';
import type { RenderedMail } from '../templates/confirmation-template.js';

/** What the signup route accepted: run as it ran before the answer, now after it. */
export interface SignupWork {
  kind: 'signup';
  email: string;
  purposes: string[];
  evidence: ConsentEvidence;
  locale?: string;
  /** DNT / GPC seen on the request (REQ-15). */
  signals?: { dnt: boolean; gpc: boolean };
  /** When the request was answered (ISO 8601): the time of the privacy signals. */
  at: string;
  /**
   * Set by the outbox when the opt-in was requested but its mail not taken: the
   * request's nonce and mail, so a retry sends that mail again instead of asking
   * again (a new request would count against `doubleOptIn.maxRequestsPerDay`).
   * `expiresAt`: ISO 8601, when its link stops working; past it, a retry asks again.
   */
  requested?: { nonce: string; message: RenderedMail; expiresAt: string };
}

/** What the DSAR form accepted, after `dsar.admit`: `dsar.request` without the IP (already counted). */
export interface DsarRequestWork {
  kind: 'dsar-request';
  email: string;
  type: DsarType;
  language?: string;
  /**
   * Set by the outbox when the request was recorded but its verification mail not
   * taken: the retry sends that mail again instead of asking again (a repeat counts
   * against the DSAR re-send limits). `expiresAt`: ISO 8601, when its link stops
   * working; past it, a retry asks again (a re-send of the pending request).
   */
  requested?: { requestId: string; mail: RenderedMail; expiresAt: string };
}

export type OutboxWork = SignupWork | DsarRequestWork;
export type OutboxKind = OutboxWork['kind'];

/** Counts of one `drain()`. */
export interface OutboxDrainResult {
  /** Items whose work ran to the end, deleted. */
  done: number;
  /** Items that failed and wait for a later attempt. */
  retried: number;
  /** Items given up after `outbox.maxAttempts` (or unreadable), recorded in the audit log. */
  dropped: number;
}

/** Sends the double opt-in mail of a signup; the routes' `sendMail` option replaces it. */
export type OutboxSendMail = (mail: RenderedMail, kind: 'double-opt-in') => Promise<void>;

/**
 * The durable outbox (issue #19, finding 2). Public routes store what they
 * accepted here and answer at once, the same for every address; the work
 * whose cost depends on what the store knows (suppression, subject, writes,
 * signing, the transport) runs after the answer. Items live in the store, so
 * a crash loses none: a drainer's lease runs out and another takes over.
 * Work runs at least once: a crash between the work and the delete runs it
 * again (a second confirmation mail or DSAR link, within their caps).
 */
export interface OutboxService {
  /** Seals and stores the work; the cost is the same whatever the address. Returns the item id. */
  enqueue(work: OutboxWork): Promise<string>;
  /**
   * Runs every item available now, a batch at a time, until none is left.
   * Safe from several processes at once (each item goes to one drainer).
   * Calls made while a drain runs join it.
   */
  drain(): Promise<OutboxDrainResult>;
  /**
   * Resolves when no drain is running or scheduled in this process (tests,
   * graceful shutdown). A drain still waiting for its delay runs at once.
   */
  idle(): Promise<void>;
  /**
   * Schedules a drain after the current answer has been written, at a random
   * delay of up to `outbox.drainDelayMs`, when `outbox.drainAfterResponse` is
   * on. Calls made while one waits share it. Errors go to `onError`.
   */
  drainSoon(onError?: (error: unknown) => void): void;
  /**
   * Drains now and then every `outbox.sweepMs` in this process, so items left
   * by a crash or a restart, and retries scheduled by a process that is gone,
   * run without new traffic. The routes start it; the timer never keeps the
   * process alive and `close()` stops it.
   */
  startSweeping(): void;
  /** Replaces the sender of the signup's confirmation mail (the routes' `sendMail`). */
  useSender(send: OutboxSendMail): void;
  /** Waits for `idle()` and cancels the retry timer; `gdpr.close()` calls it. */
  close(): Promise<void>;
}

const OUTBOX_KINDS: readonly string[] = ['signup', 'dsar-request'];
const BATCH = 10;
const MAX_BACKOFF_MS = 3_600_000;

/**
 * Each item is sealed under a fresh data key wrapped by the current
 * key-encryption key (as a person's data is), never under a key derived from
 * the pepper: copies of a finished item left in WAL or backups stop opening
 * when that KEK is retired, like everything else (docs/security.md).
 */
async function sealPayload(ctx: CoreContext, id: string, json: string): Promise<string> {
  const ring = await keyRingOf(ctx);
  const { key, wrapped } = ring.newDataKey(`outbox:${id}`);
  return `${wrapped}|${sealField(key, json, fieldContext('outbox', id, 'payload'))}`;
}

async function openPayload(ctx: CoreContext, item: OutboxItem): Promise<string> {
  const ring = await keyRingOf(ctx);
  const bar = item.payload.indexOf('|');
  if (bar <= 0) throw new GdprMailError('CIPHERTEXT_INVALID', 'An outbox item has no data key.');
  const key = ring.unwrap(item.payload.slice(0, bar), `outbox:${item.id}`);
  return openField(key, item.payload.slice(bar + 1), fieldContext('outbox', item.id, 'payload'));
}

async function keyRingOf(ctx: CoreContext): Promise<DataKeyRing> {
  if (!isEncryptedStore(ctx.store)) {
    throw new GdprMailError('CONFIG_INVALID', 'The outbox needs the encrypting store layer.');
  }
  return ctx.store.keyRing();
}

/** A failure after part of the work was done: the item keeps that progress for its retry. */
class PartlyDone extends Error {
  constructor(
    readonly failure: unknown,
    readonly progress: OutboxWork,
  ) {
    super('outbox work partly done');
  }
}

function errorCode(error: unknown): string {
  const failure = error instanceof PartlyDone ? error.failure : error;
  return isGdprMailError(failure) ? failure.code : 'UNEXPECTED';
}

export function createOutboxService(
  ctx: CoreContext,
  services: () => Pick<GdprMail, 'optIn' | 'subjects' | 'dsar' | 'mailer'>,
): OutboxService {
  const { store, config } = ctx;
  const settings = config.outbox;
  // One owner per instance: its leases are fenced against other processes'.
  const owner = randomUUID();
  let send: OutboxSendMail = async (mail, kind) => {
    // A mail the transport failed to take throws: the item is retried, not done.
    requireHandedOver(await services().mailer.sendSystem(mail, { kind }));
  };
  let running: Promise<OutboxDrainResult> | undefined;
  let next: Promise<OutboxDrainResult> | undefined;
  /** The drain scheduled by `drainSoon`, waiting for its delay. */
  let pending: { cancel(): void; fire(): void } | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  const warnedCodes = new Set<string>();

  async function run(work: OutboxWork): Promise<void> {
    if (work.kind === 'dsar-request') return runDsarRequest(work);
    if (work.purposes.length === 0) return;
    if (work.requested && !expired(work.requested.expiresAt)) {
      await resendConfirmation(work.email, work.requested);
      return;
    }
    // A first attempt, or a retry whose link expired meanwhile (no drain for a day):
    // a fresh request, with a link that works.
    const gdpr = services();
    let result: Awaited<ReturnType<typeof gdpr.optIn.request>>;
    try {
      result = await gdpr.optIn.request(work.email, work.purposes, work.evidence, {
        ...(work.locale ? { locale: work.locale } : {}),
      });
    } catch (error) {
      // The per-address daily limit, or an address only the person's own "unsubscribe from
      // all" may reopen (an erasure, bounce or complaint keeps it unmailed; optIn.request
      // refuses it before writing anything): the work is done, nothing is sent.
      if (!isGdprMailError(error, 'RATE_LIMITED') && !isGdprMailError(error, 'SUPPRESSED')) {
        throw error;
      }
      return;
    }
    if (work.signals && (work.signals.dnt || work.signals.gpc)) {
      // REQ-15: an automated objection, kept so tracking stays off for this person.
      await gdpr.subjects.upsert(work.email, {
        privacySignals: { ...work.signals, at: new Date(work.at) },
      });
    }
    // Outside the catch above: a provider's own rate limit (RATE_LIMITED too) is retried,
    // with the mail just made: the opt-in stands, only its mail is missing.
    try {
      await send(result.message, 'double-opt-in');
    } catch (error) {
      const { signals: _done, ...rest } = work;
      throw new PartlyDone(error, {
        ...rest,
        requested: {
          nonce: result.nonce,
          message: result.message,
          expiresAt: result.expiresAt.toISOString(),
        },
      });
    }
  }

  async function runDsarRequest(work: DsarRequestWork): Promise<void> {
    const dsar = dsarInternals(services().dsar);
    if (work.requested) {
      const request = await store.getDsarRequest(work.requested.requestId);
      // Verified, closed or gone meanwhile: no link is due any more.
      if (request?.status !== 'received') return;
      if (!expired(work.requested.expiresAt)) {
        await dsar.sendRequestMail(work.requested.mail);
        return;
      }
    }
    const prepared = await dsar.prepareRequest({
      email: work.email,
      type: work.type,
      ...(work.language ? { language: work.language } : {}),
    });
    if (!prepared) return;
    try {
      await dsar.sendRequestMail(prepared.mail);
    } catch (error) {
      throw new PartlyDone(error, {
        ...work,
        requested: {
          requestId: prepared.requestId,
          mail: prepared.mail,
          expiresAt: prepared.expiresAt.toISOString(),
        },
      });
    }
  }

  function expired(iso: string): boolean {
    return new Date(iso).getTime() <= ctx.now().getTime();
  }

  /**
   * The retry of a confirmation mail the transport refused. Between attempts the
   * person may have confirmed through another mail, been erased (their pending
   * opt-ins go with them) or been suppressed: then nothing is sent, as
   * `optIn.request` would have refused it.
   */
  async function resendConfirmation(
    email: string,
    requested: NonNullable<SignupWork['requested']>,
  ): Promise<void> {
    if (!(await store.getPendingOptIn(requested.nonce))) return;
    const held = await store.getSuppression(ctx.suppressionHash(email));
    if (held && held.reason !== 'unsubscribed-all') return;
    await send(requested.message, 'double-opt-in');
  }

  /**
   * Without a configured logger every failure above is silent, and the form has already
   * told the person to check their inbox (a transport's expired certificate, a wrong
   * password): the console hears of each error code once per process. Codes only.
   */
  function tellOperatorWithoutLogger(code: string): void {
    if (config.logger || warnedCodes.has(code)) return;
    warnedCodes.add(code);
    warnOperator(
      undefined,
      code,
      `[gdpr-mail] Outbox work (a sign-up's or data-subject request's mail) failed (${code}): it is ` +
        `retried up to outbox.maxAttempts times, then dropped. Configure \`logger\` to see each failure ` +
        '(docs/observability.md).',
    );
  }

  /** Gives up on an item: deleted with an audit entry that names no person. */
  async function drop(item: OutboxItem, reason: string): Promise<void> {
    tellOperatorWithoutLogger(reason);
    ctx.logger.warn(
      { itemId: item.id, kind: item.kind, attempts: item.attempts, error: reason },
      'outbox item dropped',
    );
    await store.transaction(async (tx) => {
      if (!(await tx.completeOutbox(item.id, owner))) return;
      await appendAuditEntry(
        tx,
        {
          actor: 'system',
          action: 'outbox.dropped',
          details: { itemId: item.id, kind: item.kind, attempts: item.attempts, error: reason },
        },
        ctx.now(),
      );
    });
  }

  function scheduleRetry(at: Date): void {
    const delay = Math.max(0, at.getTime() - ctx.now().getTime());
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      drain().catch(() => {
        // A store outage: the items stay, the next drain takes them.
      });
    }, delay);
    // A retry never keeps the process alive on its own.
    retryTimer.unref();
  }

  async function handle(item: OutboxItem, counts: OutboxDrainResult): Promise<void> {
    let work: OutboxWork;
    try {
      work = JSON.parse(await openPayload(ctx, item)) as OutboxWork;
      if (!OUTBOX_KINDS.includes(work.kind) || work.kind !== item.kind) throw new Error('kind');
    } catch (error) {
      // Unreadable (another pepper, altered bytes, unknown kind): no attempt can help.
      await drop(item, errorCode(error));
      counts.dropped += 1;
      return;
    }
    if (item.attempts > settings.maxAttempts) {
      // Its drainers crashed on it every time: a poison item.
      await drop(item, item.lastError ?? 'LEASE_EXPIRED');
      counts.dropped += 1;
      return;
    }
    try {
      await run(work);
    } catch (error) {
      const code = errorCode(error);
      if (item.attempts >= settings.maxAttempts) {
        await drop(item, code);
        counts.dropped += 1;
        return;
      }
      const backoff = Math.min(settings.retryBaseMs * 2 ** (item.attempts - 1), MAX_BACKOFF_MS);
      const availableAt = new Date(ctx.now().getTime() + backoff);
      ctx.logger.warn(
        {
          itemId: item.id,
          kind: item.kind,
          attempts: item.attempts,
          error: code,
          retryInMs: backoff,
        },
        'outbox item failed, retried later',
      );
      tellOperatorWithoutLogger(code);
      await store.releaseOutbox(item.id, owner, {
        availableAt,
        lastError: code,
        ...(error instanceof PartlyDone
          ? { payload: await sealPayload(ctx, item.id, JSON.stringify(error.progress)) }
          : {}),
      });
      scheduleRetry(availableAt);
      counts.retried += 1;
      return;
    }
    await store.completeOutbox(item.id, owner);
    counts.done += 1;
  }

  async function loop(): Promise<OutboxDrainResult> {
    const counts: OutboxDrainResult = { done: 0, retried: 0, dropped: 0 };
    for (;;) {
      const now = ctx.now();
      const items = await store.claimOutbox({
        now,
        leaseUntil: new Date(now.getTime() + settings.leaseMs),
        owner,
        limit: BATCH,
      });
      for (const item of items) await handle(item, counts);
      if (items.length < BATCH) return counts;
    }
  }

  function drain(): Promise<OutboxDrainResult> {
    if (!running) {
      const current = loop().finally(() => {
        running = undefined;
      });
      running = current;
      return current;
    }
    // A drain is running and may have passed the item just queued: every call
    // made meanwhile shares one more pass, started when it ends.
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return drain();
      });
    return next;
  }

  async function idle(): Promise<void> {
    for (;;) {
      if (pending) pending.fire();
      else if (running || next) await (next ?? running)?.catch(() => undefined);
      else return;
    }
  }

  return {
    async enqueue(work) {
      const id = randomUUID();
      const now = ctx.now();
      await store.enqueueOutbox({
        id,
        kind: work.kind,
        payload: await sealPayload(ctx, id, JSON.stringify(work)),
        createdAt: now,
        availableAt: now,
        attempts: 0,
      });
      return id;
    },
    drain,
    idle,
    drainSoon(onError) {
      if (!settings.drainAfterResponse || pending) return;
      let fired = false;
      const fire = () => {
        if (fired) return;
        fired = true;
        pending?.cancel();
        pending = undefined;
        drain().catch((error: unknown) => onError?.(error));
      };
      // Never before the answer is written (the adapter writes it in this turn of
      // the event loop), and at a random delay: the work of one request must not
      // land on the very next request of the same client, whose time would tell
      // what this one found (PGlite runs on this thread; a busy database too).
      const delay = settings.drainDelayMs > 0 ? randomInt(settings.drainDelayMs + 1) : 0;
      if (delay === 0) {
        const immediate = setImmediate(fire);
        pending = { cancel: () => clearImmediate(immediate), fire };
      } else {
        const timer = setTimeout(fire, delay);
        // The work is in the store: a pending drain never keeps the process alive.
        timer.unref();
        pending = { cancel: () => clearTimeout(timer), fire };
      }
    },
    startSweeping() {
      if (sweepTimer || !settings.drainAfterResponse || settings.sweepMs === 0) return;
      const sweep = () => {
        drain().catch(() => {
          // A store outage: the items stay, the next sweep takes them.
        });
      };
      // The first sweep soon after start (leftovers of a crash), then periodically.
      const first = setTimeout(sweep, Math.min(1000, settings.sweepMs));
      first.unref();
      sweepTimer = setInterval(sweep, settings.sweepMs);
      sweepTimer.unref();
    },
    useSender(sender) {
      send = sender;
    },
    async close() {
      await idle();
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      if (sweepTimer) clearInterval(sweepTimer);
      sweepTimer = undefined;
    },
  };
}
