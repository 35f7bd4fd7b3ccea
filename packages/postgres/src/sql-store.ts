import type {
  AudienceQuery,
  AuditEntry,
  BreachIncident,
  ConsentEvent,
  DeliveryClaim,
  DeliveryRecord,
  DsarRequest,
  GdprStore,
  ImportBatchWrite,
  LedgerHead,
  OutboxItem,
  PendingOptIn,
  StoreOperations,
  SubjectRecord,
  SuppressionEntry,
  SuppressionReason,
} from '@gdpr-mail/core';
import { checkSegmentChange, DSAR_STATUSES, GdprMailError } from '@gdpr-mail/core';
import { isDatabaseError, toStoreError } from './database-errors.js';
import { writeImportBatch } from './import-batch.js';
import { decodeJson, encodeJson, toDate, toInt, toOptionalText, toText } from './row-values.js';
import { quoteSchema } from './schema-name.js';
import { compileSegment } from './segment-sql.js';
import type { SqlDatabase, SqlExecutor, SqlQueryOptions, SqlRow } from './sql-database.js';

const SUBJECT_COLUMNS = 'id, email_hash, email, created_at, updated_at, profile, data_key';
const EVENT_COLUMNS = 'subject_id, seq, id, type, purpose_id, at, proof, prev_hash, hash';
const SUPPRESSION_COLUMNS = 'hash, reason, at, source';
/** The statements every send runs: fixed texts, kept prepared where the database can. */
const PREPARED: SqlQueryOptions = { prepare: true };

function subjectFrom(row: SqlRow): SubjectRecord {
  return {
    id: toText(row.id),
    emailHash: toText(row.email_hash),
    email: toText(row.email),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    profile: decodeJson(row.profile),
    ...(row.data_key === null || row.data_key === undefined
      ? {}
      : { dataKey: toText(row.data_key) }),
  };
}

function eventFrom(row: SqlRow): ConsentEvent {
  return {
    id: toText(row.id),
    subjectId: toText(row.subject_id),
    seq: toInt(row.seq),
    type: toText(row.type) as ConsentEvent['type'],
    purposeId: toText(row.purpose_id),
    at: toDate(row.at),
    proof: decodeJson(row.proof),
    prevHash: toOptionalText(row.prev_hash) ?? null,
    hash: toText(row.hash),
  };
}

function pendingFrom(row: SqlRow): PendingOptIn {
  return {
    id: toText(row.id),
    subjectId: toText(row.subject_id),
    purposeIds: decodeJson<string[]>(row.purpose_ids),
    requestedAt: toDate(row.requested_at),
    expiresAt: toDate(row.expires_at),
  };
}

function suppressionFrom(row: SqlRow): SuppressionEntry {
  return {
    hash: toText(row.hash),
    reason: toText(row.reason) as SuppressionReason,
    at: toDate(row.at),
    source: toText(row.source),
  };
}

function auditFrom(row: SqlRow): AuditEntry {
  const subjectRef = toOptionalText(row.subject_ref);
  const reason = toOptionalText(row.reason);
  return {
    seq: toInt(row.seq),
    at: toDate(row.at),
    actor: toText(row.actor),
    action: toText(row.action),
    ...(subjectRef === undefined ? {} : { subjectRef }),
    ...(reason === undefined ? {} : { reason }),
    details: decodeJson(row.details),
    prevHash: toOptionalText(row.prev_hash) ?? null,
    hash: toText(row.hash),
  };
}

/** Driver errors become typed ones at the boundary of every statement. */
function guarded(db: SqlExecutor): SqlExecutor {
  return {
    async query(sql, params, options) {
      try {
        return await db.query(sql, params, options);
      } catch (error) {
        throw toStoreError(error);
      }
    },
    async exec(sql) {
      try {
        await db.exec(sql);
      } catch (error) {
        throw toStoreError(error);
      }
    },
  };
}

const DELIVERY_COLUMNS =
  'idempotency_key, message_id, subject_id, purpose_id, campaign_id, transport, status, reason, retryable, provider_message_id, attempts, created_at, updated_at';

function deliveryValues(d: DeliveryRecord): unknown[] {
  return [
    d.idempotencyKey,
    d.messageId,
    d.subjectId ?? null,
    d.purposeId,
    d.campaignId ?? null,
    d.transport,
    d.status,
    d.reason ?? null,
    d.retryable,
    d.providerMessageId ?? null,
    d.attempts,
    d.createdAt,
    d.updatedAt,
  ];
}

const OUTBOX_COLUMNS =
  'id, kind, payload, created_at, available_at, attempts, last_error, lease_owner, lease_until';

function outboxFrom(row: SqlRow): OutboxItem {
  const lastError = toOptionalText(row.last_error);
  const leaseOwner = toOptionalText(row.lease_owner);
  return {
    id: toText(row.id),
    kind: toText(row.kind),
    payload: toText(row.payload),
    createdAt: toDate(row.created_at),
    availableAt: toDate(row.available_at),
    attempts: toInt(row.attempts),
    ...(lastError === undefined ? {} : { lastError }),
    ...(leaseOwner === undefined ? {} : { leaseOwner }),
    ...(row.lease_until === null || row.lease_until === undefined
      ? {}
      : { leaseUntil: toDate(row.lease_until) }),
  };
}

function deliveryFrom(row: SqlRow): DeliveryRecord {
  const subjectId = toOptionalText(row.subject_id);
  const campaignId = toOptionalText(row.campaign_id);
  const reason = toOptionalText(row.reason);
  const providerMessageId = toOptionalText(row.provider_message_id);
  return {
    idempotencyKey: toText(row.idempotency_key),
    messageId: toText(row.message_id),
    ...(subjectId === undefined ? {} : { subjectId }),
    purposeId: toText(row.purpose_id),
    ...(campaignId === undefined ? {} : { campaignId }),
    transport: toText(row.transport),
    status: toText(row.status) as DeliveryRecord['status'],
    ...(reason === undefined ? {} : { reason }),
    retryable: row.retryable === true,
    ...(providerMessageId === undefined ? {} : { providerMessageId }),
    attempts: toInt(row.attempts),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/**
 * The operations on one executor. `inTransaction` turns ledger and audit head
 * reads into row locks (SELECT … FOR UPDATE) held until commit: transactions
 * on the same subject, and audit appends, run one after the other instead of
 * failing on each other.
 */
function createOperations(
  raw: SqlExecutor,
  s: string,
  inTransaction: boolean,
  transactionOf: <T>(work: (tx: SqlExecutor) => Promise<T>) => Promise<T>,
): StoreOperations {
  const db = guarded(raw);
  /** Reads of subjects a transaction will write back: locked until its commit. */
  const rowLock = inTransaction ? ' ORDER BY id FOR NO KEY UPDATE' : '';

  async function lockSubject(subjectId: string): Promise<boolean> {
    const rows = await db.query(`SELECT id FROM ${s}.subjects WHERE id = $1 FOR UPDATE`, [
      subjectId,
    ]);
    return rows.length > 0;
  }

  /** Appends a run of entries continuing the head: one compare-and-set, one insert. */
  async function appendAuditRun(entries: readonly AuditEntry[]): Promise<void> {
    const first = entries[0];
    const last = entries.at(-1);
    if (!first || !last) return;
    // The head compare-and-set, once for the whole run of entries: that they
    // continue each other is checked by core before the call (integrity-checks.ts).
    const moved = await db.query(
      `UPDATE ${s}.audit_head SET seq = $1, hash = $2
       WHERE id = 1 AND seq = $3 AND hash IS NOT DISTINCT FROM $4 RETURNING seq`,
      [last.seq, last.hash, first.seq - 1, first.prevHash],
      PREPARED,
    );
    if (moved.length === 0) {
      throw new GdprMailError('STORE_CONFLICT', 'The audit log moved; retry.', {
        retryable: true,
      });
    }
    await db.query(
      `INSERT INTO ${s}.audit_log (seq, at, actor, action, subject_ref, reason, details, prev_hash, hash)
       SELECT seq, at, actor, action, subject_ref, reason, details::jsonb, prev_hash, hash
       FROM unnest($1::integer[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
         $7::text[], $8::text[], $9::text[])
         AS u(seq, at, actor, action, subject_ref, reason, details, prev_hash, hash)`,
      [
        entries.map((e) => e.seq),
        entries.map((e) => e.at),
        entries.map((e) => e.actor),
        entries.map((e) => e.action),
        entries.map((e) => e.subjectRef ?? null),
        entries.map((e) => e.reason ?? null),
        entries.map((e) => JSON.stringify(e.details)),
        entries.map((e) => e.prevHash),
        entries.map((e) => e.hash),
      ],
      PREPARED,
    );
  }

  /**
   * Optimistic concurrency for document rows (breaches, DSAR requests): insert
   * only if absent (expectedVersion 0), replace only the expected version.
   * The last column given is the jsonb document.
   */
  async function putVersioned(
    table: string,
    label: string,
    version: number,
    expectedVersion: number,
    columns: Record<string, unknown>,
  ): Promise<void> {
    const conflict = () =>
      new GdprMailError('STORE_CONFLICT', `${label} changed meanwhile; reload it.`, {
        retryable: true,
      });
    if (version !== expectedVersion + 1) throw conflict();
    const names = Object.keys(columns);
    const values = [...Object.values(columns), version, expectedVersion];
    const v = names.length + 1;
    const cast = (i: number) => (i === names.length - 1 ? `$${i + 1}::jsonb` : `$${i + 1}`);
    const rows =
      expectedVersion === 0
        ? await db.query(
            `INSERT INTO ${s}.${table} (${names.join(', ')}, version)
             SELECT ${names.map((_, i) => cast(i)).join(', ')}, $${v} WHERE $${v + 1}::integer = 0
             ON CONFLICT (id) DO NOTHING RETURNING id`,
            values,
          )
        : await db.query(
            `UPDATE ${s}.${table} SET ${names.map((n, i) => `${n} = ${cast(i)}`).join(', ')}, version = $${v}
             WHERE id = $1 AND version = $${v + 1} RETURNING id`,
            values,
          );
    if (rows.length === 0) throw conflict();
  }

  async function readHead(subjectId: string): Promise<LedgerHead | undefined> {
    const [row] = await db.query(
      `SELECT seq, hash FROM ${s}.consent_events WHERE subject_id = $1 ORDER BY seq DESC LIMIT 1`,
      [subjectId],
    );
    return row && { seq: toInt(row.seq), hash: toText(row.hash) };
  }

  /**
   * One keyset page of audience candidates, optionally of a segment.
   *
   * With consent required, the inner query walks the partial status index in
   * (subject, seq desc) order: the first entry of each subject is its latest
   * status-changing event, read sequentially (DISTINCT ON over an index, no
   * sort, no per-subject probe), and stops after `limit` candidates. Their
   * rows are then fetched by primary key as one array (`= ANY`): a plain join
   * lets the planner hash-join against a full scan of subjects on every page.
   * A segment (issue #22) is compiled to one parameterised condition over the
   * columns migration 9 derives from the clear profile, joined to the walk by
   * primary key, so nothing sealed is read to select.
   */
  async function audiencePage(query: AudienceQuery): Promise<SubjectRecord[]> {
    const params: unknown[] = [query.afterSubjectId ?? '', query.limit];
    if (query.consentRequired) params.push(query.purposeId);
    // A chunk's upper bound: the page stops at the end of its range.
    let until = '';
    if (query.untilSubjectId !== undefined) {
      params.push(query.untilSubjectId);
      until = ` AND ${query.consentRequired ? 'e.subject_id' : 't.id'} <= $${params.length}`;
    }
    const where =
      query.segment &&
      compileSegment(
        query.segment,
        {
          schema: s,
          alias: 't',
          purposeId: query.purposeId,
          ...(query.consentRequired ? { purposeParam: '$3' } : {}),
        },
        params,
      );
    if (!query.consentRequired) {
      const sql = `SELECT ${SUBJECT_COLUMNS} FROM ${s}.subjects t
         WHERE t.id > $1${until}${where ? ` AND ${where}` : ''} ORDER BY t.id LIMIT $2`;
      const rows = where
        ? await withoutJit((executor) => executor.query(sql, params))
        : await db.query(sql, params);
      return rows.map(subjectFrom);
    }
    const sql = `SELECT ${SUBJECT_COLUMNS} FROM ${s}.subjects
       WHERE id = ANY (ARRAY(
         SELECT latest.subject_id FROM (
           SELECT DISTINCT ON (e.subject_id) e.subject_id, e.type
           FROM ${s}.consent_events e
           WHERE e.subject_id > $1${until}
             AND e.type IN ('granted', 'confirmed', 'withdrawn', 'objected', 'expired')
             AND e.purpose_id IN ($3, '*')
           ORDER BY e.subject_id, e.seq DESC) latest
         ${where ? `JOIN ${s}.subjects t ON t.id = latest.subject_id` : ''}
         WHERE latest.type IN ('granted', 'confirmed')${where ? ` AND ${where}` : ''}
         ORDER BY latest.subject_id LIMIT $2))
       ORDER BY id`;
    return (await withoutJit((executor) => executor.query(sql, params))).map(subjectFrom);
  }

  /**
   * The planner cannot tell how many subjects pass an audience filter, prices
   * a page as a full scan and JIT-compiles it: tens of milliseconds per page
   * for a query that runs in a few. Pages are short; JIT never pays off.
   */
  function withoutJit(page: (executor: SqlExecutor) => Promise<SqlRow[]>): Promise<SqlRow[]> {
    if (inTransaction) return page(db);
    return transactionOf(async (tx) => {
      await tx.query('SET LOCAL jit = off');
      return page(tx);
    });
  }

  return {
    // Set-based import (issue #22). Outside a transaction the store opens one
    // (createSqlStore): the staging tables belong to a single connection.
    writeImportBatch: (batch) => writeImportBatch(db, raw, s, batch),

    async createSubject(subject) {
      const [created] = await db.query(
        `INSERT INTO ${s}.subjects (${SUBJECT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
         ON CONFLICT DO NOTHING RETURNING ${SUBJECT_COLUMNS}`,
        [
          subject.id,
          subject.emailHash,
          subject.email,
          subject.createdAt,
          subject.updatedAt,
          encodeJson(subject.profile),
          subject.dataKey ?? null,
        ],
      );
      if (created) return subjectFrom(created);
      // Another writer holds this email hash (we return theirs) or this id.
      const [existing] = await db.query(
        `SELECT ${SUBJECT_COLUMNS} FROM ${s}.subjects WHERE email_hash = $1`,
        [subject.emailHash],
      );
      if (existing) return subjectFrom(existing);
      throw new GdprMailError('STORE_CONFLICT', `Subject id ${subject.id} already exists.`);
    },

    async findSubjectByEmailHash(emailHash) {
      const [row] = await db.query(
        `SELECT ${SUBJECT_COLUMNS} FROM ${s}.subjects WHERE email_hash = $1`,
        [emailHash],
      );
      return row && subjectFrom(row);
    },

    async getSubject(id) {
      const [row] = await db.query(`SELECT ${SUBJECT_COLUMNS} FROM ${s}.subjects WHERE id = $1`, [
        id,
      ]);
      return row && subjectFrom(row);
    },

    async updateSubjectProfile(id, profile, at) {
      const [row] = await db.query(
        `UPDATE ${s}.subjects SET profile = $2::jsonb, updated_at = $3 WHERE id = $1
         RETURNING ${SUBJECT_COLUMNS}`,
        [id, encodeJson(profile), at],
      );
      if (!row) throw new GdprMailError('SUBJECT_NOT_FOUND', `No subject ${id}.`);
      return subjectFrom(row);
    },

    async deleteSubject(id) {
      // Ledger and pending opt-ins go with it (ON DELETE CASCADE).
      const rows = await db.query(`DELETE FROM ${s}.subjects WHERE id = $1 RETURNING id`, [id]);
      return rows.length > 0;
    },

    async replaceSubjectDataKeys(changes) {
      if (changes.length === 0) return [];
      // Compare-and-set per row: a row whose key moved since the caller read it stays.
      const rows = await db.query(
        `UPDATE ${s}.subjects AS t SET data_key = c.next
           FROM unnest($1::text[], $2::text[], $3::text[]) AS c(id, expected, next)
          WHERE t.id = c.id AND t.data_key = c.expected
          RETURNING t.id`,
        [changes.map((c) => c.id), changes.map((c) => c.expected), changes.map((c) => c.next)],
      );
      return rows.map((row) => toText(row.id));
    },

    async deleteSubjects(ids) {
      if (ids.length === 0) return 0;
      const rows = await db.query(
        `DELETE FROM ${s}.subjects WHERE id = ANY($1::text[]) RETURNING id`,
        [[...new Set(ids)]],
      );
      return rows.length;
    },

    async getLedgerHead(subjectId) {
      if (inTransaction) await lockSubject(subjectId);
      return readHead(subjectId);
    },

    async appendConsentEvents(subjectId, expectedHead, events) {
      if (!(await lockSubject(subjectId))) {
        throw new GdprMailError('SUBJECT_NOT_FOUND', `No subject ${subjectId}.`);
      }
      const head = await readHead(subjectId);
      if (head?.seq !== expectedHead?.seq || head?.hash !== expectedHead?.hash) {
        throw new GdprMailError('STORE_CONFLICT', 'The consent ledger moved; retry.', {
          retryable: true,
        });
      }
      // Only the head compare-and-set (under the subject lock) is the store's:
      // core checked the batch's links and hashes before the call.
      if (events.length === 0) return;
      // One statement for the batch: it is written whole or not at all.
      await db.query(
        `INSERT INTO ${s}.consent_events (${EVENT_COLUMNS})
         SELECT e.subject_id, e.seq, e.id, e.type, e.purpose_id, e.at, e.proof, e.prev_hash, e.hash
         FROM jsonb_to_recordset($1::jsonb) AS e(
           subject_id text, seq integer, id text, type text, purpose_id text,
           at timestamptz, proof jsonb, prev_hash text, hash text)`,
        [
          JSON.stringify(
            events.map((e) => ({
              subject_id: e.subjectId,
              seq: e.seq,
              id: e.id,
              type: e.type,
              purpose_id: e.purposeId,
              at: e.at.toISOString(),
              proof: e.proof,
              prev_hash: e.prevHash,
              hash: e.hash,
            })),
          ),
        ],
      );
    },

    async listConsentEvents(subjectId, options) {
      if (inTransaction) await lockSubject(subjectId);
      const purposeId = options?.purposeId;
      const rows =
        purposeId === undefined
          ? await db.query(
              `SELECT ${EVENT_COLUMNS} FROM ${s}.consent_events WHERE subject_id = $1 ORDER BY seq`,
              [subjectId],
            )
          : await db.query(
              `SELECT ${EVENT_COLUMNS} FROM ${s}.consent_events
               WHERE subject_id = $1 AND purpose_id = $2 ORDER BY seq`,
              [subjectId, purposeId],
            );
      return rows.map(eventFrom);
    },

    async putNotice(notice) {
      await db.query(
        `INSERT INTO ${s}.notices (hash, purpose_id, version, text, first_seen_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING`,
        [notice.hash, notice.purposeId, notice.version, notice.text, notice.firstSeenAt],
      );
    },

    async getNotice(hash) {
      const [row] = await db.query(
        `SELECT hash, purpose_id, version, text, first_seen_at FROM ${s}.notices WHERE hash = $1`,
        [hash],
      );
      return (
        row && {
          hash: toText(row.hash),
          purposeId: toText(row.purpose_id),
          version: toText(row.version),
          text: toText(row.text),
          firstSeenAt: toDate(row.first_seen_at),
        }
      );
    },

    async putPendingOptIn(pending) {
      const [subject] = await db.query(`SELECT 1 FROM ${s}.subjects WHERE id = $1`, [
        pending.subjectId,
      ]);
      if (!subject) {
        throw new GdprMailError('SUBJECT_NOT_FOUND', `No subject ${pending.subjectId}.`);
      }
      const rows = await db.query(
        `INSERT INTO ${s}.pending_opt_ins (id, subject_id, purpose_ids, requested_at, expires_at)
         VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [
          pending.id,
          pending.subjectId,
          JSON.stringify(pending.purposeIds),
          pending.requestedAt,
          pending.expiresAt,
        ],
      );
      if (rows.length === 0) {
        throw new GdprMailError('STORE_CONFLICT', `Pending opt-in ${pending.id} already exists.`);
      }
    },

    async getPendingOptIn(id) {
      const [row] = await db.query(`SELECT * FROM ${s}.pending_opt_ins WHERE id = $1`, [id]);
      return row && pendingFrom(row);
    },

    async takePendingOptIn(id) {
      // One statement: of concurrent takers exactly one gets the row back.
      const [row] = await db.query(`DELETE FROM ${s}.pending_opt_ins WHERE id = $1 RETURNING *`, [
        id,
      ]);
      return row && pendingFrom(row);
    },

    async listExpiredPendingOptIns(now, limit) {
      const rows = await db.query(
        `SELECT * FROM ${s}.pending_opt_ins WHERE expires_at <= $1
         ORDER BY expires_at, id LIMIT $2`,
        [now, limit],
      );
      return rows.map(pendingFrom);
    },

    async consumeNonce(nonce, expiresAt) {
      const rows = await db.query(
        `INSERT INTO ${s}.nonces (nonce, expires_at) VALUES ($1, $2)
         ON CONFLICT (nonce) DO NOTHING RETURNING nonce`,
        [nonce, expiresAt],
      );
      return rows.length > 0;
    },

    async purgeExpiredNonces(now) {
      const [row] = await db.query(
        `WITH gone AS (DELETE FROM ${s}.nonces WHERE expires_at <= $1 RETURNING 1)
         SELECT count(*) AS n FROM gone`,
        [now],
      );
      return toInt(row?.n ?? 0);
    },

    async addSuppression(entry) {
      // A stronger reason replaces a weaker one, in the one statement so two
      // writers cannot weaken an entry between a read and a write. The ranks are
      // core's SUPPRESSION_STRENGTH (conformance `suppression.upgrade`); a reason
      // missing here ranks NULL, which neither replaces nor is replaced.
      const rank = (reason: string) =>
        `CASE ${reason} WHEN 'unsubscribed-all' THEN 1 WHEN 'hard-bounce' THEN 2 ` +
        `WHEN 'complaint' THEN 2 WHEN 'manual' THEN 2 WHEN 'erased' THEN 3 END`;
      const rows = await db.query(
        `INSERT INTO ${s}.suppression AS existing (hash, reason, at, source) VALUES ($1, $2, $3, $4)
         ON CONFLICT (hash) DO UPDATE
           SET reason = EXCLUDED.reason, at = EXCLUDED.at, source = EXCLUDED.source
           WHERE ${rank('EXCLUDED.reason')} > ${rank('existing.reason')}
         RETURNING hash`,
        [entry.hash, entry.reason, entry.at, entry.source],
      );
      return rows.length > 0;
    },

    async getSuppression(hash) {
      const [row] = await db.query(`SELECT * FROM ${s}.suppression WHERE hash = $1`, [hash]);
      return row && suppressionFrom(row);
    },

    async removeSuppression(hash) {
      const rows = await db.query(`DELETE FROM ${s}.suppression WHERE hash = $1 RETURNING hash`, [
        hash,
      ]);
      return rows.length > 0;
    },

    listAudienceCandidates: audiencePage,

    async setSubjectSegments(id, change, at) {
      checkSegmentChange(change);
      // Only the lists given are replaced; migration 9's generated columns follow.
      const lists = {
        ...(change.segments === undefined ? {} : { segments: [...change.segments] }),
        ...(change.tags === undefined ? {} : { tags: [...change.tags] }),
      };
      const rows = await db.query(
        `UPDATE ${s}.subjects
         SET profile = profile || jsonb_build_object('contact',
               COALESCE(profile->'contact', '{"segments": [], "sources": []}'::jsonb) || $2::jsonb),
             updated_at = $3
         WHERE id = $1 RETURNING id`,
        [id, JSON.stringify(lists), at],
      );
      return rows.length > 0;
    },

    async getAuditHead() {
      const [row] = await db.query(
        `SELECT seq, hash FROM ${s}.audit_head WHERE id = 1${inTransaction ? ' FOR UPDATE' : ''}`,
        [],
        PREPARED,
      );
      if (!row || toInt(row.seq) === 0) return undefined;
      return { seq: toInt(row.seq), hash: toText(row.hash) };
    },

    appendAudit: (entry) => appendAuditRun([entry]),

    appendAuditEntries: appendAuditRun,

    async claimDelivery(record) {
      // Insert, or take over a record that failed retryably; anything else stays.
      const claimed = await db.query(
        `INSERT INTO ${s}.deliveries (${DELIVERY_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (idempotency_key) DO UPDATE SET
           message_id = EXCLUDED.message_id, status = EXCLUDED.status, reason = EXCLUDED.reason,
           retryable = EXCLUDED.retryable, provider_message_id = EXCLUDED.provider_message_id,
           attempts = ${s}.deliveries.attempts + EXCLUDED.attempts, updated_at = EXCLUDED.updated_at
         WHERE ${s}.deliveries.status = 'failed' AND ${s}.deliveries.retryable
         RETURNING idempotency_key`,
        deliveryValues(record),
      );
      if (claimed.length > 0) return { claimed: true };
      const [row] = await db.query(
        `SELECT ${DELIVERY_COLUMNS} FROM ${s}.deliveries WHERE idempotency_key = $1`,
        [record.idempotencyKey],
      );
      if (!row) {
        throw new GdprMailError(
          'STORE_CONFLICT',
          'The delivery claim raced with a deletion; retry.',
          { retryable: true },
        );
      }
      return { claimed: false, existing: deliveryFrom(row) };
    },

    async updateDelivery(idempotencyKey, update) {
      const rows = await db.query(
        `UPDATE ${s}.deliveries SET status = $2, retryable = $3, attempts = $4, updated_at = $5,
           reason = COALESCE($6, reason), provider_message_id = COALESCE($7, provider_message_id)
         WHERE idempotency_key = $1 RETURNING idempotency_key`,
        [
          idempotencyKey,
          update.status,
          update.retryable,
          update.attempts,
          update.updatedAt,
          update.reason ?? null,
          update.providerMessageId ?? null,
        ],
      );
      if (rows.length === 0) {
        throw new GdprMailError('STORE_FAILURE', `No delivery ${idempotencyKey} to update.`);
      }
    },

    async claimDeliveries(records, options = {}) {
      if (records.length === 0) return [];
      const cols = records.map(deliveryValues);
      const column = (i: number) => cols.map((c) => c[i]);
      // One statement for the batch: insert, or take over retryable failures
      // and (when asked) claims that never reached a transport and went stale.
      const claimed = await db.query(
        `INSERT INTO ${s}.deliveries (${DELIVERY_COLUMNS})
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
           $7::text[], $8::text[], $9::boolean[], $10::text[], $11::integer[], $12::timestamptz[], $13::timestamptz[])
         ON CONFLICT (idempotency_key) DO UPDATE SET
           message_id = EXCLUDED.message_id, status = EXCLUDED.status, reason = EXCLUDED.reason,
           retryable = EXCLUDED.retryable, provider_message_id = EXCLUDED.provider_message_id,
           attempts = ${s}.deliveries.attempts + EXCLUDED.attempts, updated_at = EXCLUDED.updated_at
         WHERE (${s}.deliveries.status = 'failed' AND ${s}.deliveries.retryable)
           OR (${s}.deliveries.status = 'claimed' AND ${s}.deliveries.updated_at < $14::timestamptz)
         RETURNING idempotency_key`,
        [...Array.from({ length: 13 }, (_, i) => column(i)), options.reclaimClaimedBefore ?? null],
        PREPARED,
      );
      const won = new Set(claimed.map((row) => toText(row.idempotency_key)));
      const lost = records.filter((r) => !won.has(r.idempotencyKey)).map((r) => r.idempotencyKey);
      const existing = new Map<string, DeliveryRecord>();
      if (lost.length > 0) {
        const rows = await db.query(
          `SELECT ${DELIVERY_COLUMNS} FROM ${s}.deliveries WHERE idempotency_key = ANY($1::text[])`,
          [lost],
        );
        for (const row of rows) existing.set(toText(row.idempotency_key), deliveryFrom(row));
      }
      // A key given twice in one batch: the first occurrence claims it.
      const seen = new Set<string>();
      return records.map((r): DeliveryClaim => {
        if (won.has(r.idempotencyKey) && !seen.has(r.idempotencyKey)) {
          seen.add(r.idempotencyKey);
          return { claimed: true };
        }
        const found = existing.get(r.idempotencyKey) ?? { ...r };
        return { claimed: false, existing: found };
      });
    },

    async startDeliveries(starts, at) {
      if (starts.length === 0) return [];
      // Compare-and-set on (status, message id): a claim taken over by another
      // worker no longer carries this caller's message id and stays unsent here.
      // The batch is found through the primary key (`= ANY`) and each row's
      // message id looked up in one jsonb object. Joined to unnest() instead, a
      // table without statistics (PGlite never runs autovacuum) is read whole on
      // every batch, or the array is rescanned for every row: twice the time.
      const rows = await db.query(
        `UPDATE ${s}.deliveries AS d SET status = 'sending', updated_at = $3
         WHERE d.idempotency_key = ANY($1::text[]) AND d.status = 'claimed'
           AND d.message_id = ($2::jsonb ->> d.idempotency_key)
         RETURNING d.idempotency_key`,
        [
          starts.map((x) => x.idempotencyKey),
          JSON.stringify(Object.fromEntries(starts.map((x) => [x.idempotencyKey, x.messageId]))),
          at,
        ],
        PREPARED,
      );
      return rows.map((row) => toText(row.idempotency_key));
    },

    async updateDeliveries(updates) {
      if (updates.length === 0) return;
      // The `= ANY` repeats the join key so the batch is found through the primary
      // key, whatever the planner thinks of a table it has no statistics for.
      const rows = await db.query(
        `UPDATE ${s}.deliveries AS d SET status = u.status, retryable = u.retryable, attempts = u.attempts,
           updated_at = u.updated_at, reason = COALESCE(u.reason, d.reason),
           provider_message_id = COALESCE(u.provider_message_id, d.provider_message_id)
         FROM unnest($1::text[], $2::text[], $3::boolean[], $4::integer[], $5::timestamptz[], $6::text[], $7::text[])
           AS u(idempotency_key, status, retryable, attempts, updated_at, reason, provider_message_id)
         WHERE d.idempotency_key = u.idempotency_key AND d.idempotency_key = ANY($1::text[])
         RETURNING d.idempotency_key`,
        [
          updates.map((u) => u.idempotencyKey),
          updates.map((u) => u.status),
          updates.map((u) => u.retryable),
          updates.map((u) => u.attempts),
          updates.map((u) => u.updatedAt),
          updates.map((u) => u.reason ?? null),
          updates.map((u) => u.providerMessageId ?? null),
        ],
        PREPARED,
      );
      if (rows.length !== new Set(updates.map((u) => u.idempotencyKey)).size) {
        throw new GdprMailError('STORE_FAILURE', 'Some deliveries to update do not exist.');
      }
    },

    async settleDeliveries(settles) {
      if (settles.length === 0) return [];
      // Compare-and-set, as in startDeliveries: a record sent again since carries
      // another message id, and a settled one is no longer sending or ambiguous.
      // Rows found through the primary key, each one's values looked up by key in
      // one jsonb object, for the same reasons as there.
      const byKey = Object.fromEntries(
        settles.map((x) => [
          x.idempotencyKey,
          {
            messageId: x.messageId,
            status: x.status,
            retryable: x.retryable,
            updatedAt: x.updatedAt.toISOString(),
            reason: x.reason ?? null,
            providerMessageId: x.providerMessageId ?? null,
          },
        ]),
      );
      const rows = await db.query(
        `UPDATE ${s}.deliveries AS d SET status = $2::jsonb -> d.idempotency_key ->> 'status',
           retryable = ($2::jsonb -> d.idempotency_key ->> 'retryable')::boolean,
           updated_at = ($2::jsonb -> d.idempotency_key ->> 'updatedAt')::timestamptz,
           reason = COALESCE($2::jsonb -> d.idempotency_key ->> 'reason', d.reason),
           provider_message_id = COALESCE($2::jsonb -> d.idempotency_key ->> 'providerMessageId',
             d.provider_message_id)
         WHERE d.idempotency_key = ANY($1::text[]) AND d.status IN ('sending', 'ambiguous')
           AND d.message_id = $2::jsonb -> d.idempotency_key ->> 'messageId'
         RETURNING d.idempotency_key`,
        [settles.map((x) => x.idempotencyKey), JSON.stringify(byKey)],
      );
      return rows.map((row) => toText(row.idempotency_key));
    },

    async listSubjects({ afterId, limit }) {
      const rows = await db.query(
        `SELECT ${SUBJECT_COLUMNS} FROM ${s}.subjects WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
        [afterId ?? null, limit],
      );
      return rows.map(subjectFrom);
    },

    async findSubjectsByEmailHashes(emailHashes) {
      if (emailHashes.length === 0) return [];
      // In a transaction the rows found are locked until commit (in id order, so two
      // writers of overlapping batches queue instead of deadlocking): a batch that reads
      // a contact, then writes its whole profile back, must not write over what another
      // importer added meanwhile (its list, its source). A waiting reader gets the
      // committed row.
      const rows = await db.query(
        `SELECT ${SUBJECT_COLUMNS} FROM ${s}.subjects WHERE email_hash = ANY($1::text[])${rowLock}`,
        [[...new Set(emailHashes)]],
        PREPARED,
      );
      return rows.map(subjectFrom);
    },

    async findSubjectsByAttribute(name, values) {
      if (values.length === 0) return [];
      // Containment on the indexed attributes object (migration 6), one probe per value.
      const probes = [...new Set(values)].map((value) => JSON.stringify({ [name]: value }));
      const rows = await db.query(
        `SELECT ${SUBJECT_COLUMNS} FROM ${s}.subjects
         WHERE (profile->'contact'->'attributes') @> ANY($1::jsonb[])${rowLock}`,
        [probes],
      );
      return rows.map(subjectFrom);
    },

    async getSuppressions(hashes) {
      if (hashes.length === 0) return [];
      const rows = await db.query(
        `SELECT ${SUPPRESSION_COLUMNS} FROM ${s}.suppression WHERE hash = ANY($1::text[])`,
        [[...new Set(hashes)]],
        PREPARED,
      );
      return rows.map(suppressionFrom);
    },

    async listConsentEventsForSubjects(subjectIds) {
      if (subjectIds.length === 0) return [];
      const rows = await db.query(
        `SELECT ${EVENT_COLUMNS} FROM ${s}.consent_events WHERE subject_id = ANY($1::text[])
         ORDER BY subject_id, seq`,
        [[...new Set(subjectIds)]],
        PREPARED,
      );
      return rows.map(eventFrom);
    },

    async getDelivery(idempotencyKey) {
      const [row] = await db.query(
        `SELECT ${DELIVERY_COLUMNS} FROM ${s}.deliveries WHERE idempotency_key = $1`,
        [idempotencyKey],
      );
      return row && deliveryFrom(row);
    },

    async listCampaignDeliveries({ campaignId, status, afterKey, limit }) {
      const rows = await db.query(
        `SELECT ${DELIVERY_COLUMNS} FROM ${s}.deliveries
         WHERE campaign_id = $1 AND ($2::text IS NULL OR status = $2)
           AND ($3::text IS NULL OR idempotency_key > $3)
         ORDER BY idempotency_key LIMIT $4`,
        [campaignId, status ?? null, afterKey ?? null, limit],
      );
      return rows.map(deliveryFrom);
    },

    async listDeliveries({ subjectId, afterKey, limit }) {
      const rows = await db.query(
        `SELECT ${DELIVERY_COLUMNS} FROM ${s}.deliveries
         WHERE subject_id = $1 AND ($2::text IS NULL OR idempotency_key > $2)
         ORDER BY idempotency_key LIMIT $3`,
        [subjectId, afterKey ?? null, limit],
      );
      return rows.map(deliveryFrom);
    },

    putBreach: (incident, expectedVersion) =>
      putVersioned('breaches', `Breach ${incident.id}`, incident.version, expectedVersion, {
        id: incident.id,
        status: incident.status,
        aware_at: incident.awareAt,
        incident: encodeJson(incident),
      }),

    putDsarRequest: (request, expectedVersion) =>
      putVersioned('dsar_requests', `Request ${request.id}`, request.version, expectedVersion, {
        id: request.id,
        status: request.status,
        subject_id: request.subjectId,
        due_at: request.extendedDueAt ?? request.dueAt,
        request: encodeJson(request),
      }),

    async getDsarRequest(id) {
      const [row] = await db.query(`SELECT request FROM ${s}.dsar_requests WHERE id = $1`, [id]);
      return row && decodeJson<DsarRequest>(row.request);
    },

    async listDsarRequests({ status, dueBefore, subjectId, after, limit }) {
      // Statuses are a closed set: written as literals, so the partial index of
      // open requests (migration 10) matches a query for them.
      const known = status?.filter((value) => (DSAR_STATUSES as readonly string[]).includes(value));
      if (status && known?.length === 0) return [];
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (known) where.push(`status IN (${known.map((value) => `'${value}'`).join(', ')})`);
      if (dueBefore) where.push(`due_at <= ${param(dueBefore)}`);
      if (subjectId !== undefined) where.push(`subject_id = ${param(subjectId)}`);
      if (after) where.push(`(due_at, id) > (${param(after.dueAt)}, ${param(after.id)})`);
      const rows = await db.query(
        `SELECT request FROM ${s}.dsar_requests
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY due_at, id LIMIT ${param(limit)}`,
        params,
      );
      return rows.map((row) => decodeJson<DsarRequest>(row.request));
    },

    async getBreach(id) {
      const [row] = await db.query(`SELECT incident FROM ${s}.breaches WHERE id = $1`, [id]);
      return row && decodeJson<BreachIncident>(row.incident);
    },

    async listBreaches({ status, after, limit }) {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (status !== undefined) where.push(`status = ${param(status)}`);
      if (after) where.push(`(aware_at, id) < (${param(after.awareAt)}, ${param(after.id)})`);
      const rows = await db.query(
        `SELECT incident FROM ${s}.breaches
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY aware_at DESC, id DESC LIMIT ${param(limit)}`,
        params,
      );
      return rows.map((row) => decodeJson<BreachIncident>(row.incident));
    },

    async enqueueOutbox(item) {
      await db.query(
        `INSERT INTO ${s}.outbox (id, kind, payload, created_at, available_at, attempts, last_error)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          item.id,
          item.kind,
          item.payload,
          item.createdAt,
          item.availableAt,
          item.attempts,
          item.lastError ?? null,
        ],
      );
    },

    async claimOutbox({ now, leaseUntil, owner, limit }) {
      // SKIP LOCKED: concurrent drainers (other processes) pass over the rows
      // another one is claiming instead of queueing behind it, and never get
      // the same row. A lease that ran out is free again: take-over.
      const rows = await db.query(
        `UPDATE ${s}.outbox AS o
         SET lease_owner = $3, lease_until = $2, attempts = o.attempts + 1
         FROM (
           SELECT id FROM ${s}.outbox
           WHERE available_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
           ORDER BY available_at, id
           LIMIT $4
           FOR UPDATE SKIP LOCKED
         ) AS c
         WHERE o.id = c.id
         RETURNING ${OUTBOX_COLUMNS.split(', ')
           .map((c) => `o.${c}`)
           .join(', ')}`,
        [now, leaseUntil, owner, limit],
      );
      return rows
        .map(outboxFrom)
        .sort(
          (a, b) => a.availableAt.getTime() - b.availableAt.getTime() || (a.id < b.id ? -1 : 1),
        );
    },

    async completeOutbox(id, owner) {
      const rows = await db.query(
        `DELETE FROM ${s}.outbox WHERE id = $1 AND lease_owner = $2 RETURNING id`,
        [id, owner],
      );
      return rows.length > 0;
    },

    async releaseOutbox(id, owner, { availableAt, lastError, payload }) {
      const rows = await db.query(
        `UPDATE ${s}.outbox SET lease_owner = NULL, lease_until = NULL, available_at = $3,
           last_error = $4, payload = COALESCE($5, payload)
         WHERE id = $1 AND lease_owner = $2 RETURNING id`,
        [id, owner, availableAt, lastError ?? null, payload ?? null],
      );
      return rows.length > 0;
    },

    async listOutbox(limit) {
      const rows = await db.query(
        `SELECT ${OUTBOX_COLUMNS} FROM ${s}.outbox ORDER BY created_at, id LIMIT $1`,
        [limit],
      );
      return rows.map(outboxFrom);
    },

    async listAudit(afterSeq, limit) {
      const rows = await db.query(
        `SELECT * FROM ${s}.audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [afterSeq, limit],
      );
      return rows.map(auditFrom);
    },
  };
}

function writeImportBatchIn(tx: StoreOperations, batch: ImportBatchWrite): Promise<void> {
  if (!tx.writeImportBatch) throw new GdprMailError('STORE_FAILURE', 'No set-based import here.');
  return tx.writeImportBatch(batch);
}

export interface SqlStoreOptions {
  kind: string;
  schema: string;
}

/**
 * The GdprStore over any SqlDatabase. Single-statement methods run on their
 * own; methods that write several rows run in a transaction of their own.
 */
/**
 * A transaction whose own failures are typed: taking a connection (a server that is
 * down: ECONNREFUSED, no SQLSTATE), BEGIN and COMMIT (a serialisation failure at
 * commit) become STORE_FAILURE / STORE_CONFLICT, as a failed single statement does.
 * What `work` throws passes through untouched (its statements are guarded already,
 * and the caller's own errors are the caller's), apart from a raw database error.
 */
function typedTransaction<T>(db: SqlDatabase, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
  let thrownByWork = false;
  return db
    .transaction(async (tx) => {
      try {
        return await work(tx);
      } catch (error) {
        thrownByWork = true;
        throw error;
      }
    })
    .catch((error: unknown) => {
      throw !thrownByWork || isDatabaseError(error) ? toStoreError(error) : error;
    });
}

export function createSqlStore(db: SqlDatabase, options: SqlStoreOptions): GdprStore {
  const s = quoteSchema(options.schema);
  const inNewTransaction = <T>(work: (tx: SqlExecutor) => Promise<T>) =>
    typedTransaction(db, (tx) => work(guarded(tx)));
  const direct = createOperations(db, s, false, inNewTransaction);
  const transaction = <T>(work: (tx: StoreOperations) => Promise<T>): Promise<T> =>
    typedTransaction(db, (tx) => work(createOperations(tx, s, true, inNewTransaction)));
  return {
    ...direct,
    kind: options.kind,
    transaction,
    appendConsentEvents: (subjectId, expectedHead, events) =>
      transaction((tx) => tx.appendConsentEvents(subjectId, expectedHead, events)),
    appendAudit: (entry) => transaction((tx) => tx.appendAudit(entry)),
    writeImportBatch: (batch) => transaction((tx) => writeImportBatchIn(tx, batch)),
    appendAuditEntries: (entries) => transaction((tx) => tx.appendAuditEntries(entries)),
    claimDeliveries: (records, claimOptions) =>
      transaction((tx) => tx.claimDeliveries(records, claimOptions)),
    updateDeliveries: (updates) => transaction((tx) => tx.updateDeliveries(updates)),
    async listAuditForSubjects(refs, afterSeq, limit) {
      const distinct = [...new Set(refs)];
      if (distinct.length === 0 || limit < 1) return [];
      // One range of audit_log_subject_ref_idx per reference, each stopped at `limit`,
      // merged by seq: a person's trail costs what it holds, not the size of the log.
      const rows = await guarded(db).query(
        `SELECT a.* FROM unnest($1::text[]) AS r(ref)
         CROSS JOIN LATERAL (
           SELECT * FROM ${s}.audit_log WHERE subject_ref = r.ref AND seq > $2 ORDER BY seq LIMIT $3
         ) AS a
         ORDER BY a.seq LIMIT $3`,
        [distinct, afterSeq, limit],
      );
      return rows.map(auditFrom);
    },
    async listConsentEventsInRange({ afterId, lastId }) {
      // A range on (subject_id, …) instead of `= ANY(ids)`: about half the time per page of
      // a million-row sweep, where the ledgers are read while the previous page is deleted.
      const read = guarded(db);
      const rows =
        afterId === undefined
          ? await read.query(
              `SELECT ${EVENT_COLUMNS} FROM ${s}.consent_events WHERE subject_id <= $1
               ORDER BY subject_id, seq`,
              [lastId],
            )
          : await read.query(
              `SELECT ${EVENT_COLUMNS} FROM ${s}.consent_events
               WHERE subject_id > $1 AND subject_id <= $2 ORDER BY subject_id, seq`,
              [afterId, lastId],
            );
      return rows.map(eventFrom);
    },
    close: () => db.close(),
  };
}
