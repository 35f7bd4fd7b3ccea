import { randomUUID } from 'node:crypto';
import { appendAuditEntries } from '../audit/audit-chain.js';
import type { AuditDraft } from '../audit/audit-entry.js';
import { addDuration, parseIsoDuration } from '../config/iso-duration.js';
import type { ConsentEvent } from '../consent/consent-event.js';
import { isCurrentInLedger } from '../consent/consent-service.js';
import type { CoreContext } from '../context.js';
import { GdprMailError, isGdprMailError } from '../errors/gdpr-mail-error.js';
import { millisecondsOption } from '../errors/option-checks.js';
import { linkUrl } from '../links/link-url.js';
import type { SendContext } from '../policy/can-send.js';
import { decideSend } from '../policy/can-send.js';
import type {
  DeliveryRecord,
  DeliveryUpdate,
  SubjectRecord,
  SuppressionEntry,
} from '../store/store-types.js';
import { normalizeEmail } from '../subjects/normalize-email.js';
import { ensureSubject, findSubject } from '../subjects/subject-service.js';
import type { RenderedMail } from '../templates/confirmation-template.js';
import type { MailboxInput, OutgoingMessage } from '../transport/outgoing-message.js';
import { resilientTransport } from '../transport/resilient-transport.js';
import { neverHandedOver, type SendResult } from '../transport/send-result.js';
import type { Transport } from '../transport/transport.js';
import { validateMessage } from '../transport/validate-message.js';
import type { MailOutcome, MailReport } from './mail-outcome.js';
import { summarise } from './mail-outcome.js';
import { withPixel } from './tracking-pixel.js';
import { withUnsubscribeFooter } from './unsubscribe-footer.js';

export interface MailInput {
  /** The recipient: an address, or `{ address, name }` to show a display name. */
  to: MailboxInput;
  purposeId: string;
  subject: string;
  text?: string;
  html?: string;
  /** Extra headers; List-Unsubscribe and List-Unsubscribe-Post are set by the mailer. */
  headers?: Readonly<Record<string, string>>;
  /**
   * The same key never sends twice (claimed in the store before sending). Defaults
   * to one per (campaign, purpose, recipient) with `campaignId`, else a random one.
   */
  idempotencyKey?: string;
  campaignId?: string;
  context?: SendContext;
  from?: MailboxInput;
  replyTo?: MailboxInput;
}

function addressOf(to: MailboxInput): string {
  return typeof to === 'string' ? to : to?.address;
}

function nameOf(to: MailboxInput): string | undefined {
  if (typeof to === 'string' || !to) return undefined;
  return typeof to.name === 'string' && to.name.trim() !== '' ? to.name : undefined;
}

export type SystemMailKind =
  | 'double-opt-in'
  | 'dsar-verify'
  | 'dsar-ready'
  | 'dsar-extended'
  | 'dsar-refused'
  | 're-permission';

export interface Mailer {
  /** One message; throws the typed error of an invalid message (INVALID_EMAIL, HEADER_INJECTION, …). */
  send(input: MailInput): Promise<MailOutcome>;
  /** Many messages, checked and sent a batch at a time; one outcome per input, in order. */
  sendMany(
    inputs: Iterable<MailInput> | AsyncIterable<MailInput>,
    options?: SendManyOptions,
  ): Promise<MailReport>;
  /**
   * Mail the person asked for (double opt-in confirmation, DSAR links): no
   * marketing policy, no unsubscribe header; still refused to hard-bounced or
   * complaining addresses.
   */
  sendSystem(
    mail: RenderedMail,
    options: { kind: SystemMailKind; idempotencyKey?: string },
  ): Promise<MailOutcome>;
  /** Releases the transport's connections. */
  close(): Promise<void>;
}

export interface SendManyOptions {
  signal?: AbortSignal;
  /**
   * Take over idempotency keys left `claimed` (never handed to a transport)
   * for longer than this: the run that claimed them crashed. Unset: such keys
   * are reported as `duplicate` like any other existing claim.
   */
  staleClaimMs?: number;
}

type DispatchOptions = SendManyOptions;

interface SendFacts {
  subjects: Map<string, SubjectRecord>;
  suppressions: Map<string, SuppressionEntry>;
  events: Map<string, ConsentEvent[]>;
}

interface Prepared {
  index: number;
  to: string;
  subject?: SubjectRecord;
  purposeId: string;
  campaignId?: string;
  idempotencyKey: string;
  message: OutgoingMessage;
}

const SYSTEM_BLOCKING = new Set(['hard-bounce', 'complaint']);

function messageIdFor(domain: string): string {
  return `<${randomUUID()}@${domain}>`;
}

function outcomeOf(prepared: Prepared, result: SendResult): MailOutcome {
  const base = { to: prepared.to, idempotencyKey: prepared.idempotencyKey };
  if (result.status === 'accepted') {
    return {
      status: 'sent',
      ...base,
      messageId: prepared.message.messageId!,
      providerMessageId: result.providerMessageId,
      ...(prepared.subject ? { subjectId: prepared.subject.id } : {}),
    };
  }
  if (result.status === 'ambiguous')
    return { status: 'ambiguous', ...base, message: result.message };
  return {
    status: 'failed',
    ...base,
    category: result.error.category,
    retryable: result.error.retryable,
    message: result.error.message,
  };
}

export function createMailer(ctx: CoreContext): Mailer {
  const { config, store } = ctx;
  let transport: Transport | undefined;

  function wire(): { transport: Transport; mailer: NonNullable<typeof config.mailer> } {
    if (!config.transport || !config.mailer) {
      throw new GdprMailError(
        'MAILER_NOT_CONFIGURED',
        'Sending needs `transport` and `mailer.from` in the config.',
      );
    }
    transport ??= resilientTransport(config.transport, {
      retry: config.mailer.retry,
      ...(config.mailer.rateLimit ? { rateLimit: config.mailer.rateLimit } : {}),
    });
    return { transport, mailer: config.mailer };
  }

  function domainOf(mailer: NonNullable<typeof config.mailer>): string {
    return (
      mailer.messageIdDomain ?? mailer.from.address.slice(mailer.from.address.lastIndexOf('@') + 1)
    );
  }

  function signLink(
    kind: 'unsubscribe' | 'preferences',
    subjectId: string,
    purposes: string[],
  ): string {
    const ttl =
      kind === 'unsubscribe' ? config.tokens.unsubscribeTtl : config.tokens.preferencesTtl;
    const duration = ttl === undefined ? undefined : parseIsoDuration(ttl);
    const token = ctx.tokens.sign({
      type: kind,
      subjectId,
      purposes,
      ...(duration ? { expiresAt: addDuration(ctx.now(), duration) } : {}),
    });
    return linkUrl(config, kind, token);
  }

  /** Tracking only as allowed (REQ-15, 29, 30): none, one shared pixel, or a personal one with consent. */
  function pixelUrl(
    subject: SubjectRecord,
    events: readonly ConsentEvent[],
    campaignId: string | undefined,
  ): string | undefined {
    const { mode, path, purposeId } = config.tracking;
    const base = `${config.links.baseUrl.replace(/\/+$/, '')}${path}`;
    if (mode === 'none') return undefined;
    if (mode === 'aggregate')
      return campaignId ? `${base}/c/${encodeURIComponent(campaignId)}.gif` : undefined;
    const signals = subject.profile.privacySignals;
    if (!purposeId || signals?.dnt || signals?.gpc) return undefined;
    // Current, not just granted: a tracking consent to an outdated notice or past its
    // refreshAfter gets no personal pixel (REQ-08).
    if (!isCurrentInLedger(ctx, events, purposeId)) return undefined;
    const token = ctx.tokens.sign({ type: 'open', subjectId: subject.id, purposes: [purposeId] });
    return `${base}/o/${token}.gif`;
  }

  /**
   * What the policy needs for a whole batch, in three round trips. Loaded right
   * before the batch is dispatched: a withdrawal that lands while a campaign is
   * queued stops the mails not yet sent (REQ-13).
   */
  async function loadFacts(emails: readonly string[]): Promise<SendFacts> {
    const [subjects, suppressions] = await Promise.all([
      store.findSubjectsByEmailHashes(emails.map((e) => ctx.subjectHash(e))),
      store.getSuppressions(emails.map((e) => ctx.suppressionHash(e))),
    ]);
    const events = new Map<string, ConsentEvent[]>();
    for (const event of await store.listConsentEventsForSubjects(subjects.map((x) => x.id))) {
      const list = events.get(event.subjectId) ?? [];
      list.push(event);
      events.set(event.subjectId, list);
    }
    return {
      subjects: new Map(subjects.map((x) => [x.emailHash, x])),
      suppressions: new Map(suppressions.map((x) => [x.hash, x])),
      events,
    };
  }

  function normalised(input: MailInput): string | MailOutcome {
    try {
      return normalizeEmail(addressOf(input.to));
    } catch (error) {
      return {
        status: 'invalid',
        to: String(addressOf(input.to)),
        code: 'INVALID_EMAIL',
        message: (error as Error).message,
      };
    }
  }

  async function prepare(
    input: MailInput,
    index: number,
    email: string,
    facts: SendFacts,
  ): Promise<Prepared | MailOutcome> {
    const { mailer } = wire();
    const purpose = ctx.purpose(input.purposeId);
    const found = facts.subjects.get(ctx.subjectHash(email));
    const suppression = facts.suppressions.get(ctx.suppressionHash(email));
    const events = (found && facts.events.get(found.id)) ?? [];
    const decision = decideSend(ctx, email, purpose, found, events, suppression, input.context);
    if (!decision.allowed) {
      return {
        status: 'denied',
        to: email,
        reason: decision.reason,
        ...(decision.subjectId ? { subjectId: decision.subjectId } : {}),
      };
    }
    const marketing = purpose.kind !== 'transactional';
    // Allowed marketing without a record (a generic B2B address): create one so the
    // unsubscribe link has someone to point at.
    const subject =
      found ??
      (marketing
        ? await store.transaction((tx) => ensureSubject(ctx, tx, email, ctx.now()))
        : undefined);
    const headers: Record<string, string> = { ...input.headers };
    let body: { text?: string; html?: string } = {
      ...(input.text !== undefined ? { text: input.text } : {}),
      ...(input.html !== undefined ? { html: input.html } : {}),
    };
    if (marketing && subject) {
      const unsubscribeUrl = signLink('unsubscribe', subject.id, [purpose.id]);
      const preferencesUrl = signLink('preferences', subject.id, ['*']);
      // RFC 2369 + RFC 8058: one-click HTTPS first, mailto as a fallback (REQ-12).
      headers['List-Unsubscribe'] = mailer.unsubscribeMailto
        ? `<${unsubscribeUrl}>, <mailto:${mailer.unsubscribeMailto}?subject=unsubscribe>`
        : `<${unsubscribeUrl}>`;
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
      body = withUnsubscribeFooter(
        body,
        { unsubscribeUrl, preferencesUrl },
        subject.profile.language,
      );
      const pixel =
        body.html === undefined ? undefined : pixelUrl(subject, events, input.campaignId);
      if (pixel && body.html !== undefined) body.html = withPixel(body.html, pixel);
    }
    // One key per (campaign, purpose, person): the subject id, or for a transactional
    // recipient without a record a keyed hash of the address (never the address), so
    // a re-run of the same campaign answers `duplicate` for them too.
    const idempotencyKey =
      input.idempotencyKey ??
      (input.campaignId
        ? `campaign:${input.campaignId}:${purpose.id}:${subject?.id ?? ctx.suppressionHash(email).slice(0, 32)}`
        : `message:${randomUUID()}`);
    // The display name given with the message, else the one stored on the profile.
    const name = nameOf(input.to) ?? subject?.profile.name;
    const message: OutgoingMessage = {
      from: input.from ?? mailer.from,
      to: name ? { address: email, name } : email,
      ...((input.replyTo ?? mailer.replyTo) ? { replyTo: (input.replyTo ?? mailer.replyTo)! } : {}),
      subject: input.subject,
      ...body,
      headers,
      messageId: messageIdFor(domainOf(mailer)),
      idempotencyKey,
      // Opaque ids only: providers never see personal data in tags (DESIGN).
      tags: [purpose.id, ...(input.campaignId ? [input.campaignId] : [])],
    };
    try {
      validateMessage(message);
    } catch (error) {
      if (!isGdprMailError(error)) throw error;
      return { status: 'invalid', to: email, code: error.code, message: error.message };
    }
    return {
      index,
      to: email,
      ...(subject ? { subject } : {}),
      purposeId: purpose.id,
      ...(input.campaignId ? { campaignId: input.campaignId } : {}),
      idempotencyKey,
      message,
    };
  }

  function record(prepared: Prepared, transportName: string): DeliveryRecord {
    const at = ctx.now();
    return {
      idempotencyKey: prepared.idempotencyKey,
      messageId: prepared.message.messageId!,
      ...(prepared.subject ? { subjectId: prepared.subject.id } : {}),
      purposeId: prepared.purposeId,
      ...(prepared.campaignId ? { campaignId: prepared.campaignId } : {}),
      transport: transportName,
      status: 'claimed',
      retryable: false,
      attempts: 1,
      createdAt: at,
      updatedAt: at,
    };
  }

  function audit(outcome: MailOutcome, purposeId: string, campaignId?: string): AuditDraft {
    const subjectRef =
      'subjectId' in outcome && outcome.subjectId
        ? outcome.subjectId
        : ctx.suppressionHash(outcome.to);
    return {
      actor: 'system',
      action: `mail.${outcome.status}`,
      subjectRef,
      ...(outcome.status === 'denied' ? { reason: outcome.reason } : {}),
      details: {
        purposeId,
        ...(campaignId ? { campaignId } : {}),
        ...('idempotencyKey' in outcome ? { idempotencyKey: outcome.idempotencyKey } : {}),
        ...(outcome.status === 'failed' ? { category: outcome.category } : {}),
      },
    };
  }

  /**
   * Claims, starts, sends and records one batch of prepared messages, a few
   * round trips per batch. `claimed` → `sending` is a compare-and-set on the
   * claim's message id, written before the hand-off: a crash after it leaves
   * the record `sending` (never re-sent), a crash before it leaves `claimed`
   * (taken over by a later run once stale).
   */
  async function dispatch(
    batch: Prepared[],
    options: DispatchOptions = {},
  ): Promise<Map<number, MailOutcome>> {
    const { transport: wired } = wire();
    const { signal } = options;
    const outcomes = new Map<number, MailOutcome>();
    const claims = await store.claimDeliveries(
      batch.map((p) => record(p, wired.name)),
      options.staleClaimMs === undefined
        ? {}
        : { reclaimClaimedBefore: new Date(ctx.now().getTime() - options.staleClaimMs) },
    );
    const duplicate = (prepared: Prepared, existing: DeliveryRecord) =>
      outcomes.set(prepared.index, {
        status: 'duplicate',
        to: prepared.to,
        idempotencyKey: prepared.idempotencyKey,
        existing,
      });
    const claimed: Prepared[] = [];
    for (const [i, prepared] of batch.entries()) {
      const claim = claims[i]!;
      if (claim.claimed) claimed.push(prepared);
      else duplicate(prepared, claim.existing);
    }
    if (claimed.length === 0) return outcomes;
    const started = new Set(
      await store.startDeliveries(
        claimed.map((p) => ({ idempotencyKey: p.idempotencyKey, messageId: p.message.messageId! })),
        ctx.now(),
      ),
    );
    const won: Prepared[] = [];
    for (const prepared of claimed) {
      if (started.has(prepared.idempotencyKey)) {
        won.push(prepared);
        started.delete(prepared.idempotencyKey);
        continue;
      }
      // Taken over by another worker between our claim and our start.
      const existing = await store.getDelivery(prepared.idempotencyKey);
      duplicate(prepared, existing ?? record(prepared, wired.name));
    }
    if (won.length === 0) return outcomes;
    const results = await wired.sendBatch(
      won.map((c) => c.message),
      signal ? { signal } : {},
    );
    const at = ctx.now();
    const drafts: AuditDraft[] = [];
    const updates: DeliveryUpdate[] = won.map((prepared, i) => {
      const result = results[i]!;
      const outcome = outcomeOf(prepared, result);
      outcomes.set(prepared.index, outcome);
      drafts.push(audit(outcome, prepared.purposeId, prepared.campaignId));
      return {
        idempotencyKey: prepared.idempotencyKey,
        status: result.status,
        // A message that never reached the provider was not sent: a re-run may claim it.
        retryable:
          result.status === 'failed' && (result.error.retryable || neverHandedOver(result.error)),
        attempts: result.attempts ?? 1,
        updatedAt: at,
        ...(result.status === 'accepted' ? { providerMessageId: result.providerMessageId } : {}),
        ...(result.status === 'failed' ? { reason: result.error.category } : {}),
      };
    });
    await store.transaction(async (tx) => {
      await tx.updateDeliveries(updates);
      await appendAuditEntries(tx, drafts, at);
    });
    const failed = updates.filter((u) => u.status === 'failed').length;
    const ambiguous = updates.filter((u) => u.status === 'ambiguous').length;
    if (failed + ambiguous > 0) {
      ctx.logger.warn(
        { transport: wired.name, messages: updates.length, failed, ambiguous },
        'mail batch: not every message was accepted',
      );
    } else {
      ctx.logger.debug({ transport: wired.name, messages: updates.length }, 'mail batch sent');
    }
    return outcomes;
  }

  async function sendMany(
    inputs: Iterable<MailInput> | AsyncIterable<MailInput>,
    options: SendManyOptions = {},
  ): Promise<MailReport> {
    const { mailer } = wire();
    millisecondsOption('staleClaimMs', options.staleClaimMs, undefined);
    const outcomes: MailOutcome[] = [];
    let pending: { input: MailInput; index: number }[] = [];
    let index = 0;

    // Up to `inFlightBatches` batches are on the wire; the next is checked and
    // claimed while the ones before it still are, so the connections never drain
    // between batches.
    const inFlight: Promise<void>[] = [];

    const flush = async () => {
      const batch = pending;
      pending = [];
      // The slot first, then the policy check: a batch checked before the wait
      // would still go to people who withdrew while it waited (REQ-13).
      while (inFlight.length >= mailer.inFlightBatches) await inFlight.shift();
      const ready: Prepared[] = [];
      const early: { index: number; outcome: MailOutcome; input: MailInput }[] = [];
      const emails = batch.map(({ input }) => normalised(input));
      const facts = await loadFacts(emails.filter((e): e is string => typeof e === 'string'));
      const prepared = await Promise.all(
        batch.map(({ input, index: i }, j) => {
          const email = emails[j]!;
          return typeof email === 'string' ? prepare(input, i, email, facts) : email;
        }),
      );
      for (const [j, result] of prepared.entries()) {
        const { input, index: i } = batch[j]!;
        if ('status' in result) early.push({ index: i, outcome: result, input });
        else ready.push(result);
      }
      const denials = early.flatMap(({ outcome, input }) =>
        outcome.status === 'denied' ? [audit(outcome, input.purposeId, input.campaignId)] : [],
      );
      if (denials.length > 0) {
        await store.transaction((tx) => appendAuditEntries(tx, denials, ctx.now()));
      }
      for (const { index: i, outcome } of early) outcomes[i] = outcome;
      if (ready.length === 0) return;
      const sending = dispatch(ready, options).then((sent) => {
        for (const [i, outcome] of sent) outcomes[i] = outcome;
      });
      // A failure of this batch surfaces at a later await, not as an unhandled rejection.
      sending.catch(() => undefined);
      inFlight.push(sending);
    };

    try {
      for await (const input of inputs) {
        pending.push({ input, index: index++ });
        if (pending.length >= mailer.batchSize) await flush();
      }
      if (pending.length > 0) await flush();
      while (inFlight.length > 0) await inFlight.shift();
    } catch (error) {
      // Batches already handed over finish (and are recorded) before the error surfaces.
      await Promise.allSettled(inFlight);
      throw error;
    }
    return summarise(outcomes);
  }

  return {
    async send(input) {
      const [outcome] = (await sendMany([input])).outcomes;
      if (outcome?.status === 'invalid') {
        throw new GdprMailError(outcome.code as 'INVALID_EMAIL', outcome.message);
      }
      return outcome!;
    },

    sendMany,

    async sendSystem(mail, options) {
      const { mailer } = wire();
      const email = normalizeEmail(mail.to);
      const suppressed = await store.getSuppression(ctx.suppressionHash(email));
      if (suppressed && SYSTEM_BLOCKING.has(suppressed.reason)) {
        return { status: 'denied', to: email, reason: 'suppressed' };
      }
      const subject = await findSubject(ctx, store, email);
      const idempotencyKey = options.idempotencyKey ?? `system:${options.kind}:${randomUUID()}`;
      const message: OutgoingMessage = {
        from: mailer.from,
        to: email,
        // A person who answers a DSAR notice or a confirmation reaches the configured reply
        // address, not a no-reply sender.
        ...(mailer.replyTo ? { replyTo: mailer.replyTo } : {}),
        subject: mail.subject,
        text: mail.text,
        ...(mail.html !== undefined ? { html: mail.html } : {}),
        messageId: messageIdFor(domainOf(mailer)),
        idempotencyKey,
        tags: [options.kind],
      };
      validateMessage(message);
      const prepared: Prepared = {
        index: 0,
        to: email,
        ...(subject ? { subject } : {}),
        purposeId: `system:${options.kind}`,
        idempotencyKey,
        message,
      };
      return (await dispatch([prepared])).get(0)!;
    },

    async close() {
      await config.transport?.close?.();
    },
  };
}
