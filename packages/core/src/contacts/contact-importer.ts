import { randomUUID } from 'node:crypto';
import { appendAuditEntries } from '../audit/audit-chain.js';
import type { AuditDraft } from '../audit/audit-entry.js';
import type { LawfulBasis } from '../config/config-schema.js';
import { LAWFUL_BASES } from '../config/config-schema.js';
import type { ConsentEventDraft } from '../consent/append-events.js';
import {
  appendConsentEvents,
  chainConsentEvents,
  emitConsentChanged,
} from '../consent/append-events.js';
import type { ConsentEvent } from '../consent/consent-event.js';
import { deriveConsentState } from '../consent/ledger.js';
import type { CoreContext } from '../context.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { integerOption, oneOfOption } from '../errors/option-checks.js';
import type {
  ContactFacts,
  ImportBatchWrite,
  StoreOperations,
  SubjectProfile,
  SubjectRecord,
} from '../store/store-types.js';
import { withConflictRetry } from '../store/with-conflict-retry.js';
import { normalizeEmail } from '../subjects/normalize-email.js';
import type { TextChunks } from './csv-stream.js';
import { assertAsyncSource, csvRows, jsonLines } from './csv-stream.js';
import type {
  ContactImportReport,
  ImportProgress,
  ImportRejectReason,
  ImportSample,
} from './import-report.js';
import { emptyReport } from './import-report.js';
import type { LanguageMatch } from './language.js';
import { normalizeLanguage } from './language.js';
import { writesImportBatches } from './writes-import-batches.js';

export interface ContactImportColumns {
  /** Default `email`. Header names match case-insensitively. */
  email?: string;
  /** The column holding the language, free text (default `language`). */
  language?: string;
  /** When the person consented (ISO date, or DD/MM/YYYY); default `consent_date`. */
  consentDate?: string;
  /** A proof reference (form id, paper number); default `consent_proof`. */
  consentProof?: string;
}

export interface ContactImportOptions {
  /** The legacy list: kept as a segment of each contact (SEED-01). */
  list: string;
  /** Where these contacts came from, e.g. "Salon X 2018"; kept per contact, several allowed. */
  source: string;
  /** The lawful basis declared for this import: at least one configured purpose must rest on it. */
  basis: LawfulBasis;
  /** Purposes the import is for (each must rest on `basis`); default: every purpose on `basis`. */
  purposes?: readonly string[];
  /** Default `csv` (RFC 4180, with a header row). */
  format?: 'csv' | 'jsonl';
  /**
   * The unique key: `email` (default) or the name of a column, such as a
   * customer number, kept as `profile.contact.attributes[key]`.
   */
  key?: string;
  columns?: ContactImportColumns;
  /** ISO 639-1 given to contacts whose row has no (or an unknown) language. */
  defaultLanguage?: string;
  /** CSV only; default `,`. */
  delimiter?: string;
  /**
   * Rows per transaction: default 5,000 on a store that writes batches
   * set-based (the SQL stores), 500 on the others.
   */
  batchSize?: number;
  /** How many examples each part of the report keeps (default 10). */
  sampleSize?: number;
  /** Recorded in the audit log and in the consent proof (default `import`). */
  actor?: string;
  /** Called after each committed batch. */
  onProgress?: (progress: ImportProgress) => void;
}

export interface ContactService {
  /**
   * Streams a CSV or JSON-lines file into the contact base: one contact per
   * key, lists kept as segments, every source kept, languages mapped to ISO
   * 639-1, suppressed and invalid addresses refused, contacts without proof
   * of consent flagged for re-permission. Idempotent: a re-run changes nothing.
   */
  import(source: TextChunks, options: ContactImportOptions): Promise<ContactImportReport>;
}

interface ParsedRow {
  line: number;
  key: string;
  email?: string;
  /** Keyed hashes of `email`, computed once per row (the context's cache holds fewer than a batch). */
  subjectHash?: string;
  suppressionHash?: string;
  keyValue?: string;
  language: LanguageMatch;
  consentAt?: Date;
  proof?: string;
  badConsentDate?: boolean;
  reject?: ImportRejectReason;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const ROW_BATCH = 500;

const SET_BASED_BATCH = 5_000;

const CONSENTABLE = new Set<LawfulBasis>(['consent', 'soft-opt-in', 'legitimate-interest']);

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/**
 * A CSV whose header has no address column (`E-mail` where `email` is
 * expected, or no header row at all) would import nothing and report every
 * row as `invalid-email`: refused at the first row instead, before anything is
 * written. The header's names are not echoed: without a header row they are
 * the first person's data.
 */
async function* withEmailColumn<R extends { row: Record<string, string> }>(
  rows: AsyncIterable<R>,
  column: string,
): AsyncGenerator<R> {
  let checked = false;
  for await (const item of rows) {
    if (!checked) {
      checked = true;
      const wanted = column.trim().toLowerCase();
      if (!Object.keys(item.row).some((name) => name.trim().toLowerCase() === wanted)) {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          `The file's header row has no "${column.slice(0, 100)}" column: name the address column with columns.email (or --email-column).`,
        );
      }
    }
    yield item;
  }
}

/** Reads a column whatever the case and spacing of its header. */
function picker(row: Record<string, unknown>): (name: string) => string {
  let lower: Map<string, unknown> | undefined;
  return (name) => {
    if (name in row) return cell(row[name]);
    lower ??= new Map(Object.entries(row).map(([k, v]) => [k.trim().toLowerCase(), v]));
    return cell(lower.get(name.toLowerCase()));
  };
}

const IMPORT_FORMATS = ['csv', 'jsonl'] as const;

const DMY = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;
const YMD = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Whether the month has that day: `Date.UTC` rolls 2025-02-30 over to 2 March. */
function isCalendarDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** ISO dates and DD/MM/YYYY; undefined when unreadable or in the future. */
export function parseConsentDate(text: string, now: Date): Date | undefined {
  let date: Date | undefined;
  const dmy = DMY.exec(text);
  if (dmy) {
    const [day, month, year] = [Number(dmy[1]), Number(dmy[2]), Number(dmy[3])];
    if (!isCalendarDay(year, month, day)) return undefined;
    date = new Date(Date.UTC(year, month - 1, day));
  } else if (YMD.test(text)) {
    const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
    if (!isCalendarDay(year, month, day)) return undefined;
    date = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
  }
  if (!date || Number.isNaN(date.getTime()) || date > now) return undefined;
  return date;
}

function pushSample<T>(list: T[], sample: T, max: number) {
  if (list.length < max) list.push(sample);
}

function copyContact(profile: SubjectProfile): ContactFacts {
  const contact = profile.contact;
  return contact
    ? {
        ...contact,
        segments: [...contact.segments],
        sources: contact.sources.map((s) => ({ ...s })),
        ...(contact.attributes ? { attributes: { ...contact.attributes } } : {}),
        ...(contact.conflicts ? { conflicts: contact.conflicts.map((c) => ({ ...c })) } : {}),
        ...(contact.repermission
          ? {
              repermission: {
                ...contact.repermission,
                purposeIds: [...contact.repermission.purposeIds],
              },
            }
          : {}),
      }
    : { segments: [], sources: [] };
}

/** A subject being changed by the batch, written once at its end. */
interface Working {
  subject: SubjectRecord;
  profile: SubjectProfile;
  isNew: boolean;
  changed: boolean;
  ledger: ConsentEvent[];
  drafts: ConsentEventDraft[];
  granted: boolean;
  flagged: number;
}

export function resolveImportPurposes(
  ctx: CoreContext,
  basis: LawfulBasis,
  purposes: readonly string[] | undefined,
): string[] {
  if (!LAWFUL_BASES.includes(basis)) {
    throw new GdprMailError('VALIDATION_FAILED', `Unknown lawful basis "${String(basis)}".`, {
      details: { allowed: LAWFUL_BASES },
    });
  }
  if (purposes && purposes.length > 0) {
    for (const id of purposes) {
      const purpose = ctx.purpose(id);
      if (purpose.lawfulBasis !== basis) {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          `Purpose "${id}" rests on ${purpose.lawfulBasis}, not on the ${basis} declared for this import.`,
          { details: { purposeId: id, basis } },
        );
      }
    }
    return [...new Set(purposes)];
  }
  const matching = ctx.config.purposes.filter((p) => p.lawfulBasis === basis).map((p) => p.id);
  if (matching.length === 0) {
    throw new GdprMailError(
      'VALIDATION_FAILED',
      `No configured purpose rests on ${basis}: declare the basis of a purpose this import is for.`,
      {
        details: {
          basis,
          bases: [...new Set(ctx.config.purposes.map((p) => p.lawfulBasis))],
        },
      },
    );
  }
  return matching;
}

export function createContactService(ctx: CoreContext): ContactService {
  return {
    async import(source, options) {
      assertAsyncSource(source);
      if (typeof options !== 'object' || options === null) {
        throw new GdprMailError(
          'VALIDATION_FAILED',
          'An import needs its options: { list, source, basis }.',
        );
      }
      const list = typeof options.list === 'string' ? options.list.trim() : '';
      const label = typeof options.source === 'string' ? options.source.trim() : '';
      if (!list || !label) {
        throw new GdprMailError('VALIDATION_FAILED', 'An import needs a list name and a source.');
      }
      // A misspelt format read as CSV would take the first JSON line for a header.
      oneOfOption('format', options.format, IMPORT_FORMATS, 'csv');
      // Text options given as something else would fail later as an untyped TypeError.
      const texts: Array<[string, unknown]> = [
        ['key', options.key],
        ['defaultLanguage', options.defaultLanguage],
        ['delimiter', options.delimiter],
        ['actor', options.actor],
        ...Object.entries(options.columns ?? {}).map(([name, value]): [string, unknown] => [
          `columns.${name}`,
          value,
        ]),
      ];
      for (const [name, value] of texts) {
        if (value !== undefined && typeof value !== 'string') {
          throw new GdprMailError('VALIDATION_FAILED', `${name} must be text.`);
        }
      }
      if (options.purposes !== undefined && !Array.isArray(options.purposes)) {
        throw new GdprMailError('VALIDATION_FAILED', 'purposes must be a list of purpose ids.');
      }
      integerOption('sampleSize', options.sampleSize, 0);
      const purposeIds = resolveImportPurposes(ctx, options.basis, options.purposes);
      const consentable = CONSENTABLE.has(options.basis);
      const keyField = options.key?.trim() || 'email';
      const customKey = keyField.toLowerCase() !== 'email';
      const columns = {
        email: options.columns?.email ?? 'email',
        language: options.columns?.language ?? 'language',
        consentDate: options.columns?.consentDate ?? 'consent_date',
        consentProof: options.columns?.consentProof ?? 'consent_proof',
      };
      let defaultLanguage: string | undefined;
      if (options.defaultLanguage !== undefined) {
        const match = normalizeLanguage(options.defaultLanguage);
        if (match.status !== 'mapped') {
          throw new GdprMailError(
            'VALIDATION_FAILED',
            `The default language "${options.defaultLanguage}" is not an ISO 639-1 code or a known language name.`,
          );
        }
        defaultLanguage = match.code;
      }
      integerOption('batchSize', options.batchSize, 1);
      // A store that writes a batch in a few set-based statements gains from
      // larger batches; row by row, 500 keeps each transaction short.
      const setBased = await writesImportBatches(ctx.store);
      const batchSize = options.batchSize ?? (setBased ? SET_BASED_BATCH : ROW_BATCH);
      const sampleSize = options.sampleSize ?? 10;
      const actor = options.actor ?? 'import';
      const report = emptyReport(list, label, options.basis, purposeIds);

      const rows =
        options.format === 'jsonl'
          ? jsonLines(source)
          : withEmailColumn(
              csvRows(source, options.delimiter ? { delimiter: options.delimiter } : {}),
              columns.email,
            );

      const parse = (line: number, row: Record<string, unknown> | undefined): ParsedRow => {
        if (!row) {
          return { line, key: '', language: { status: 'empty' }, reject: 'unreadable' };
        }
        const get = picker(row);
        const rawEmail = get(columns.email);
        const parsed: ParsedRow = {
          line,
          key: rawEmail,
          language: normalizeLanguage(get(columns.language)),
        };
        try {
          parsed.email = normalizeEmail(rawEmail);
          parsed.key = parsed.email;
          parsed.subjectHash = ctx.subjectHash(parsed.email);
          parsed.suppressionHash = ctx.suppressionHash(parsed.email);
        } catch {
          parsed.reject = 'invalid-email';
        }
        if (customKey) {
          const keyValue = get(keyField);
          parsed.key = keyValue || rawEmail;
          if (!keyValue && !parsed.reject) parsed.reject = 'missing-key';
          else parsed.keyValue = keyValue;
        }
        const dateText = get(columns.consentDate);
        const proof = get(columns.consentProof);
        if (dateText) {
          const at = parseConsentDate(dateText, ctx.now());
          if (at) parsed.consentAt = at;
          else parsed.badConsentDate = true;
        }
        if (proof) parsed.proof = proof;
        return parsed;
      };

      // After a batch that changed nothing, the next one first takes a dry pass on
      // committed state: a re-run opens (almost) no transaction at all, and a
      // first run does not pay for the dry passes.
      let expectChanges = false;
      const runBatch = async (batch: ParsedRow[]) => {
        const local = emptyReport(list, label, options.basis, purposeIds);
        if (expectChanges || (await importBatch(ctx.store, batch, local, true))) {
          // Another writer moved first (created one of these addresses,
          // appended to a ledger): the batch is read and decided again. A short
          // random pause before each retry keeps two importers of the same
          // people from colliding in step.
          let attempt = 0;
          expectChanges = await withConflictRetry(async () => {
            if (attempt++ > 0) await pause(Math.random() * 25 * attempt);
            return ctx.store.transaction(async (tx) => {
              Object.assign(local, emptyReport(list, label, options.basis, purposeIds));
              return importBatch(tx, batch, local, false);
            });
          });
        }
        mergeInto(report, local, sampleSize);
        options.onProgress?.({
          rows: report.rows,
          created: report.created,
          merged: report.merged,
          unchanged: report.unchanged,
          rejected: report.rejected,
        });
      };

      const importBatch = async (
        tx: StoreOperations,
        batch: ParsedRow[],
        local: ContactImportReport,
        dryRun: boolean,
      ): Promise<boolean> => {
        const at = ctx.now();
        const reject = (row: ParsedRow, reason: ImportRejectReason) => {
          local.rejected += 1;
          local.rejects[reason] += 1;
          pushSample(local.samples.rejects, { line: row.line, key: row.key, reason }, sampleSize);
        };
        local.rows += batch.length;
        const valid = batch.filter((row) => {
          if (row.reject) reject(row, row.reject);
          return !row.reject;
        });
        const suppressed = new Set(
          (await tx.getSuppressions([...new Set(valid.map((r) => r.suppressionHash!))])).map(
            (s) => s.hash,
          ),
        );
        const accepted = valid.filter((row) => {
          if (suppressed.has(row.suppressionHash!)) {
            reject(row, 'suppressed');
            return false;
          }
          return true;
        });

        const byHash = new Map<string, SubjectRecord>();
        for (const s of await tx.findSubjectsByEmailHashes(accepted.map((r) => r.subjectHash!))) {
          byHash.set(s.emailHash, s);
        }
        const byKey = new Map<string, SubjectRecord>();
        if (customKey) {
          const values = [...new Set(accepted.map((r) => r.keyValue!))];
          for (const s of await tx.findSubjectsByAttribute(keyField, values)) {
            const value = s.profile.contact?.attributes?.[keyField];
            if (value !== undefined) byKey.set(value, s);
          }
        }
        const known = [...new Set([...byHash.values(), ...byKey.values()].map((s) => s.id))];
        const ledgers = new Map<string, ConsentEvent[]>();
        for (const event of await tx.listConsentEventsForSubjects(known)) {
          const ledger = ledgers.get(event.subjectId) ?? [];
          ledger.push(event);
          ledgers.set(event.subjectId, ledger);
        }

        const working = new Map<string, Working>();
        const workOn = (subject: SubjectRecord, isNew: boolean): Working => {
          let w = working.get(subject.id);
          if (!w) {
            w = {
              subject,
              profile: { ...subject.profile, contact: copyContact(subject.profile) },
              isNew,
              changed: false,
              ledger: ledgers.get(subject.id) ?? [],
              drafts: [],
              granted: false,
              flagged: 0,
            };
            working.set(subject.id, w);
          }
          return w;
        };

        for (const row of accepted) {
          const email = row.email!;
          const hash = row.subjectHash!;
          let subject = customKey ? byKey.get(row.keyValue!) : undefined;
          subject ??= byHash.get(hash);
          let created = false;
          if (!subject) {
            subject = {
              id: randomUUID(),
              emailHash: hash,
              email,
              createdAt: at,
              updatedAt: at,
              profile: {},
            };
            created = true;
          }
          const w = workOn(subject, created);
          if (!byHash.has(hash) && subject.emailHash === hash) byHash.set(hash, subject);
          const changes = applyRow(w, row, at, local);
          if (customKey && w.profile.contact?.attributes?.[keyField] === row.keyValue) {
            byKey.set(row.keyValue!, subject);
          }
          if (created) local.created += 1;
          else if (changes) {
            local.merged += 1;
            pushSample(local.samples.merges, { line: row.line, key: row.key }, sampleSize);
          } else local.unchanged += 1;
        }

        const dirty = [...working.values()].filter((w) => w.changed || w.drafts.length > 0);
        if (dryRun || dirty.length === 0) return dirty.length > 0;
        if (tx.writeImportBatch) {
          await writeSetBased(tx, tx.writeImportBatch.bind(tx), dirty, at);
          return true;
        }
        const audit: AuditDraft[] = [];
        for (const w of dirty) {
          const id = w.subject.id;
          if (w.isNew) {
            const stored = await tx.createSubject({ ...w.subject, profile: w.profile });
            // Another writer created this address meanwhile: writing our profile
            // over its record would drop what it brought (its list, its source).
            // Decide the batch again on its record instead.
            if (stored.id !== id) {
              throw new GdprMailError('STORE_CONFLICT', 'A contact was created meanwhile; retry.', {
                retryable: true,
              });
            }
          } else if (w.changed) {
            await tx.updateSubjectProfile(id, w.profile, at);
          }
          const events = await appendConsentEvents(tx, id, w.drafts, at);
          audit.push(
            auditDraft(
              w,
              id,
              events.map((e) => e.seq),
            ),
          );
        }
        await appendAuditEntries(tx, audit, at);
        return true;
      };

      const auditDraft = (w: Working, id: string, eventSeqs: number[]): AuditDraft => ({
        actor,
        action: 'contact.imported',
        subjectRef: id,
        details: {
          list,
          source: label,
          basis: options.basis,
          created: w.isNew,
          ...(eventSeqs.length > 0 ? { consentRecorded: purposeIds, eventSeqs } : {}),
          ...(w.flagged !== 0 ? { repermission: w.flagged > 0 ? 'flagged' : 'cleared' } : {}),
        },
      });

      /**
       * The same writes as the row-at-a-time path, handed to the store in one
       * call (issue #22): new subjects, changed profiles and ledger events,
       * then one audit run. The events continue the ledgers read for this batch.
       */
      const writeSetBased = async (
        tx: StoreOperations,
        write: (batch: ImportBatchWrite) => Promise<void>,
        dirty: Working[],
        at: Date,
      ) => {
        const batch: ImportBatchWrite = { at, created: [], updated: [], events: [] };
        const audit: AuditDraft[] = [];
        for (const w of dirty) {
          const id = w.subject.id;
          if (w.isNew) batch.created.push({ ...w.subject, profile: w.profile });
          else if (w.changed) batch.updated.push({ id, profile: w.profile });
          const events = chainConsentEvents(id, w.ledger.at(-1), w.drafts, at);
          if (events.length > 0) {
            const last = w.ledger.at(-1);
            batch.events.push({
              subjectId: id,
              expectedHead: last && { seq: last.seq, hash: last.hash },
              events,
            });
          }
          audit.push(
            auditDraft(
              w,
              id,
              events.map((e) => e.seq),
            ),
          );
        }
        await write(batch);
        for (const run of batch.events) emitConsentChanged(tx, run.events);
        await appendAuditEntries(tx, audit, at);
      };

      /** Merges one row into the contact; true when it changed anything. */
      const applyRow = (
        w: Working,
        row: ParsedRow,
        at: Date,
        local: ContactImportReport,
      ): boolean => {
        const contact = w.profile.contact!;
        let changed = false;
        const where = `${list} / ${label}`;
        const conflict = (field: string, kept: string, other: string) => {
          contact.conflicts ??= [];
          if (
            contact.conflicts.some((c) => c.field === field && c.kept === kept && c.other === other)
          )
            return;
          contact.conflicts.push({ field, kept, other, source: where });
          local.conflicts += 1;
          pushSample(
            local.samples.conflicts,
            { line: row.line, key: row.key, field, kept, other },
            sampleSize,
          );
          changed = true;
        };

        if (!contact.segments.includes(list)) {
          contact.segments.push(list);
          changed = true;
        }
        const hasProof = row.consentAt !== undefined || row.proof !== undefined;
        const existing = contact.sources.find((s) => s.label === label && s.list === list);
        if (!existing) {
          contact.sources.push({
            label,
            list,
            basis: options.basis,
            importedAt: at,
            ...(row.consentAt ? { consentAt: row.consentAt } : {}),
            ...(row.proof ? { proof: row.proof } : {}),
          });
          changed = true;
        } else {
          if (row.consentAt && !existing.consentAt) {
            existing.consentAt = row.consentAt;
            changed = true;
          }
          if (row.proof && !existing.proof) {
            existing.proof = row.proof;
            changed = true;
          }
        }
        if (customKey) {
          contact.attributes ??= {};
          const current = contact.attributes[keyField];
          if (current === undefined) {
            contact.attributes[keyField] = row.keyValue!;
            changed = true;
          } else if (current !== row.keyValue) conflict(keyField, current, row.keyValue!);
          if (w.subject.email !== row.email) conflict('email', w.subject.email, row.email!);
        }

        const language = row.language;
        if (language.status === 'mapped') local.languages.mapped += 1;
        else if (language.status === 'unknown') {
          local.languages.unknown += 1;
          pushSample(
            local.samples.unknownLanguages,
            { line: row.line, key: row.key, detail: language.value },
            sampleSize,
          );
        } else local.languages.missing += 1;
        if (language.status === 'mapped') {
          if (w.profile.language === undefined) {
            w.profile.language = language.code;
            changed = true;
          } else if (w.profile.language !== language.code) {
            conflict('language', w.profile.language, language.code);
          }
        } else if (defaultLanguage && w.profile.language === undefined) {
          w.profile.language = defaultLanguage;
          local.languages.defaulted += 1;
          changed = true;
        }

        if (consentable) {
          const status = (id: string) =>
            w.drafts.some((d) => d.purposeId === id)
              ? 'granted'
              : deriveConsentState(w.ledger, id).status;
          const refused = (s: string) => s === 'withdrawn' || s === 'objected';
          if (hasProof) {
            for (const purposeId of purposeIds) {
              const current = status(purposeId);
              if (current === 'granted') continue;
              if (refused(current)) {
                conflict(`consent:${purposeId}`, current, 'granted (imported)');
                continue;
              }
              w.drafts.push({
                type: 'granted',
                purposeId,
                proof: {
                  source: label,
                  method: 'import',
                  actor,
                  reason: [
                    `imported from list "${list}"`,
                    row.consentAt
                      ? `consent given ${row.consentAt.toISOString().slice(0, 10)}`
                      : '',
                    // The reference itself is kept sealed on the contact's source
                    // (`contact.sources[].proof`): a ledger reason is stored in the clear.
                    row.proof ? 'proof reference on the contact source' : '',
                  ]
                    .filter(Boolean)
                    .join('; '),
                },
              });
              if (!w.granted) {
                w.granted = true;
                local.consentRecorded += 1;
              }
              changed = true;
            }
            const rep = contact.repermission;
            if (rep?.status === 'flagged') {
              rep.purposeIds = rep.purposeIds.filter((id) => status(id) !== 'granted');
              if (rep.purposeIds.length === 0) {
                delete contact.repermission;
                local.flagged -= 1;
                w.flagged -= 1;
              }
              changed = true;
            }
          } else {
            const needed = purposeIds.filter((id) => {
              const current = status(id);
              return current !== 'granted' && !refused(current);
            });
            if (needed.length > 0) {
              const rep = contact.repermission;
              if (!rep) {
                contact.repermission = { status: 'flagged', purposeIds: needed, flaggedAt: at };
                local.flagged += 1;
                w.flagged += 1;
                pushSample(
                  local.samples.flagged,
                  {
                    line: row.line,
                    key: row.key,
                    ...(row.badConsentDate ? { detail: 'unreadable consent date' } : {}),
                  },
                  sampleSize,
                );
                changed = true;
              } else if (rep.status === 'flagged') {
                const added = needed.filter((id) => !rep.purposeIds.includes(id));
                if (added.length > 0) {
                  rep.purposeIds.push(...added);
                  changed = true;
                }
              }
            }
          }
        }
        if (changed) w.changed = true;
        return changed;
      };

      // On a set-based store the next batch is read and parsed while the
      // database writes the previous one (two batches in memory at most); row
      // by row, the importer never runs ahead of the batch it writes.
      const overlap = setBased;
      let writing: Promise<void> | undefined;
      let failed: { error: unknown } | undefined;
      const settle = async () => {
        await writing;
        writing = undefined;
        if (failed) throw failed.error;
      };
      let batch: ParsedRow[] = [];
      try {
        for await (const { line, row } of rows) {
          batch.push(parse(line, row));
          if (batch.length >= batchSize) {
            await settle();
            const full = batch;
            batch = [];
            if (overlap) {
              writing = runBatch(full).catch((error: unknown) => {
                failed = { error };
              });
            } else await runBatch(full);
          }
        }
      } finally {
        // An unreadable source still lets the batch being written finish (or fail) first.
        await writing;
      }
      await settle();
      if (batch.length > 0) await runBatch(batch);
      return report;
    },
  };
}

function mergeInto(total: ContactImportReport, part: ContactImportReport, max: number) {
  total.rows += part.rows;
  total.created += part.created;
  total.merged += part.merged;
  total.unchanged += part.unchanged;
  total.rejected += part.rejected;
  for (const reason of Object.keys(part.rejects) as ImportRejectReason[]) {
    total.rejects[reason] += part.rejects[reason];
  }
  total.flagged += part.flagged;
  total.consentRecorded += part.consentRecorded;
  total.conflicts += part.conflicts;
  total.languages.mapped += part.languages.mapped;
  total.languages.defaulted += part.languages.defaulted;
  total.languages.unknown += part.languages.unknown;
  total.languages.missing += part.languages.missing;
  const take = <T extends ImportSample>(into: T[], from: T[]) => {
    for (const sample of from) pushSample(into, sample, max);
  };
  take(total.samples.merges, part.samples.merges);
  take(total.samples.conflicts, part.samples.conflicts);
  take(total.samples.rejects, part.samples.rejects);
  take(total.samples.flagged, part.samples.flagged);
  take(total.samples.unknownLanguages, part.samples.unknownLanguages);
}
