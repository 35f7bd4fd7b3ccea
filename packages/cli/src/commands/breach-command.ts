import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BreachIncident, GdprMail } from '@gdpr-mail/core';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../cli-io.js';

export interface BreachOptions {
  input?: string;
  json?: boolean;
  status?: string;
}

async function readInput(io: CliIo, input: string | undefined): Promise<unknown> {
  if (!input) return {};
  const text = input.trim().startsWith('{')
    ? input
    : await readFile(resolve(io.cwd, input), 'utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError('--input must be a JSON object or the path of a JSON file.');
  }
}

function summary(b: BreachIncident): string {
  const notified = b.authorityNotifiedAt
    ? `notified ${b.authorityNotifiedAt.toISOString()}`
    : `notify by ${b.notifyBy.toISOString()}`;
  return `${b.id}  ${b.status.padEnd(6)}  ${b.risk.padEnd(9)}  ${notified}  ${b.title}`;
}

/** `gdpr-mail breach <list|due|show|open|update|notify-authority|notify-subjects|close> [id] --input <json>` */
export async function breachCommand(
  gdpr: GdprMail,
  action: string | undefined,
  id: string | undefined,
  options: BreachOptions,
  io: CliIo,
): Promise<number> {
  /** `none`: the line for an empty list, which would otherwise print a blank line. */
  const print = (value: BreachIncident | BreachIncident[], none?: string) => {
    const list = Array.isArray(value) ? value : [value];
    if (options.json) io.stdout(`${JSON.stringify(value, null, 2)}\n`);
    else if (list.length === 0 && none !== undefined) io.stdout(`${none}\n`);
    else io.stdout(`${list.map(summary).join('\n')}\n`);
  };
  const needId = () => {
    if (!id) throw new UsageError(`breach ${action} needs an incident id.`);
    return id;
  };
  switch (action) {
    case 'list': {
      const status = options.status as 'open' | 'closed' | undefined;
      if (status && status !== 'open' && status !== 'closed')
        throw new UsageError('--status is open or closed.');
      print(
        await gdpr.breaches.list(status ? { status } : {}),
        `No ${status ? `${status} ` : ''}breach incident is on record.`,
      );
      return EXIT.ok;
    }
    case 'due': {
      const due = await gdpr.breaches.dueSoon();
      print(due, 'No breach notification is due.');
      // Non-zero so a cron job can alert on incidents close to the 72-hour limit.
      return due.length > 0 ? EXIT.failed : EXIT.ok;
    }
    case 'show':
      print(await gdpr.breaches.get(needId()));
      return EXIT.ok;
    case 'open':
      print(await gdpr.breaches.open((await readInput(io, options.input)) as never));
      return EXIT.ok;
    case 'update':
      print(await gdpr.breaches.update(needId(), (await readInput(io, options.input)) as never));
      return EXIT.ok;
    case 'notify-authority':
      print(
        await gdpr.breaches.notifyAuthority(
          needId(),
          (await readInput(io, options.input)) as never,
        ),
      );
      return EXIT.ok;
    case 'notify-subjects':
      print(
        await gdpr.breaches.notifySubjects(needId(), (await readInput(io, options.input)) as never),
      );
      return EXIT.ok;
    case 'close':
      print(await gdpr.breaches.close(needId(), (await readInput(io, options.input)) as never));
      return EXIT.ok;
    default:
      throw new UsageError(
        'breach needs one of: list, due, show, open, update, notify-authority, notify-subjects, close',
      );
  }
}
