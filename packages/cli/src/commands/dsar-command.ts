import type { DsarCursor, DsarRequest, DsarStatus, GdprMail } from '@gdpr-mail/core';
import { DSAR_OPEN_STATUSES, DSAR_STATUSES, daysUntil, dsarDeadline } from '@gdpr-mail/core';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../cli-io.js';
import { count } from '../plural.js';

export interface DsarCommandOptions {
  json?: boolean;
  status?: string;
  days?: string;
  reason?: string;
  actor?: string;
  'no-notify'?: boolean;
}

/** Requests read per call to `gdpr.dsar.list`: a register of any size is printed a page at a time. */
export const DSAR_PAGE_SIZE = 500;

// What `--status closed` lists: every status core does not count as open.
const CLOSED: readonly DsarStatus[] = DSAR_STATUSES.filter((s) => !DSAR_OPEN_STATUSES.includes(s));

const DAY_MS = 86_400_000;

/**
 * Whole days to the deadline, counted up (due in two hours is 1 day left), as core and the
 * privacy console count them; zero or less once the deadline has passed.
 */
function daysLeft(request: DsarRequest, now: Date): number {
  // `|| 0`: a deadline passed less than a day ago gives -0, which would print as "-0".
  return daysUntil(dsarDeadline(request), now) || 0;
}

/** Past the deadline, as core's `overdue()` decides it (a deadline of exactly now is past). */
function isOverdue(request: DsarRequest, now: Date): boolean {
  return (
    DSAR_OPEN_STATUSES.includes(request.status) && dsarDeadline(request).getTime() <= now.getTime()
  );
}

/** What `list` and `due` print of a request: no address, not even the pseudonymous subject id. */
function entry(request: DsarRequest, now: Date) {
  const open = DSAR_OPEN_STATUSES.includes(request.status);
  return {
    id: request.id,
    type: request.type,
    status: request.status,
    receivedAt: request.receivedAt,
    deadline: dsarDeadline(request),
    extended: request.extendedDueAt !== undefined,
    ...(open ? { overdue: isOverdue(request, now), daysLeft: daysLeft(request, now) } : {}),
  };
}

function timing(request: DsarRequest, now: Date): string {
  if (!DSAR_OPEN_STATUSES.includes(request.status)) return '';
  const left = daysLeft(request, now);
  if (!isOverdue(request, now)) return `${count(left, 'day')} left`;
  return left === 0 ? 'overdue less than a day' : `overdue ${count(-left, 'day')}`;
}

function line(request: DsarRequest, now: Date): string {
  const deadline = dsarDeadline(request).toISOString().slice(0, 10);
  // Padded to the longest type (rectification) and status (identity-verified).
  return `${request.id}  ${request.type.padEnd(13)}  ${request.status.padEnd(17)}  ${deadline}  ${timing(request, now)}`.trimEnd();
}

/**
 * Every request matching `query`, by deadline, a page at a time (keyset on the deadline and
 * id): core's `overdue()` and `dueSoon()` stop at 1000 requests, which a cron alert must not.
 */
async function* pages(
  gdpr: GdprMail,
  query: { status?: readonly DsarStatus[]; dueBefore?: Date },
): AsyncIterable<DsarRequest[]> {
  let after: DsarCursor | undefined;
  for (;;) {
    const page = await gdpr.dsar.list({
      ...query,
      limit: DSAR_PAGE_SIZE,
      ...(after ? { after } : {}),
    });
    const last = page.at(-1);
    if (last) yield page;
    if (!last || page.length < DSAR_PAGE_SIZE) return;
    after = { dueAt: dsarDeadline(last), id: last.id };
  }
}

/**
 * Prints the pages as they come: one line per request, or one JSON array written in pieces
 * (still a single parseable document). Returns how many were printed and how many overdue.
 */
async function printPages(
  requests: AsyncIterable<DsarRequest[]>,
  now: Date,
  options: { json: boolean; none: string },
  io: CliIo,
): Promise<{ printed: number; overdue: number }> {
  let printed = 0;
  let overdue = 0;
  for await (const page of requests) {
    if (options.json) {
      const items = page.map((r) => JSON.stringify(entry(r, now)));
      io.stdout(`${printed === 0 ? '[\n' : ',\n'}${items.join(',\n')}`);
    } else {
      io.stdout(`${page.map((r) => line(r, now)).join('\n')}\n`);
    }
    printed += page.length;
    overdue += page.filter((r) => isOverdue(r, now)).length;
  }
  if (options.json) io.stdout(printed === 0 ? '[]\n' : '\n]\n');
  else if (printed === 0) io.stdout(`${options.none}\n`);
  return { printed, overdue };
}

function statusFilter(status: string | undefined): readonly DsarStatus[] | undefined {
  if (status === undefined) return undefined;
  if (status === 'open') return DSAR_OPEN_STATUSES;
  if (status === 'closed') return CLOSED;
  const one = DSAR_STATUSES.find((s) => s === status);
  if (!one) {
    throw new UsageError(`--status is open, closed or one of: ${DSAR_STATUSES.join(', ')}.`);
  }
  return [one];
}

function parseDays(text: string | undefined): number {
  if (text === undefined) return 7;
  // A regex, not Number(): Number('') is 0 and Number('1e2') is 100.
  const days = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(days >= 0 && days <= 365))
    throw new UsageError('--days must be a whole number from 0 to 365.');
  return days;
}

/** The request with its steps; the subject id is shown, being pseudonymous, never an address. */
function show(request: DsarRequest, now: Date, io: CliIo): void {
  const date = (at: Date) => at.toISOString().slice(0, 10);
  const left = timing(request, now);
  const rows: [string, string | undefined][] = [
    ['type', request.type],
    ['status', request.status],
    ['subject', request.subjectId],
    ['received', request.receivedAt.toISOString()],
    ['deadline', `${date(dsarDeadline(request))}${left ? ` (${left})` : ''}`],
    [
      'extended',
      request.extendedDueAt
        ? `from ${date(request.dueAt)}: ${request.extensionReason ?? ''}`.trimEnd()
        : undefined,
    ],
    ['verified', request.verifiedAt?.toISOString()],
    ['closed', request.completedAt?.toISOString()],
    ['refused', request.rejectionReason],
  ];
  const lines = [
    `Request ${request.id}`,
    ...rows.flatMap(([label, value]) =>
      value === undefined ? [] : [`  ${label.padEnd(9)}  ${value}`],
    ),
    'Steps:',
    ...request.steps.map(
      (s) => `  ${s.at.toISOString()}  ${s.action}  ${s.actor}${s.detail ? `  ${s.detail}` : ''}`,
    ),
  ];
  io.stdout(`${lines.join('\n')}\n`);
}

/** `gdpr-mail dsar <list|due|show|complete|extend|reject> [id]`: data-subject requests (REQ-20). */
export async function dsarCommand(
  gdpr: GdprMail,
  action: string | undefined,
  id: string | undefined,
  options: DsarCommandOptions,
  io: CliIo,
): Promise<number> {
  const json = options.json ?? false;
  const now = () => gdpr.config.clock?.() ?? new Date();
  const needId = () => {
    if (!id) throw new UsageError(`dsar ${action} needs a request id.`);
    return id;
  };
  const needReason = () => {
    const reason = options.reason?.trim();
    if (!reason)
      throw new UsageError(`dsar ${action} needs --reason <text>: it is told to the person.`);
    return reason;
  };
  const actor = () => {
    if (options.actor === undefined) return 'cli';
    if (!options.actor.trim()) throw new UsageError('--actor must not be empty.');
    return options.actor;
  };
  /** A changed request: in full with --json, else its line and what the person was told. */
  const changed = (request: DsarRequest, told?: string) => {
    if (json) io.stdout(`${JSON.stringify(request, null, 2)}\n`);
    else io.stdout(`${line(request, now())}\n${told ? `${told}\n` : ''}`);
    return EXIT.ok;
  };
  switch (action) {
    case 'list': {
      const status = statusFilter(options.status);
      const at = now();
      await printPages(
        pages(gdpr, status ? { status } : {}),
        at,
        {
          json,
          none: `No ${options.status ? `${options.status} ` : ''}data-subject request is on record.`,
        },
        io,
      );
      return EXIT.ok;
    }
    case 'due': {
      const days = parseDays(options.days);
      const at = now();
      const within = count(days, 'day');
      // By deadline, so the overdue ones come first.
      const { printed, overdue } = await printPages(
        pages(gdpr, {
          status: DSAR_OPEN_STATUSES,
          dueBefore: new Date(at.getTime() + days * DAY_MS),
        }),
        at,
        { json, none: `No open data-subject request is overdue or due within ${within}.` },
        io,
      );
      if (!json && printed > 0) {
        io.stdout(
          `${count(printed, 'open request')}: ${overdue} overdue, ${printed - overdue} due within ${within}.\n`,
        );
      }
      // Non-zero so a cron job can alert, as `breach due` does.
      return printed > 0 ? EXIT.failed : EXIT.ok;
    }
    case 'show': {
      const request = await gdpr.dsar.get(needId());
      if (json) io.stdout(`${JSON.stringify(request, null, 2)}\n`);
      else show(request, now(), io);
      return EXIT.ok;
    }
    case 'complete': {
      const requestId = needId();
      return changed(await gdpr.dsar.complete(requestId, actor()));
    }
    case 'extend':
    case 'reject': {
      const requestId = needId();
      const reason = needReason();
      const by = actor();
      const notify = !options['no-notify'];
      const request =
        action === 'extend'
          ? await gdpr.dsar.extend(requestId, reason, by, { notify })
          : await gdpr.dsar.reject(requestId, reason, by, { notify });
      const told = !notify
        ? 'No notice was mailed (--no-notify); the request records that none was.'
        : action === 'extend'
          ? 'The person was mailed the new deadline and the reasons.'
          : 'The person was mailed the reasons and how to complain.';
      return changed(request, told);
    }
    default:
      throw new UsageError('dsar needs one of: list, due, show, complete, extend, reject');
  }
}
