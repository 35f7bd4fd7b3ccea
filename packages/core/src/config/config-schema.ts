import { z } from 'zod';
import { missingNoticeElements } from '../consent/notice.js';
import type { ErasureJournal } from '../crypto/erasure-journal.js';
import type { KeyProvider } from '../crypto/key-provider.js';
import { KEY_ID_PATTERN } from '../crypto/key-provider.js';
import type { RateLimiterFactory } from '../http/rate-limiter.js';
import type { GdprLogger } from '../observability/logger.js';
import { isLogger } from '../observability/logger.js';
import { isEea, TRANSFER_SAFEGUARDS } from '../records/eea.js';
import type { GdprStore } from '../store/store-types.js';
import { isGdprStore } from '../store/store-types.js';
import type { ConfirmationTemplate } from '../templates/confirmation-template.js';
import type { Transport } from '../transport/transport.js';
import { isTransport } from '../transport/transport.js';
import { parseIsoDuration } from './iso-duration.js';

export const LAWFUL_BASES = [
  'consent',
  'soft-opt-in',
  'legitimate-interest',
  'contract',
  'legal-obligation',
] as const;
export type LawfulBasis = (typeof LAWFUL_BASES)[number];

export const PURPOSE_KINDS = ['marketing', 'transactional', 'tracking', 'profiling'] as const;
export type PurposeKind = (typeof PURPOSE_KINDS)[number];

export const RETENTION_ANCHORS = [
  'collected',
  'last-interaction',
  'withdrawn',
  'account-closed',
] as const;
export const RETENTION_ACTIONS = ['delete', 'anonymise', 'archive-then-delete'] as const;

/** Refuses a list in which two items share an `id`, naming the second one. */
function uniqueIds(label: string) {
  return (items: readonly { id: string }[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (seen.has(item.id)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'id'],
          message: `duplicate ${label} id "${item.id}"`,
        });
      }
      seen.add(item.id);
    });
  };
}

const countryCode = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code')
  .transform((c) => c.toUpperCase());

const isoDuration = z
  .string()
  .refine(
    (text) => parseIsoDuration(text) !== undefined,
    'must be an ISO 8601 duration such as P3Y',
  );

const retentionSchema = z.object({
  /** ISO 8601 duration, e.g. `P3Y` (CNIL reference for prospects). */
  duration: isoDuration,
  anchor: z.enum(RETENTION_ANCHORS),
  action: z.enum(RETENTION_ACTIONS).default('delete'),
  /** For `archive-then-delete`: how long the archive lives. */
  archiveFor: isoDuration.optional(),
});

const purposeSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be lower case letters, digits, _ or -')
      .refine((id) => id !== '*', 'is reserved'),
    title: z.string().min(1),
    kind: z.enum(PURPOSE_KINDS).default('marketing'),
    lawfulBasis: z.enum(LAWFUL_BASES),
    channel: z.literal('email').default('email'),
    notice: z.object({
      version: z
        .string()
        .regex(
          /^\d+(\.\d+){0,2}$/,
          'must look like 1, 1.2 or 1.2.3 (a new major means new consent)',
        ),
      /** The exact text shown where consent is asked; blank is refused (issue #21). */
      text: z.string().refine((text) => text.trim() !== '', 'must not be empty'),
    }),
    /** Product categories whose buyers may be mailed under soft opt-in (ePrivacy 13(2)). */
    softOptIn: z.object({ categories: z.array(z.string().min(1)).min(1) }).optional(),
    /** EDPB: refresh consent at appropriate intervals (REQ-08). */
    refreshAfter: isoDuration.optional(),
    dataCategories: z.array(z.string().min(1)).default(['email address']),
    /** Art. 30(1)(c): whose data this is. */
    subjectCategories: z.array(z.string().min(1)).default(['subscribers']),
    /** Art. 30(1)(d): who receives the data besides the processors declared below. */
    recipients: z.array(z.string().min(1)).default([]),
    /** Art. 13(1)(d): the legitimate interest pursued, for that basis. */
    legitimateInterest: z.string().min(1).optional(),
    /** Mandatory: data without a retention period is refused (REQ-09, REQ-27). */
    retention: retentionSchema,
  })
  .superRefine((purpose, ctx) => {
    if (purpose.lawfulBasis === 'legitimate-interest' && !purpose.legitimateInterest) {
      // Art. 13(1)(d) and the record's (b): the interest pursued is stated, never blank (REQ-31).
      ctx.addIssue({
        code: 'custom',
        path: ['legitimateInterest'],
        message:
          'is required for the legitimate-interest basis (the interest pursued, Art. 13(1)(d))',
      });
    }
    if (purpose.lawfulBasis === 'soft-opt-in' && !purpose.softOptIn) {
      ctx.addIssue({
        code: 'custom',
        path: ['softOptIn'],
        message: 'is required for the soft-opt-in basis (the similar product categories)',
      });
    }
    if (
      (purpose.kind === 'marketing' ||
        purpose.kind === 'tracking' ||
        purpose.kind === 'profiling') &&
      (purpose.lawfulBasis === 'contract' || purpose.lawfulBasis === 'legal-obligation')
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['lawfulBasis'],
        message: `cannot be ${purpose.lawfulBasis} for a ${purpose.kind} purpose`,
      });
    }
    if (
      (purpose.kind === 'tracking' || purpose.kind === 'profiling') &&
      purpose.lawfulBasis !== 'consent'
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['lawfulBasis'],
        message: `must be consent for a ${purpose.kind} purpose (CNIL 2026-042, Art. 21(2))`,
      });
    }
  });

export const DEFAULT_SECURITY_MEASURES: readonly string[] = [
  'Suppressed addresses kept only as keyed hashes (HMAC-SHA256)',
  'Append-only, hash-chained consent ledger and audit log',
  'Signed, typed, expiring tokens in every mailed link',
  'TLS to email providers',
];

const mailboxSchema = z.object({ address: z.email(), name: z.string().min(1).max(200).optional() });

const contactSchema = z.object({ name: z.string().min(1), email: z.email() });

/** Loopback hosts may use plain http so a local demo works; everything else must be https. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const publicUrl = z.string().refine((text) => {
  try {
    const url = new URL(text);
    if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      return false;
    }
    return (
      url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
    );
  } catch {
    return false;
  }
}, 'must be an https URL without query or fragment (http only for localhost)');

const tokenKeySchema = z.object({
  /** Written into every token so verification picks the right key; never reuse an id. */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, 'must be 1-16 letters, digits, _ or -'),
  secret: z.string().min(32, 'must be at least 32 characters'),
});

/**
 * Key ring for signed links. The LAST key signs; every listed key verifies.
 * Rotate by appending a new key, and remove the old one only once the links
 * it signed may die (REQ-18).
 */
const tokensSchema = z.object({
  keys: z.array(tokenKeySchema).min(1, 'must list at least one key').superRefine(uniqueIds('key')),
  /** Double opt-in confirmation links. */
  confirmTtl: isoDuration.default('P7D'),
  /** Unsubscribe links: unset = they never expire, so an old mail still lets a person leave (REQ-10). */
  unsubscribeTtl: isoDuration.optional(),
  /** Preference-centre links: they can grant consent, so they do expire. */
  preferencesTtl: isoDuration.default('P1Y'),
  dsarVerifyTtl: isoDuration.default('P1D'),
  dsarDownloadTtl: isoDuration.default('P7D'),
});

const linksSchema = z.object({
  /** Where the app mounts the gdpr-mail routes, e.g. `https://example.com/gdpr`. */
  baseUrl: publicUrl,
  /** The privacy policy, the only link besides the confirm link a confirmation mail may hold. */
  privacyUrl: publicUrl.optional(),
  paths: z
    .object({
      confirm: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a path such as /confirm'),
      unsubscribe: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a path such as /u'),
      preferences: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a path such as /preferences'),
      dsarVerify: z
        .string()
        .regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a path such as /dsar/verify')
        .default('/dsar/verify'),
      dsarDownload: z
        .string()
        .regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a path such as /dsar/download')
        .default('/dsar/download'),
      repermission: z
        .string()
        .regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a path such as /re-permission')
        .default('/re-permission'),
    })
    .default({
      confirm: '/confirm',
      unsubscribe: '/u',
      preferences: '/preferences',
      dsarVerify: '/dsar/verify',
      dsarDownload: '/dsar/download',
      repermission: '/re-permission',
    }),
});

const doubleOptInSchema = z.object({
  /** Locale of the confirmation mail when neither the call nor the subject's profile gives one. */
  defaultLocale: z
    .string()
    .regex(/^[a-z]{2}$/, 'must be an ISO 639-1 code')
    .default('en'),
  /** REQ-18: pending sign-ups are rate-limited per address, over 24 hours. */
  maxRequestsPerDay: z.number().int().min(1).max(100).default(5),
  /** i18n hook: your words per locale, merged over the built-in EN / FR / DE ones. */
  messages: z
    .record(
      z.string().regex(/^[a-z]{2}$/, 'must be an ISO 639-1 code'),
      z
        .object({
          subject: z.string().min(1),
          intro: z.string().min(1),
          action: z.string().min(1),
          ignore: z.string().min(1),
          withdraw: z.string().min(1),
          privacy: z.string().min(1),
        })
        .partial(),
    )
    .optional(),
  /** Your own confirmation mail; it is linted on every request (REQ-17). */
  template: z
    .custom<ConfirmationTemplate>(
      (value) => typeof value === 'function',
      'must be a function returning { subject, text, html }',
    )
    .optional(),
});
/** A processor (sub-processor) that handles the data: an ESP, a host (SEED-09, SEED-11). */
const processorSchema = z
  .object({
    name: z.string().min(1),
    role: z.string().min(1),
    country: countryCode,
    /** Provider region, e.g. `eu-west-3` for SES. */
    region: z.string().min(1).optional(),
    /** Purpose ids it serves; all purposes when omitted. */
    purposes: z.array(z.string().min(1)).optional(),
    transferSafeguard: z.enum(TRANSFER_SAFEGUARDS).optional(),
    /** Where the data processing agreement or safeguard documentation is. */
    documentation: z.string().min(1).optional(),
  })
  .superRefine((processor, ctx) => {
    if (!isEea(processor.country) && !processor.transferSafeguard) {
      ctx.addIssue({
        code: 'custom',
        path: ['transferSafeguard'],
        message: `is required: ${processor.name} is outside the EEA (${processor.country}) and a transfer needs a Chapter V safeguard (REQ-31, SEED-11)`,
      });
    }
  });

/**
 * The literal secrets shipped in examples/ (express-app, core-demo): anyone can read
 * them, so a production config that uses one is refused.
 */
export const PUBLISHED_EXAMPLE_SECRETS: ReadonlySet<string> = new Set([
  'example-pepper-change-me-0123456789abcdef',
  'example-token-key-change-me-0123456789abcdef',
  'demo-pepper-change-me-0123456789abcdef',
  'demo-token-key-change-me-0123456789abcdef',
  'example-encryption-key-change-me-0123456789abcdef',
]);

export const configSchema = z
  .object({
    controller: z.object({
      name: z.string().min(1),
      email: z.email(),
      address: z.string().min(1).optional(),
      country: countryCode.optional(),
      dpo: contactSchema.optional(),
    }),
    secrets: z.object({
      /** Key for the keyed hashes of addresses (suppression list, subject lookup). Keep it secret and stable. */
      pepper: z.string().min(32, 'must be at least 32 characters'),
      /**
       * Key-encryption keys of the local key provider (issue #18): the first
       * wraps new data keys, the others still unwrap until `gdpr-mail keys
       * rewrap` has moved every wrap to the first. Absent: one key derived from
       * the pepper (id `pepper`), which also stays last in a configured list so
       * data written before the list existed still opens.
       */
      encryptionKeys: z
        .array(
          z.object({
            id: z.string().regex(KEY_ID_PATTERN, 'letters, digits, ".", "_" or "-" (at most 64)'),
            secret: z.string().min(32, 'must be at least 32 characters'),
          }),
        )
        .min(1)
        .superRefine(uniqueIds('encryption key'))
        .optional(),
    }),
    /** Encryption at rest and erasure journal (issue #18, REQ-34). */
    encryption: z
      .object({
        /** Where key-encryption keys come from instead of `secrets.encryptionKeys` (e.g. AWS KMS). */
        keyProvider: z
          .custom<KeyProvider>(
            (value) =>
              typeof value === 'object' &&
              value !== null &&
              typeof (value as KeyProvider).load === 'function' &&
              typeof (value as KeyProvider).kind === 'string',
            'must implement the KeyProvider interface (kind, load)',
          )
          .optional(),
        /**
         * Where erasures are remembered apart from the data, so a restored backup
         * can be erased again (`gdpr-mail erasures replay`). Default: a file in
         * `storage.dir` (memory with the in-memory store).
         */
        erasureJournal: z
          .custom<ErasureJournal>(
            (value) =>
              typeof value === 'object' &&
              value !== null &&
              typeof (value as ErasureJournal).append === 'function' &&
              typeof (value as ErasureJournal).entries === 'function',
            'must implement the ErasureJournal interface (append, entries)',
          )
          .optional(),
        /**
         * Keep the pepper-derived key (id `pepper`) in the ring after
         * `secrets.encryptionKeys` is set. Turn off once `gdpr-mail keys status`
         * shows no data key wrapped under it.
         */
        pepperKey: z.boolean().default(true),
      })
      .default({ pepperKey: true }),
    purposes: z.array(purposeSchema).min(1).superRefine(uniqueIds('purpose')),
    tokens: tokensSchema,
    links: linksSchema,
    doubleOptIn: doubleOptInSchema.default({ defaultLocale: 'en', maxRequestsPerDay: 5 }),
    processors: z.array(processorSchema).default([]),
    records: z
      .object({
        /** Art. 30(1)(g): a general description of the security measures. */
        securityMeasures: z.array(z.string().min(1)).default([...DEFAULT_SECURITY_MEASURES]),
        /** The supervisory authority a person may complain to (Art. 13(2)(d)). */
        supervisoryAuthority: z
          .object({ name: z.string().min(1), url: z.url().optional() })
          .optional(),
        /** Art. 13(2)(f): whether decisions are made solely by automated means. */
        automatedDecisions: z
          .string()
          .min(1)
          .default('None: no decision is based solely on automated processing.'),
      })
      .default({
        securityMeasures: [...DEFAULT_SECURITY_MEASURES],
        automatedDecisions: 'None: no decision is based solely on automated processing.',
      }),
    proof: z
      .object({
        /** Data minimisation: IP and user agent are kept only when you say so. */
        recordIp: z.boolean().default(false),
        recordUserAgent: z.boolean().default(false),
      })
      .default({ recordIp: false, recordUserAgent: false }),
    minors: z
      .object({
        /** Overrides of the built-in Art. 8 age table, e.g. `{ FR: 15 }`. */
        ageOfConsent: z.record(z.string(), z.number().int().min(13).max(16)).default({}),
        defaultAge: z.number().int().min(13).max(16).default(16),
        /** Whose law applies: the child's residence (default) or the controller's establishment. */
        basis: z.enum(['residence', 'establishment']).default('residence'),
        /** A subject with no recorded age bracket: treated as adult, or denied consent-based mail. */
        unknownAge: z.enum(['assume-adult', 'deny']).default('assume-adult'),
      })
      .default({
        ageOfConsent: {},
        defaultAge: 16,
        basis: 'residence',
        unknownAge: 'assume-adult',
      }),
    b2b: z
      .object({
        /** Per-country override of the B2B rule table: `opt-out` or `consent`. */
        rules: z.record(z.string(), z.enum(['opt-out', 'consent'])).default({}),
        /** Local parts treated as generic role addresses (not a person). */
        genericLocalParts: z.array(z.string().min(1)).optional(),
      })
      .default({ rules: {} }),
    tracking: z
      .object({
        /**
         * none: no pixel (default, REQ-09); aggregate: one pixel URL shared by every
         * recipient of a campaign (anonymous counts); individual: a per-recipient
         * pixel, only for people who consented to the tracking purpose (REQ-29).
         */
        mode: z.enum(['none', 'aggregate', 'individual']).default('none'),
        /** The `kind: 'tracking'` purpose whose consent individual tracking needs. */
        purposeId: z.string().min(1).optional(),
        /** Path of the pixel under links.baseUrl. */
        path: z
          .string()
          .regex(/^\/[A-Za-z0-9/_-]*$/)
          .default('/t'),
      })
      .default({ mode: 'none', path: '/t' }),
    mailer: z
      .object({
        from: mailboxSchema,
        replyTo: mailboxSchema.optional(),
        /** Adds a mailto: to List-Unsubscribe next to the HTTPS one-click URL. */
        unsubscribeMailto: z.email().optional(),
        /** Right-hand side of generated Message-IDs; defaults to the from domain. */
        messageIdDomain: z
          .string()
          .regex(/^[A-Za-z0-9.-]+$/)
          .optional(),
        retry: z
          .object({
            maxAttempts: z.number().int().min(1).max(10).default(3),
            baseDelayMs: z.number().int().min(0).default(500),
            maxDelayMs: z.number().int().min(0).default(30_000),
          })
          .default({ maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 30_000 }),
        rateLimit: z
          .object({ ratePerSecond: z.number().positive(), burst: z.number().int().positive() })
          .optional(),
        /** Messages per transport call and per policy/claim round in `sendMany`. */
        batchSize: z.number().int().min(1).max(1000).default(50),
        /**
         * Batches handed to the transport at once in `sendMany`, so its connections
         * never idle between batches. A crash can leave up to this many batches
         * `sending` (settled later by `campaigns.reconcile`): 1 narrows that window.
         */
        inFlightBatches: z.number().int().min(1).max(16).default(2),
      })
      .optional(),
    retention: z
      .object({
        /** How long a subject linked to no purpose (every box refused) is kept after their last act. */
        unlinkedFor: isoDuration.default('P1M'),
      })
      .default({ unlinkedFor: 'P1M' }),
    dsar: z
      .object({
        /** Who may run admin exports and erasures (SEED-06, SEED-08). Default: nobody. */
        authorize: z
          .custom<(actor: string, action: 'export' | 'erase') => boolean | Promise<boolean>>(
            (value) => typeof value === 'function',
            'must be a function (actor, action) => boolean',
          )
          .optional(),
        perAddressPerDay: z.number().int().min(1).default(3),
        perIpPerHour: z.number().int().min(1).default(20),
        /**
         * Builds the DSAR limiters (`dsar-per-address`, `dsar-per-ip`); default:
         * bounded in-memory ones, per process. Share them across processes with
         * `createRedisRateLimiter` / `createPostgresRateLimiter` from `@gdpr-mail/core/http`.
         */
        rateLimiters: z
          .custom<RateLimiterFactory>(
            (value) => typeof value === 'function',
            'must be a function (name, { limit, windowMs }) => RateLimiter',
          )
          .optional(),
      })
      .default({ perAddressPerDay: 3, perIpPerHour: 20 }),
    /**
     * The outbox (issue #19): the signup and DSAR routes store the accepted
     * request (sealed) and answer at once; the work that depends on what the
     * store knows runs after the answer, so response times tell nothing.
     */
    outbox: z
      .object({
        /**
         * Drain in this process right after each answer (default). false: only
         * `gdpr.outbox.drain()` runs the work, e.g. from a worker or a timer.
         */
        drainAfterResponse: z.boolean().default(true),
        /**
         * The drain after an answer starts at a random delay of up to this many
         * ms (0: right after the answer), so one request's work does not slow
         * the next request of the same client, which would tell what it found.
         */
        drainDelayMs: z.number().int().min(0).max(60_000).default(250),
        /** Claims of one item before it is dropped and recorded in the audit log. */
        maxAttempts: z.number().int().min(1).max(100).default(5),
        /** How long a claim holds an item; past it, another drainer takes it over. */
        leaseMs: z.number().int().min(1000).default(60_000),
        /** First retry delay, doubled at each attempt (at most an hour). */
        retryBaseMs: z.number().int().min(0).default(30_000),
        /**
         * A process serving the routes drains every this many ms (0: never), so
         * items left by a crash or a restart run without new traffic.
         */
        sweepMs: z.number().int().min(0).default(60_000),
      })
      .default({
        drainAfterResponse: true,
        drainDelayMs: 250,
        maxAttempts: 5,
        leaseMs: 60_000,
        retryBaseMs: 30_000,
        sweepMs: 60_000,
      }),
    /** Where mail goes: `@gdpr-mail/smtp`, `/ses`, `/mailjet`, or `InMemoryTransport` in tests. */
    transport: z
      .custom<Transport>((value) => isTransport(value), 'must implement the Transport interface')
      .optional(),
    /**
     * Where the default embedded store (PGlite, from @gdpr-mail/postgres) keeps
     * its files when no `store` is given. Relative to the working directory.
     */
    storage: z
      .object({ dir: z.string().min(1).default('.gdpr-mail') })
      .default({ dir: '.gdpr-mail' }),
    store: z
      .custom<GdprStore>((value) => isGdprStore(value), 'must implement the GdprStore interface')
      .optional(),
    /**
     * A pino-compatible logger (`{ debug, info, warn, error }`, an object first). Silent when
     * absent. Lines carry pseudonymous ids only; addresses and tokens are redacted besides.
     */
    logger: z
      .custom<GdprLogger>(
        (value) => isLogger(value),
        'must have debug, info, warn and error methods',
      )
      .optional(),
    /**
     * OpenTelemetry spans and counters through `@opentelemetry/api` when it is installed
     * (and an SDK registered). `false` turns them off whatever is installed.
     */
    telemetry: z.boolean().default(true),
    clock: z
      .custom<() => Date>(
        (value) => typeof value === 'function',
        'must be a function returning a Date',
      )
      .optional(),
  })
  .superRefine((config, ctx) => {
    config.tokens.keys.forEach((key, index) => {
      if (key.secret === config.secrets.pepper) {
        ctx.addIssue({
          code: 'custom',
          path: ['tokens', 'keys', index, 'secret'],
          message: 'must differ from secrets.pepper: one leaked secret must not give both',
        });
      }
    });
    config.secrets.encryptionKeys?.forEach((key, index) => {
      if (
        key.secret === config.secrets.pepper ||
        config.tokens.keys.some((t) => t.secret === key.secret)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['secrets', 'encryptionKeys', index, 'secret'],
          message: 'must differ from secrets.pepper and the token keys',
        });
      }
    });
    if (process.env.NODE_ENV === 'production') {
      if (!config.secrets.encryptionKeys && !config.encryption.keyProvider) {
        ctx.addIssue({
          code: 'custom',
          path: ['secrets', 'encryptionKeys'],
          message:
            "is required in production (or encryption.keyProvider): the default key derived from the pepper can never be destroyed, so copies of erased people's rows in WAL and backups would stay readable; `npx gdpr-mail keys create` prints one",
        });
      }
      config.secrets.encryptionKeys?.forEach((key, index) => {
        if (PUBLISHED_EXAMPLE_SECRETS.has(key.secret)) {
          ctx.addIssue({
            code: 'custom',
            path: ['secrets', 'encryptionKeys', index, 'secret'],
            message: 'is a secret published in the examples: set your own in production',
          });
        }
      });
      if (PUBLISHED_EXAMPLE_SECRETS.has(config.secrets.pepper)) {
        ctx.addIssue({
          code: 'custom',
          path: ['secrets', 'pepper'],
          message: 'is a secret published in the examples: set your own in production',
        });
      }
      config.tokens.keys.forEach((key, index) => {
        if (PUBLISHED_EXAMPLE_SECRETS.has(key.secret)) {
          ctx.addIssue({
            code: 'custom',
            path: ['tokens', 'keys', index, 'secret'],
            message: 'is a secret published in the examples: set your own in production',
          });
        }
      });
    }
    config.purposes.forEach((purpose, index) => {
      const missing = missingNoticeElements({
        text: purpose.notice.text,
        controllerName: config.controller.name,
      });
      if (missing.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['purposes', index, 'notice', 'text'],
          message: `the notice must state ${missing.join(' and ')} (REQ-04)`,
        });
      }
    });
    if (config.transport && !config.mailer) {
      ctx.addIssue({
        code: 'custom',
        path: ['mailer'],
        message: 'is required with a transport (at least mailer.from)',
      });
    }
    if (config.tracking.mode === 'individual') {
      const tracking = config.purposes.find((p) => p.id === config.tracking.purposeId);
      if (tracking?.kind !== 'tracking') {
        ctx.addIssue({
          code: 'custom',
          path: ['tracking', 'purposeId'],
          message:
            'must name a purpose of kind "tracking": individual tracking needs its own consent (REQ-29)',
        });
      }
    }
    const purposeIds = new Set(config.purposes.map((p) => p.id));
    config.processors.forEach((processor, index) => {
      processor.purposes?.forEach((id, j) => {
        if (!purposeIds.has(id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['processors', index, 'purposes', j],
            message: `names no declared purpose ("${id}")`,
          });
        }
      });
    });
    if (config.minors.basis === 'establishment' && !config.controller.country) {
      ctx.addIssue({
        code: 'custom',
        path: ['controller', 'country'],
        message: 'is required when minors.basis is "establishment"',
      });
    }
  });

export type GdprMailConfig = z.input<typeof configSchema>;
export type ResolvedConfig = z.output<typeof configSchema>;
export type PurposeConfig = ResolvedConfig['purposes'][number];
