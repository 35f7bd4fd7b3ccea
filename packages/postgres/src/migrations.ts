import { quoteSchema } from './schema-name.js';
import type { SqlDatabase } from './sql-database.js';

export interface Migration {
  version: number;
  name: string;
  /** SQL script; `s` is the quoted schema name. */
  sql(s: string): string;
}

/** Forward-only: a released migration is never edited, a change is a new version. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'consent store',
    sql: (s) => `
-- Ids compare bytewise ("C"): keyset pages follow the same order on every
-- server locale, and comparisons skip locale rules on the hot paths.
CREATE TABLE ${s}.subjects (
  id text COLLATE "C" PRIMARY KEY,
  email_hash text NOT NULL UNIQUE,
  email text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  profile jsonb NOT NULL DEFAULT '{}'
);
-- Retention sweeps by anchor date (collected).
CREATE INDEX subjects_created_at_idx ON ${s}.subjects (created_at);

CREATE TABLE ${s}.consent_events (
  subject_id text COLLATE "C" NOT NULL REFERENCES ${s}.subjects (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  id text NOT NULL UNIQUE,
  type text NOT NULL,
  purpose_id text NOT NULL,
  at timestamptz NOT NULL,
  proof jsonb NOT NULL,
  prev_hash text,
  hash text NOT NULL,
  PRIMARY KEY (subject_id, seq)
);
-- Policy check: one subject's events for one purpose.
CREATE INDEX consent_events_subject_purpose_idx ON ${s}.consent_events (subject_id, purpose_id, seq);
-- Audience: a subject's latest status-changing event, without touching the others.
CREATE INDEX consent_events_status_idx ON ${s}.consent_events (subject_id, seq DESC)
  INCLUDE (purpose_id, type)
  WHERE type IN ('granted', 'confirmed', 'withdrawn', 'objected', 'expired');
-- Retention sweeps by anchor date (last interaction, withdrawn) per purpose.
CREATE INDEX consent_events_purpose_at_idx ON ${s}.consent_events (purpose_id, type, at);

CREATE TABLE ${s}.notices (
  hash text PRIMARY KEY,
  purpose_id text NOT NULL,
  version text NOT NULL,
  text text NOT NULL,
  first_seen_at timestamptz NOT NULL
);

CREATE TABLE ${s}.suppression (
  hash text PRIMARY KEY,
  reason text NOT NULL,
  at timestamptz NOT NULL,
  source text NOT NULL
);

CREATE TABLE ${s}.pending_opt_ins (
  id text PRIMARY KEY,
  subject_id text NOT NULL REFERENCES ${s}.subjects (id) ON DELETE CASCADE,
  purpose_ids jsonb NOT NULL,
  requested_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX pending_opt_ins_expires_idx ON ${s}.pending_opt_ins (expires_at, id);
CREATE INDEX pending_opt_ins_subject_idx ON ${s}.pending_opt_ins (subject_id);

CREATE TABLE ${s}.nonces (
  nonce text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX nonces_expires_idx ON ${s}.nonces (expires_at);
`,
  },
  {
    version: 2,
    name: 'audit log',
    sql: (s) => `
CREATE TABLE ${s}.audit_log (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject_ref text,
  reason text,
  details jsonb NOT NULL,
  prev_hash text,
  hash text NOT NULL
);
CREATE INDEX audit_log_subject_ref_idx ON ${s}.audit_log (subject_ref, seq);

-- Kept apart from the rows: appends lock this one row (so the chain never
-- forks) and verification notices a deleted last entry.
CREATE TABLE ${s}.audit_head (
  id smallint PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text
);
INSERT INTO ${s}.audit_head (id, seq, hash) VALUES (1, 0, NULL);

-- Append-only in the database too, not only in the API.
CREATE FUNCTION ${s}.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'gdpr-mail audit log is append-only (% refused)', TG_OP;
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON ${s}.audit_log
  FOR EACH ROW EXECUTE FUNCTION ${s}.audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON ${s}.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.audit_log_append_only();
`,
  },
  {
    version: 3,
    name: 'breach register',
    sql: (s) => `
CREATE TABLE ${s}.breaches (
  id text PRIMARY KEY,
  version integer NOT NULL,
  status text NOT NULL,
  aware_at timestamptz NOT NULL,
  incident jsonb NOT NULL
);
CREATE INDEX breaches_status_aware_idx ON ${s}.breaches (status, aware_at DESC);
`,
  },
  {
    version: 4,
    name: 'delivery records',
    sql: (s) => `
-- One row per message handed to a transport, claimed by idempotency key
-- before sending. No address: erasing the subject removes its rows.
CREATE TABLE ${s}.deliveries (
  idempotency_key text COLLATE "C" PRIMARY KEY,
  message_id text NOT NULL,
  subject_id text COLLATE "C" REFERENCES ${s}.subjects (id) ON DELETE CASCADE,
  purpose_id text NOT NULL,
  campaign_id text,
  transport text NOT NULL,
  status text NOT NULL,
  reason text,
  retryable boolean NOT NULL,
  provider_message_id text,
  attempts integer NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX deliveries_subject_idx ON ${s}.deliveries (subject_id, idempotency_key);
CREATE INDEX deliveries_campaign_idx ON ${s}.deliveries (campaign_id, status) WHERE campaign_id IS NOT NULL;
`,
  },
  {
    version: 5,
    name: 'data-subject requests',
    sql: (s) => `
-- No foreign key to subjects: the record of an erasure request outlives the
-- person it erased (it proves the answer, SEED-12) and holds only the subject id.
CREATE TABLE ${s}.dsar_requests (
  id text PRIMARY KEY,
  version integer NOT NULL,
  status text NOT NULL,
  subject_id text COLLATE "C" NOT NULL,
  due_at timestamptz NOT NULL,
  request jsonb NOT NULL
);
CREATE INDEX dsar_requests_status_due_idx ON ${s}.dsar_requests (status, due_at);
CREATE INDEX dsar_requests_subject_idx ON ${s}.dsar_requests (subject_id);
`,
  },
  {
    version: 6,
    name: 'contact attributes index',
    sql: (s) => `
-- Imports keyed on a custom field (a customer number) find contacts by
-- profile.contact.attributes containment.
CREATE INDEX subjects_contact_attributes_idx ON ${s}.subjects
  USING gin ((profile->'contact'->'attributes') jsonb_path_ops);
`,
  },
  {
    version: 7,
    name: 'subject data keys',
    sql: (s) => `
-- Each person's data key, wrapped by a key-encryption key (issue #18). It lives
-- in the subject row, so deleting the row shreds everything sealed under it.
ALTER TABLE ${s}.subjects ADD COLUMN data_key text;
`,
  },
  {
    version: 8,
    name: 'outbox',
    sql: (s) => `
-- Work a public route accepted and does after its answer (issue #19), so the
-- answer costs the same whoever the address is. The payload is sealed by core
-- (AES-256-GCM): the address is never in the clear here. A drainer leases
-- items (lease_owner, lease_until); a lease that ran out is taken over.
CREATE TABLE ${s}.outbox (
  id text COLLATE "C" PRIMARY KEY,
  kind text NOT NULL,
  payload text NOT NULL,
  created_at timestamptz NOT NULL,
  available_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  lease_owner text,
  lease_until timestamptz
);
-- Claims read the oldest available items first.
CREATE INDEX outbox_available_idx ON ${s}.outbox (available_at, id);
`,
  },
  {
    version: 9,
    name: 'segments and targeting columns',
    sql: (s) => `
-- Segments in the store (issue #22). What people target — lists (segments),
-- tags, import sources, language, country, last engagement — becomes columns
-- the audience query filters on. They are generated from the clear leaves of
-- the profile (none of them is sealed: docs/security.md, "what stays in the
-- clear"), so every existing row is backfilled by this ALTER, and every write
-- of a profile (imports, setSubjectSegments, updates) keeps them in step with
-- no code of its own. A fact of the wrong JSON type counts as absent, as in
-- core's reference evaluator (matchesSegment). Consent age is not a column:
-- it is read from the ledger, per purpose, by the compiled segment.
CREATE FUNCTION ${s}.json_strings(value jsonb) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT COALESCE(array_agg(e #>> '{}'), '{}')
  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(value) = 'array' THEN value ELSE '[]' END) AS e
  WHERE jsonb_typeof(e) = 'string'
$fn$;
CREATE FUNCTION ${s}.json_source_labels(value jsonb) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT COALESCE(array_agg(e ->> 'label'), '{}')
  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(value) = 'array' THEN value ELSE '[]' END) AS e
  WHERE jsonb_typeof(e -> 'label') = 'string'
$fn$;
-- A Date as the store writes it into jsonb: { "$date": ISO 8601 with Z }. The
-- text-to-timestamptz cast is only STABLE in general (it reads TimeZone for
-- strings without an offset); these strings always carry one, so the result
-- never changes and IMMUTABLE (which a generated column requires) holds.
CREATE FUNCTION ${s}.json_instant(value jsonb) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN jsonb_typeof(value -> '$date') = 'string'
    THEN (value ->> '$date')::timestamptz END
$fn$;
ALTER TABLE ${s}.subjects
  ADD COLUMN language text GENERATED ALWAYS AS
    (CASE WHEN jsonb_typeof(profile -> 'language') = 'string' THEN profile ->> 'language' END) STORED,
  ADD COLUMN country text GENERATED ALWAYS AS
    (CASE WHEN jsonb_typeof(profile -> 'country') = 'string' THEN profile ->> 'country' END) STORED,
  ADD COLUMN segments text[] NOT NULL GENERATED ALWAYS AS
    (${s}.json_strings(profile -> 'contact' -> 'segments')) STORED,
  ADD COLUMN tags text[] NOT NULL GENERATED ALWAYS AS
    (${s}.json_strings(profile -> 'contact' -> 'tags')) STORED,
  ADD COLUMN sources text[] NOT NULL GENERATED ALWAYS AS
    (${s}.json_source_labels(profile -> 'contact' -> 'sources')) STORED,
  ADD COLUMN last_interaction_at timestamptz GENERATED ALWAYS AS
    (${s}.json_instant(profile -> 'lastInteractionAt')) STORED;
-- Who is on a list or carries a tag, without a scan (counts, exports by segment).
CREATE INDEX subjects_segments_idx ON ${s}.subjects USING gin (segments);
CREATE INDEX subjects_tags_idx ON ${s}.subjects USING gin (tags);
`,
  },
  {
    version: 10,
    name: 'keyset indexes of the request and breach lists',
    sql: (s) => `
-- Lists read a page at a time after a (deadline, id) or (awareAt, id) cursor
-- (the privacy console): each page is one index range, whatever the table's size.
CREATE INDEX dsar_requests_due_id_idx ON ${s}.dsar_requests (due_at, id);
-- Open requests alone: the console's first page does not walk past closed ones.
CREATE INDEX dsar_requests_open_due_id_idx ON ${s}.dsar_requests (due_at, id)
  WHERE status IN ('received', 'identity-verified', 'in-progress');
DROP INDEX ${s}.dsar_requests_status_due_idx;
CREATE INDEX dsar_requests_status_due_id_idx ON ${s}.dsar_requests (status, due_at, id);
DROP INDEX ${s}.breaches_status_aware_idx;
CREATE INDEX breaches_status_aware_id_idx ON ${s}.breaches (status, aware_at DESC, id DESC);
CREATE INDEX breaches_aware_id_idx ON ${s}.breaches (aware_at DESC, id DESC);
`,
  },
];

export interface MigrationResult {
  /** Versions this call applied; empty when the schema was up to date. */
  applied: number[];
  /** The schema's version afterwards. */
  version: number;
}

/**
 * Brings the schema up to the latest version in one transaction, under a
 * transaction-scoped advisory lock: two processes starting at once queue
 * here, and the second finds everything applied.
 */
export async function runMigrations(db: SqlDatabase, schema: string): Promise<MigrationResult> {
  const s = quoteSchema(schema);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`gdpr-mail:migrate:${schema}`]);
    await tx.exec(`
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);`);
    const rows = await tx.query(`SELECT version FROM ${s}.schema_migrations`);
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql(s));
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return { applied, version: Math.max(...MIGRATIONS.map((m) => m.version), ...done) };
  });
}
