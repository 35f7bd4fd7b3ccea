import { appendAuditEntries } from '../audit/audit-chain.js';
import type { AuditDraft } from '../audit/audit-entry.js';
import type { ConsentEvent } from '../consent/consent-event.js';
import type { CoreContext } from '../context.js';
import { journalErasures } from '../erasures/erasure-service.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { integerOption } from '../errors/option-checks.js';
import type { SubjectRecord } from '../store/store-types.js';
import type { RetentionVerdict } from './retention-decision.js';
import { decideRetention } from './retention-decision.js';

export interface RetentionSource {
  name: string;
  /** Removes the app's data about this subject; called before the SDK deletes its own. */
  erase(subjectId: string): Promise<unknown>;
}

export interface RetentionPlan {
  now: Date;
  scanned: number;
  /** Due subjects by governing purpose and action, with a few sample ids. */
  due: Record<string, { action: string; count: number; samples: string[] }>;
  /** Subjects kept under a legal hold, by reason (the plan says why, Art. 17(3)). */
  held: Record<string, number>;
}

export interface SweepReport {
  now: Date;
  scanned: number;
  deleted: number;
  anonymised: number;
  archived: number;
  /** Subjects an app source failed to erase: left for the next sweep. */
  failed: number;
  batches: number;
}

export interface RetentionService {
  registerSource(source: RetentionSource): void;
  /** Dry run: what a sweep would do now, and why anything is kept. */
  plan(options?: { now?: Date; samples?: number; batchSize?: number }): Promise<RetentionPlan>;
  /**
   * Applies the policies a page at a time, one short transaction per page with
   * its audit entries. Re-running after a crash continues: each page either
   * happened whole or not at all.
   */
  sweep(options?: {
    now?: Date;
    batchSize?: number;
    /**
     * Pages committed at once, each in its own transaction (default 2): a page's
     * deletions run in the database while the next page is read and decided.
     * 1 makes the sweep strictly sequential.
     */
    concurrency?: number;
    onProgress?: (report: SweepReport) => void;
  }): Promise<SweepReport>;
  /** An in-process schedule; returns its stop function. Cron or a queue can call `sweep` instead. */
  schedule(options: { everyMs: number; onError?: (error: unknown) => void }): () => void;
}

function auditAction(action: Extract<RetentionVerdict, { due: true }>['action']) {
  return action === 'archive' ? 'archived' : action === 'anonymise' ? 'anonymised' : 'deleted';
}

/**
 * The subjects of one audit entry, grouped by the purpose whose retention
 * ended and when it did: `{ purposes: { [purposeId]: [[subjectId, endedEpochSeconds], …] } }`.
 * Every subject is named; a page of 5,000 writes half the bytes a list of
 * `[id, purpose, ISO date]` triples took, which was 6% of a million-row sweep.
 */
export function retentionAuditDetails(
  members: readonly { subject: SubjectRecord; v: { purposeId: string; since: Date } }[],
): { purposes: Record<string, [string, number][]> } {
  const purposes: Record<string, [string, number][]> = {};
  for (const { subject, v } of members) {
    const list = purposes[v.purposeId] ?? [];
    purposes[v.purposeId] = list;
    list.push([subject.id, Math.floor(v.since.getTime() / 1000)]);
  }
  return { purposes };
}

interface Due {
  subject: SubjectRecord;
  v: Extract<RetentionVerdict, { due: true }>;
}

interface Page {
  subjects: SubjectRecord[];
  events: Map<string, ConsentEvent[]>;
}

/** A sweep's figures for a log line: counts only. */
function counts(report: SweepReport): Record<string, number> {
  const { scanned, deleted, anonymised, archived, failed, batches } = report;
  return { scanned, deleted, anonymised, archived, failed, batches };
}

/** setInterval's longest delay: a longer one fires after 1 ms, i.e. sweeps without pause. */
const MAX_INTERVAL_MS = 2 ** 31 - 1;

export function createRetentionService(ctx: CoreContext): RetentionService {
  const { store, config } = ctx;
  const sources: RetentionSource[] = [];

  async function readPage(batchSize: number, afterId: string | undefined): Promise<Page> {
    const subjects = await store.listSubjects({
      limit: batchSize,
      ...(afterId ? { afterId } : {}),
    });
    const events = new Map<string, ConsentEvent[]>();
    if (subjects.length === 0) return { subjects, events };
    const lastId = subjects.at(-1)!.id;
    const read = store.listConsentEventsInRange
      ? store.listConsentEventsInRange({ ...(afterId ? { afterId } : {}), lastId })
      : store.listConsentEventsForSubjects(subjects.map((s) => s.id));
    const onPage = new Set(subjects.map((s) => s.id));
    for (const event of await read) {
      // A range read may hold subjects created since the page was listed: not ours.
      if (!onPage.has(event.subjectId)) continue;
      const list = events.get(event.subjectId) ?? [];
      list.push(event);
      events.set(event.subjectId, list);
    }
    return { subjects, events };
  }

  /** Keyset pages; the next one is read while the caller works on the current one. */
  async function* pages(batchSize: number): AsyncGenerator<Page> {
    let next = readPage(batchSize, undefined);
    for (;;) {
      const page = await next;
      if (page.subjects.length === 0) return;
      const more = page.subjects.length === batchSize;
      if (more) {
        next = readPage(batchSize, page.subjects.at(-1)!.id);
        // Awaited on the next turn; this only keeps an early exit from leaving it unhandled.
        next.catch(() => undefined);
      }
      yield page;
      if (!more) return;
    }
  }

  function verdict(subject: SubjectRecord, page: Page, now: Date): RetentionVerdict {
    return decideRetention(
      config.purposes,
      subject,
      page.events.get(subject.id) ?? [],
      now,
      config.retention.unlinkedFor,
    );
  }

  /** One page's changes and their audit entries, in one short transaction. */
  async function commitPage(due: readonly Due[], now: Date): Promise<void> {
    if (due.length === 0) return;
    await store.transaction(async (tx) => {
      // One statement for the page's deletions: short transactions on big tables.
      const removed = due.filter(({ v }) => v.action !== 'archive');
      await tx.deleteSubjects(removed.map(({ subject }) => subject.id));
      await journalErasures(
        ctx,
        tx,
        removed.map(({ subject }) => subject),
        'retention',
        now,
      );
      for (const { subject, v } of due) {
        if (v.action === 'archive') {
          await tx.updateSubjectProfile(subject.id, { ...subject.profile, archivedAt: now }, now);
        }
      }
      // One audit entry per action and page, naming every subject (by id) and the
      // purpose whose retention ended: each action is logged, the log stays compact.
      const drafts: AuditDraft[] = [];
      for (const action of ['deleted', 'anonymised', 'archived'] as const) {
        const members = due.filter(({ v }) => auditAction(v.action) === action);
        if (members.length === 0) continue;
        drafts.push({
          actor: 'system',
          action: `retention.${action}`,
          reason: 'retention period ended',
          details: retentionAuditDetails(members),
        });
      }
      await appendAuditEntries(tx, drafts, now);
    });
  }

  const service: RetentionService = {
    registerSource(source) {
      // A source without erase would fail for everyone, silently keeping every person due.
      if (
        typeof source !== 'object' ||
        source === null ||
        typeof source.name !== 'string' ||
        source.name === '' ||
        typeof source.erase !== 'function'
      ) {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          'A retention source is { name: string, erase(subjectId) }.',
        );
      }
      if (sources.some((s) => s.name === source.name)) {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          `A retention source named "${source.name}" is already registered.`,
        );
      }
      sources.push(source);
    },

    async plan(options = {}) {
      integerOption('batchSize', options.batchSize, 1);
      integerOption('samples', options.samples, 0);
      const now = options.now ?? ctx.now();
      const plan: RetentionPlan = { now, scanned: 0, due: {}, held: {} };
      for await (const page of pages(options.batchSize ?? 500)) {
        for (const subject of page.subjects) {
          plan.scanned += 1;
          const v = verdict(subject, page, now);
          if (v.due) {
            const key = `${v.purposeId}:${v.action}`;
            const entry = plan.due[key] ?? { action: v.action, count: 0, samples: [] };
            plan.due[key] = entry;
            entry.count += 1;
            if (entry.samples.length < (options.samples ?? 5)) entry.samples.push(subject.id);
          } else if (v.reason === 'held') {
            plan.held[v.hold] = (plan.held[v.hold] ?? 0) + 1;
          }
        }
      }
      return plan;
    },

    async sweep(options = {}) {
      // A batch of 0 would scan nothing and report an empty, successful sweep.
      integerOption('batchSize', options.batchSize, 1);
      integerOption('concurrency', options.concurrency, 1);
      const now = options.now ?? ctx.now();
      const report: SweepReport = {
        now,
        scanned: 0,
        deleted: 0,
        anonymised: 0,
        archived: 0,
        failed: 0,
        batches: 0,
      };
      const concurrency = options.concurrency ?? 2;
      const inFlight = new Set<Promise<void>>();
      let failure: { error: unknown } | undefined;
      const settle = (commit: Promise<void>) => {
        const tracked = commit.then(
          () => undefined,
          (error: unknown) => {
            failure ??= { error };
          },
        );
        inFlight.add(tracked);
        void tracked.finally(() => inFlight.delete(tracked));
      };
      for await (const page of pages(options.batchSize ?? 500)) {
        if (failure) break;
        report.scanned += page.subjects.length;
        const due: Due[] = [];
        for (const subject of page.subjects) {
          const v = verdict(subject, page, now);
          if (!v.due) continue;
          // The app's own data first: if that fails, the SDK keeps its record, so
          // the next sweep finds the person again and retries.
          let ok = true;
          if (v.action !== 'archive') {
            for (const source of sources) {
              try {
                await source.erase(subject.id);
              } catch {
                ok = false;
              }
            }
          }
          if (ok) due.push({ subject, v });
          else report.failed += 1;
        }
        settle(
          commitPage(due, now).then(() => {
            for (const { v } of due) {
              if (v.action === 'archive') report.archived += 1;
              else if (v.action === 'anonymise') report.anonymised += 1;
              else report.deleted += 1;
            }
            report.batches += 1;
            options.onProgress?.({ ...report });
          }),
        );
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      if (failure) {
        ctx.logger.error({ err: failure.error, ...counts(report) }, 'retention sweep failed');
        throw failure.error;
      }
      ctx.logger.info(counts(report), 'retention sweep done');
      return report;
    },

    schedule({ everyMs, onError }) {
      integerOption('everyMs', everyMs ?? Number.NaN, 1, MAX_INTERVAL_MS);
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        service
          .sweep()
          .catch((error: unknown) => onError?.(error))
          .finally(() => {
            running = false;
          });
      }, everyMs);
      timer.unref?.();
      return () => clearInterval(timer);
    },
  };
  return service;
}
