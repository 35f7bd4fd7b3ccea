import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { instantSchema } from '../config/instant-schema.js';
import { formatIssues } from '../config/parse-config.js';
import type { CoreContext } from '../context.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { BreachCursor } from '../store/store-types.js';
import { withConflictRetry } from '../store/with-conflict-retry.js';
import type { BreachIncident, BreachPhase } from './breach-incident.js';
import { BREACH_RISK_LEVELS } from './breach-incident.js';

const NOTIFY_WITHIN_MS = 72 * 60 * 60 * 1000;

/** Open incidents read per page by `dueSoon`. */
const DUE_PAGE = 500;

/** Clocks of the app and its admins' browsers disagree a little: a minute is tolerated. */
const CLOCK_SKEW_MS = 60_000;

/** A date, an ISO string or epoch milliseconds; never `null` read as 1970 (a notification long before its deadline). */
const instant = instantSchema;

const openSchema = z.object({
  title: z.string().min(1).max(300),
  awareAt: instant,
  nature: z.object({
    description: z.string().min(1),
    subjectCategories: z.array(z.string().min(1)).min(1),
    approxSubjects: z.number().int().nonnegative(),
    recordCategories: z.array(z.string().min(1)).min(1),
    approxRecords: z.number().int().nonnegative(),
  }),
  contact: z.object({ name: z.string().min(1), email: z.email() }).optional(),
  likelyConsequences: z.string().min(1),
  measures: z.string().min(1),
  risk: z.enum(BREACH_RISK_LEVELS),
  encryptionException: z.boolean().default(false),
  actor: z.string().min(1).default('system'),
});
export type OpenBreachInput = z.input<typeof openSchema>;

const updateSchema = z.object({
  note: z.string().min(1),
  actor: z.string().min(1).default('system'),
  likelyConsequences: z.string().min(1).optional(),
  measures: z.string().min(1).optional(),
  risk: z.enum(BREACH_RISK_LEVELS).optional(),
  encryptionException: z.boolean().optional(),
  nature: openSchema.shape.nature.partial().optional(),
});
export type UpdateBreachInput = z.input<typeof updateSchema>;

const notifySchema = z.object({
  at: instant.optional(),
  reference: z.string().min(1).optional(),
  delayReason: z.string().min(1).optional(),
  note: z.string().min(1).optional(),
  actor: z.string().min(1).default('system'),
});
export type NotifyInput = z.input<typeof notifySchema>;

const closeSchema = z.object({
  at: instant.optional(),
  delayReason: z.string().min(1).optional(),
  note: z.string().min(1).default('closed'),
  actor: z.string().min(1).default('system'),
});
export type CloseBreachInput = z.input<typeof closeSchema>;

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new GdprMailError('VALIDATION_FAILED', 'Invalid breach register input.', {
      issues: formatIssues(result.error.issues),
    });
  }
  return result.data;
}

function invalidDate(path: string, message: string, details: Record<string, string>) {
  return new GdprMailError(
    'VALIDATION_FAILED',
    `Invalid breach register input: ${path} ${message}.`,
    {
      issues: [{ path, message }],
      details,
    },
  );
}

export interface BreachService {
  /** Opens an incident; `notifyBy` is awareAt + 72 hours (Art. 33(1)). */
  open(input: OpenBreachInput): Promise<BreachIncident>;
  /** A phased update: new facts, measures or risk as they become known (Art. 33(4)). */
  update(id: string, input: UpdateBreachInput): Promise<BreachIncident>;
  /** Records the notification to the authority; after notifyBy it needs a delay reason. */
  notifyAuthority(id: string, input?: NotifyInput): Promise<BreachIncident>;
  /** Records the communication to the people concerned (Art. 34). */
  notifySubjects(id: string, input?: NotifyInput): Promise<BreachIncident>;
  /**
   * Closes it. Refused past notifyBy without authority notice unless a delay reason is
   * given, and for a high-risk breach whose subjects were not told (unless encrypted).
   */
  close(id: string, input?: CloseBreachInput): Promise<BreachIncident>;
  get(id: string): Promise<BreachIncident>;
  /** Newest first, a page at a time: pass the last incident read as `after` for the next page. */
  list(options?: {
    status?: 'open' | 'closed';
    after?: BreachCursor;
    limit?: number;
  }): Promise<BreachIncident[]>;
  /** Open incidents whose authority notification is due within `withinMs` or overdue. */
  dueSoon(withinMs?: number): Promise<BreachIncident[]>;
}

function phase(kind: BreachPhase['kind'], at: Date, note: string, actor: string): BreachPhase {
  return { kind, at, note, actor };
}

export function createBreachService(ctx: CoreContext): BreachService {
  const { store } = ctx;

  async function load(id: string): Promise<BreachIncident> {
    const incident = await store.getBreach(id);
    if (!incident) throw new GdprMailError('BREACH_NOT_FOUND', `No breach ${id} in the register.`);
    return incident;
  }

  /** When a notification or the close happened: after awareness, and not in the future. */
  function when(incident: BreachIncident, at: Date | undefined): Date {
    const now = ctx.now();
    if (!at) return now;
    if (at.getTime() > now.getTime() + CLOCK_SKEW_MS) {
      throw invalidDate('at', 'is in the future', { at: at.toISOString() });
    }
    if (at < incident.awareAt) {
      throw invalidDate('at', 'is before awareAt', {
        at: at.toISOString(),
        awareAt: incident.awareAt.toISOString(),
      });
    }
    return at;
  }

  /** Read-modify-write with optimistic concurrency; closed incidents are read-only. */
  function change(id: string, apply: (incident: BreachIncident) => BreachIncident) {
    return withConflictRetry(async () => {
      const current = await load(id);
      if (current.status === 'closed') {
        throw new GdprMailError('BREACH_CLOSED', `Breach ${id} is closed.`);
      }
      const next = { ...apply(structuredClone(current)), version: current.version + 1 };
      await store.putBreach(next, current.version);
      return next;
    });
  }

  return {
    async open(input) {
      const data = parse(openSchema, input);
      const now = ctx.now();
      if (data.awareAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
        // The 72-hour clock runs from a moment that has happened.
        throw invalidDate('awareAt', 'is in the future', { awareAt: data.awareAt.toISOString() });
      }
      const contact = data.contact ??
        ctx.config.controller.dpo ?? {
          name: ctx.config.controller.name,
          email: ctx.config.controller.email,
        };
      const incident: BreachIncident = {
        id: randomUUID(),
        title: data.title,
        awareAt: data.awareAt,
        notifyBy: new Date(data.awareAt.getTime() + NOTIFY_WITHIN_MS),
        nature: data.nature,
        contact,
        likelyConsequences: data.likelyConsequences,
        measures: data.measures,
        risk: data.risk,
        encryptionException: data.encryptionException,
        status: 'open',
        phases: [phase('opened', now, data.title, data.actor)],
        version: 1,
      };
      await store.putBreach(incident, 0);
      ctx.events.emit('breach.recorded', {
        breachId: incident.id,
        awareAt: incident.awareAt,
        at: now,
      });
      return incident;
    },

    async update(id, input) {
      const data = parse(updateSchema, input);
      return change(id, (incident) => ({
        ...incident,
        ...(data.likelyConsequences ? { likelyConsequences: data.likelyConsequences } : {}),
        ...(data.measures ? { measures: data.measures } : {}),
        ...(data.risk ? { risk: data.risk } : {}),
        ...(data.encryptionException !== undefined
          ? { encryptionException: data.encryptionException }
          : {}),
        nature: { ...incident.nature, ...data.nature },
        phases: [...incident.phases, phase('update', ctx.now(), data.note, data.actor)],
      }));
    },

    async notifyAuthority(id, input = {}) {
      const data = parse(notifySchema, input);
      return change(id, (incident) => {
        const at = when(incident, data.at);
        const delayReason = data.delayReason ?? incident.delayReason;
        // A further notification (Art. 33(4): information in phases) keeps the first one's
        // time: that is what was in time or late, and what close() judges.
        const first = incident.authorityNotifiedAt;
        if ((first ?? at) > incident.notifyBy && !delayReason) {
          throw new GdprMailError(
            'BREACH_DELAY_REASON_REQUIRED',
            'The authority is notified more than 72 hours after awareness: give the reasons for the delay (Art. 33(1)).',
            { details: { notifyBy: incident.notifyBy.toISOString() } },
          );
        }
        return {
          ...incident,
          authorityNotifiedAt: first ?? at,
          ...(data.reference ? { authorityReference: data.reference } : {}),
          ...(delayReason ? { delayReason } : {}),
          phases: [
            ...incident.phases,
            phase('authority-notified', at, data.note ?? 'authority notified', data.actor),
          ],
        };
      });
    },

    async notifySubjects(id, input = {}) {
      const data = parse(notifySchema, input);
      return change(id, (incident) => {
        const at = when(incident, data.at);
        return {
          ...incident,
          // The first communication stays the one on record; later ones are phases.
          subjectsNotifiedAt: incident.subjectsNotifiedAt ?? at,
          phases: [
            ...incident.phases,
            phase('subjects-notified', at, data.note ?? 'data subjects notified', data.actor),
          ],
        };
      });
    },

    async close(id, input = {}) {
      const data = parse(closeSchema, input);
      return change(id, (incident) => {
        const at = when(incident, data.at);
        const delayReason = data.delayReason ?? incident.delayReason;
        const mustNotify = incident.risk !== 'unlikely';
        const late =
          mustNotify &&
          (incident.authorityNotifiedAt
            ? incident.authorityNotifiedAt > incident.notifyBy
            : at > incident.notifyBy);
        if (late && !delayReason) {
          throw new GdprMailError(
            'BREACH_DELAY_REASON_REQUIRED',
            'Closing a notifiable breach past its 72-hour deadline needs the reasons for the delay (Art. 33(1)).',
            { details: { notifyBy: incident.notifyBy.toISOString() } },
          );
        }
        if (
          incident.risk === 'high-risk' &&
          !incident.encryptionException &&
          !incident.subjectsNotifiedAt
        ) {
          throw new GdprMailError(
            'BREACH_SUBJECTS_NOT_NOTIFIED',
            'A high-risk breach cannot be closed before the people concerned are told (Art. 34), unless the data was unintelligible to others.',
          );
        }
        return {
          ...incident,
          status: 'closed' as const,
          closedAt: at,
          ...(delayReason ? { delayReason } : {}),
          phases: [...incident.phases, phase('closed', at, data.note, data.actor)],
        };
      });
    },

    get: load,

    list: (options = {}) => store.listBreaches({ ...options, limit: options.limit ?? 100 }),

    async dueSoon(withinMs = 24 * 60 * 60 * 1000) {
      if (typeof withinMs !== 'number' || !Number.isFinite(withinMs)) {
        // NaN would compare false with every deadline: an empty, reassuring answer.
        throw new GdprMailError('VALIDATION_FAILED', 'dueSoon(withinMs) takes a number of ms.');
      }
      const horizon = ctx.now().getTime() + withinMs;
      // Every open incident, a page at a time: the list is newest first, so a first page
      // alone would miss the oldest, the most overdue.
      const due: BreachIncident[] = [];
      let after: BreachCursor | undefined;
      for (;;) {
        const page = await store.listBreaches({
          status: 'open',
          limit: DUE_PAGE,
          ...(after ? { after } : {}),
        });
        for (const b of page) {
          if (b.risk !== 'unlikely' && !b.authorityNotifiedAt && b.notifyBy.getTime() <= horizon)
            due.push(b);
        }
        const last = page.at(-1);
        if (page.length < DUE_PAGE || !last) return due;
        after = { awareAt: last.awareAt, id: last.id };
      }
    },
  };
}
