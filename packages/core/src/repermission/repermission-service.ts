import { appendAuditEntries, appendAuditEntry } from '../audit/audit-chain.js';
import type { AuditDraft } from '../audit/audit-entry.js';
import type { ConsentEventDraft } from '../consent/append-events.js';
import { appendConsentEvents } from '../consent/append-events.js';
import type { ConsentEvent } from '../consent/consent-event.js';
import { isCurrentInLedger, recordNotices } from '../consent/consent-service.js';
import { buildProof, parseWithdrawalEvidence } from '../consent/evidence.js';
import { deriveConsentState } from '../consent/ledger.js';
import type { CoreContext } from '../context.js';
import { maskEmail } from '../double-opt-in/mask-email.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { linkUrl } from '../links/link-url.js';
import type { Mailer } from '../mailer/mailer-service.js';
import { needsRefresh } from '../policy/needs-refresh.js';
import type { SubjectRecord } from '../store/store-types.js';
import { withConflictRetry } from '../store/with-conflict-retry.js';
import { liftOwnUnsubscribeAll } from '../suppression/suppression-service.js';
import { lintDoubleOptInTemplate } from '../templates/lint-double-opt-in.js';
import { randomNonce } from '../tokens/nonce.js';
import type { RepermissionTemplate } from './repermission-template.js';
import { builtInRepermissionTemplate } from './repermission-template.js';

export interface RepermissionSendOptions {
  /** The purpose to ask for again; flagged contacts whose flag names it are mailed. */
  purposeId: string;
  /** After it, contacts who did not click get no more marketing (run `expire()`). */
  deadline: Date;
  /** The app's own mail (linted: one button, no images, no other link). */
  template?: RepermissionTemplate;
  /** Subjects per page of the scan (default 500). */
  batchSize?: number;
  onProgress?: (report: RepermissionSendReport) => void;
}

export const REPERMISSION_SKIP_REASONS = [
  'suppressed',
  'withdrawn',
  'objected',
  'already-granted',
  'already-sent',
] as const;
export type RepermissionSkipReason = (typeof REPERMISSION_SKIP_REASONS)[number];

export interface RepermissionSendReport {
  scanned: number;
  sent: number;
  /** Not sent now: the transport failed or was unsure; the contact stays flagged for a re-run. */
  failed: number;
  skipped: Record<RepermissionSkipReason, number>;
}

export interface RepermissionInspection {
  subjectId: string;
  maskedEmail: string;
  /** Each purpose with its current notice: the page asks consent to that text. */
  purposes: Array<{ id: string; title: string; noticeText: string; noticeVersion: string }>;
  controllerName: string;
  deadline: Date | undefined;
}

export interface RepermissionConfirmResult {
  subjectId: string;
  purposeIds: string[];
  events: ConsentEvent[];
}

/** The request of the click: what proves the person's act. */
export interface RepermissionClickProof {
  ip?: string;
  userAgent?: string;
}

export interface RepermissionExpireReport {
  scanned: number;
  expired: number;
}

export interface RepermissionService {
  /** Mails each flagged contact a plain "do you still want our emails?" with one button (SEED-02). */
  send(options: RepermissionSendOptions): Promise<RepermissionSendReport>;
  /** The GET of the link: verifies and describes, changes nothing. */
  inspect(token: string): Promise<RepermissionInspection>;
  /** The POST of the button: records consent with proof (method double-opt-in, source re-permission). */
  confirm(token: string, proof?: RepermissionClickProof): Promise<RepermissionConfirmResult>;
  /** After the deadline: mailed contacts who did not click get no more marketing. */
  expire(options?: { batchSize?: number }): Promise<RepermissionExpireReport>;
}

const SOURCE = 're-permission';

async function* scanSubjects(ctx: CoreContext, batchSize: number) {
  let afterId: string | undefined;
  for (;;) {
    const page = await ctx.store.listSubjects({
      ...(afterId === undefined ? {} : { afterId }),
      limit: batchSize,
    });
    if (page.length > 0) yield page;
    if (page.length < batchSize) return;
    afterId = page.at(-1)!.id;
  }
}

export function createRepermissionService(ctx: CoreContext, mailer: Mailer): RepermissionService {
  const { config, store } = ctx;

  return {
    async send(options) {
      const purpose = ctx.purpose(options.purposeId);
      if (purpose.kind === 'transactional') {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          `Purpose "${purpose.id}" is transactional: there is no permission to ask again.`,
        );
      }
      const deadline = new Date(options.deadline);
      if (Number.isNaN(deadline.getTime()) || deadline <= ctx.now()) {
        throw new GdprMailError('VALIDATION_FAILED', 'The deadline must be a date in the future.');
      }
      const template = options.template ?? builtInRepermissionTemplate;
      const batchSize = options.batchSize ?? 500;
      const report: RepermissionSendReport = {
        scanned: 0,
        sent: 0,
        failed: 0,
        skipped: {
          suppressed: 0,
          withdrawn: 0,
          objected: 0,
          'already-granted': 0,
          'already-sent': 0,
        },
      };
      for await (const page of scanSubjects(ctx, batchSize)) {
        const flagged = page.filter((s) => {
          const rep = s.profile.contact?.repermission;
          return (
            (rep?.status === 'flagged' || rep?.status === 'sent') &&
            rep.purposeIds.includes(purpose.id)
          );
        });
        report.scanned += page.length;
        if (flagged.length === 0) continue;
        const suppressions = new Set(
          (await store.getSuppressions(flagged.map((s) => ctx.suppressionHash(s.email)))).map(
            (e) => e.hash,
          ),
        );
        const ledgers = new Map<string, ConsentEvent[]>();
        for (const event of await store.listConsentEventsForSubjects(flagged.map((s) => s.id))) {
          ledgers.set(event.subjectId, [...(ledgers.get(event.subjectId) ?? []), event]);
        }
        const sentNow: SubjectRecord[] = [];
        for (const subject of flagged) {
          const rep = subject.profile.contact!.repermission!;
          if (rep.status !== 'flagged') {
            report.skipped['already-sent'] += 1;
            continue;
          }
          if (suppressions.has(ctx.suppressionHash(subject.email))) {
            report.skipped.suppressed += 1;
            continue;
          }
          const state = deriveConsentState(ledgers.get(subject.id) ?? [], purpose.id);
          const { status } = state;
          if (status === 'withdrawn' || status === 'objected') {
            report.skipped[status] += 1;
            continue;
          }
          // A grant that must be renewed (an older major notice, past `refreshAfter`) is
          // exactly whom re-permission is for (REQ-08): only a current one is skipped.
          if (status === 'granted' && !needsRefresh(purpose, state, ctx.now())) {
            report.skipped['already-granted'] += 1;
            continue;
          }
          const { token } = ctx.tokens.issue({
            type: 're-permission',
            subjectId: subject.id,
            purposes: [purpose.id],
            noticeVersions: { [purpose.id]: purpose.notice.version },
            expiresAt: deadline,
            nonce: randomNonce(),
          });
          const confirmUrl = linkUrl(config, 'repermission', token);
          const links = {
            confirmUrl,
            ...(config.links.privacyUrl ? { privacyUrl: config.links.privacyUrl } : {}),
          };
          const content = template({
            locale: subject.profile.language ?? config.doubleOptIn.defaultLocale,
            to: subject.email,
            controllerName: config.controller.name,
            purposes: [{ id: purpose.id, title: purpose.title }],
            ...links,
            deadline,
          });
          lintDoubleOptInTemplate(content, links);
          const outcome = await mailer.sendSystem(
            { to: subject.email, ...content },
            {
              kind: 're-permission',
              idempotencyKey: `re-permission:${purpose.id}:${subject.id}:${deadline.toISOString()}`,
            },
          );
          if (outcome.status === 'sent' || outcome.status === 'duplicate') {
            report.sent += 1;
            sentNow.push(subject);
          } else if (outcome.status === 'denied') report.skipped.suppressed += 1;
          else report.failed += 1;
        }
        if (sentNow.length > 0) {
          await withConflictRetry(() =>
            store.transaction(async (tx) => {
              const at = ctx.now();
              const audit: AuditDraft[] = [];
              for (const { id } of sentNow) {
                const current = await tx.getSubject(id);
                const contact = current?.profile.contact;
                if (!current || !contact?.repermission) continue;
                await tx.updateSubjectProfile(
                  id,
                  {
                    ...current.profile,
                    contact: {
                      ...contact,
                      repermission: {
                        ...contact.repermission,
                        status: 'sent',
                        sentAt: at,
                        deadline,
                      },
                    },
                  },
                  at,
                );
                audit.push({
                  actor: 'system',
                  action: 'repermission.sent',
                  subjectRef: id,
                  details: { purposeId: purpose.id, deadline: deadline.toISOString() },
                });
              }
              await appendAuditEntries(tx, audit, at);
            }),
          );
        }
        options.onProgress?.(report);
      }
      return report;
    },

    async inspect(token) {
      const claims = ctx.tokens.verify(token, 're-permission');
      const subject = await store.getSubject(claims.subjectId);
      if (!subject) throw new GdprMailError('SUBJECT_NOT_FOUND', 'This contact no longer exists.');
      return {
        subjectId: subject.id,
        maskedEmail: maskEmail(subject.email),
        purposes: claims.purposes.map((id) => {
          const purpose = config.purposes.find((p) => p.id === id);
          return {
            id,
            title: purpose?.title ?? id,
            noticeText: purpose?.notice.text ?? '',
            noticeVersion: purpose?.notice.version ?? '',
          };
        }),
        controllerName: config.controller.name,
        deadline: claims.expiresAt,
      };
    },

    async confirm(token, click = {}) {
      const claims = ctx.tokens.verify(token, 're-permission');
      const evidence = parseWithdrawalEvidence({
        source: SOURCE,
        actor: 'subject',
        ...(click.ip === undefined ? {} : { ip: click.ip }),
        ...(click.userAgent === undefined ? {} : { userAgent: click.userAgent }),
      });
      const purposes = claims.purposes.map((id) => ctx.purpose(id));
      return withConflictRetry(() =>
        store.transaction(async (tx) => {
          const at = ctx.now();
          const expiresAt = claims.expiresAt ?? new Date(at.getTime() + 86_400_000);
          if (!(await tx.consumeNonce(claims.nonce, expiresAt))) {
            throw new GdprMailError('TOKEN_USED', 'This link was already used.');
          }
          const subject = await tx.getSubject(claims.subjectId);
          if (!subject) {
            throw new GdprMailError('SUBJECT_NOT_FOUND', 'This contact no longer exists.');
          }
          const ledger = await tx.listConsentEvents(subject.id);
          // A grant that is no longer current (a new major notice, past refreshAfter) is
          // renewed by the click, as a grant to the text the page showed (REQ-08).
          const toGrant = purposes.filter((p) => !isCurrentInLedger(ctx, ledger, p.id));
          await recordNotices(
            ctx,
            tx,
            toGrant.map((p) => p.id),
            at,
          );
          const drafts: ConsentEventDraft[] = toGrant.map((purpose) => ({
            type: 'granted',
            purposeId: purpose.id,
            proof: buildProof(ctx, evidence, 'double-opt-in', purpose),
          }));
          const events = await appendConsentEvents(tx, subject.id, drafts, at);
          // The click is the person's own opt-in: like a confirmed sign-up, it lifts their
          // own "unsubscribe from all" (never an erasure, bounce, complaint or manual entry).
          const suppressionLifted =
            events.length > 0 && (await liftOwnUnsubscribeAll(ctx, tx, subject.email));
          const contact = subject.profile.contact;
          if (contact?.repermission) {
            await tx.updateSubjectProfile(
              subject.id,
              {
                ...subject.profile,
                contact: {
                  ...contact,
                  repermission: { ...contact.repermission, status: 'confirmed', confirmedAt: at },
                },
              },
              at,
            );
          }
          await appendAuditEntry(
            tx,
            {
              actor: 'subject',
              action: 'repermission.confirmed',
              subjectRef: subject.id,
              details: {
                purposeIds: toGrant.map((p) => p.id),
                eventSeqs: events.map((e) => e.seq),
                ...(suppressionLifted ? { suppressionLifted: true } : {}),
              },
            },
            at,
          );
          return { subjectId: subject.id, purposeIds: toGrant.map((p) => p.id), events };
        }),
      );
    },

    async expire(options = {}) {
      const batchSize = options.batchSize ?? 500;
      const report: RepermissionExpireReport = { scanned: 0, expired: 0 };
      for await (const page of scanSubjects(ctx, batchSize)) {
        report.scanned += page.length;
        const now = ctx.now();
        const due = page.filter((s) => {
          const rep = s.profile.contact?.repermission;
          return rep?.status === 'sent' && rep.deadline !== undefined && rep.deadline <= now;
        });
        if (due.length === 0) continue;
        report.expired += await withConflictRetry(() =>
          store.transaction(async (tx) => {
            const at = ctx.now();
            const audit: AuditDraft[] = [];
            for (const { id } of due) {
              const current = await tx.getSubject(id);
              const contact = current?.profile.contact;
              if (!current || contact?.repermission?.status !== 'sent') continue;
              await tx.updateSubjectProfile(
                id,
                {
                  ...current.profile,
                  contact: {
                    ...contact,
                    repermission: { ...contact.repermission, status: 'expired', expiredAt: at },
                  },
                },
                at,
              );
              audit.push({
                actor: 'system',
                action: 'repermission.expired',
                subjectRef: id,
                details: { purposeIds: contact.repermission.purposeIds },
              });
            }
            await appendAuditEntries(tx, audit, at);
            return audit.length;
          }),
        );
      }
      return report;
    },
  };
}
