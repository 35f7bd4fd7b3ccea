import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@gdpr-mail/cli';
import {
  createGdprMail,
  type DsarRequest,
  type GdprMail,
  type GdprMailConfig,
  InMemoryTransport,
  MemoryStore,
} from '@gdpr-mail/core';
import { checkboxEvidence, createTestClock, testConfig } from '@gdpr-mail/core/testing';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DSAR_PAGE_SIZE, dsarCommand } from '../src/commands/dsar-command.js';
import { captureIo } from './capture-io.js';

const ADDRESS = 'camille@example.org';
const NOW = '2026-03-01T09:00:00.000Z';
/** Where the config module finds the running test's config: runCli loads it like any app's. */
const CONFIG = Symbol.for('gdpr-mail.cli.dsar-test.config');
const globals = globalThis as unknown as Record<symbol, (() => GdprMailConfig) | undefined>;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gdpr-mail-cli-dsar-'));
  writeFileSync(
    join(dir, 'gdpr-mail.config.mjs'),
    `export default () => globalThis[Symbol.for('gdpr-mail.cli.dsar-test.config')]();\n`,
  );
});

const opened: GdprMail[] = [];
afterEach(async () => {
  globals[CONFIG] = undefined;
  await Promise.all(opened.splice(0).map((gdpr) => gdpr.close()));
});

/**
 * One memory store and clock shared by the test and every CLI run; each run gets its own
 * memory transport (closing the run's GdprMail closes it), kept to assert on what it mailed.
 */
async function setup() {
  const clock = createTestClock(NOW);
  const store = new MemoryStore();
  const transports: InMemoryTransport[] = [];
  /** Scripts the transport of the next runs (a provider failure). */
  let prepare: (transport: InMemoryTransport) => void = () => {};
  const config = () => {
    const transport = new InMemoryTransport();
    prepare(transport);
    transports.push(transport);
    return testConfig({
      store,
      clock,
      transport,
      mailer: {
        from: { address: 'privacy@acme.test' },
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      },
    });
  };
  globals[CONFIG] = config;
  const gdpr = createGdprMail(config());
  opened.push(gdpr);
  const { subjectId } = await gdpr.consent.record({
    email: ADDRESS,
    purposes: ['newsletter'],
    evidence: checkboxEvidence,
  });
  /** Stores a request of the person: received 20 Feb, due 20 Mar (20 days left, counted up), unless overridden. */
  const put = async (overrides: Partial<DsarRequest> = {}): Promise<DsarRequest> => {
    const request: DsarRequest = {
      id: randomUUID(),
      type: 'access',
      status: 'received',
      subjectId: subjectId!,
      receivedAt: new Date('2026-02-20T10:00:00.000Z'),
      dueAt: new Date('2026-03-20T10:00:00.000Z'),
      sources: {},
      steps: [{ at: new Date('2026-02-20T10:00:00.000Z'), action: 'received', actor: 'subject' }],
      version: 1,
      ...overrides,
    };
    await gdpr.store.putDsarRequest(request, 0);
    return request;
  };
  const cli = async (...args: string[]) => {
    const run = captureIo(dir);
    const before = transports.length;
    const code = await runCli(['dsar', ...args], run.io);
    // Mails to the person from this run's GdprMail, if it got as far as opening one.
    const mailed = transports.slice(before).flatMap((t) => t.sentTo(ADDRESS));
    return { code, out: run.out(), err: run.err(), mailed };
  };
  return {
    gdpr,
    clock,
    put,
    cli,
    script: (fn: (transport: InMemoryTransport) => void) => {
      prepare = fn;
    },
  };
}

const at = (iso: string) => new Date(iso);

describe('gdpr-mail dsar list', () => {
  it('prints one line per request by deadline: id, type, status, deadline, days left or overdue', async () => {
    const { put, cli } = await setup();
    const soon = await put({ type: 'erasure', status: 'identity-verified', verifiedAt: at(NOW) });
    const late = await put({
      receivedAt: at('2026-01-10T10:00:00.000Z'),
      dueAt: at('2026-02-10T10:00:00.000Z'),
    });
    const done = await put({
      status: 'completed',
      verifiedAt: at(NOW),
      completedAt: at(NOW),
      dueAt: at('2026-03-05T10:00:00.000Z'),
    });

    const list = await cli('list');
    expect(list.code).toBe(0);
    // Due 10 Feb 10:00, now 1 Mar 09:00: 18 whole days late; 20 Mar 10:00 is 19 days and an hour away.
    expect(list.out).toBe(
      [
        `${late.id}  access         received           2026-02-10  overdue 18 days`,
        `${done.id}  access         completed          2026-03-05`,
        `${soon.id}  erasure        identity-verified  2026-03-20  20 days left`,
        '',
      ].join('\n'),
    );
    // No personal data: neither the address nor the (pseudonymous) subject id.
    expect(list.out).not.toContain(ADDRESS);
    expect(list.out).not.toContain(soon.subjectId);

    const open = await cli('list', '--status', 'open');
    expect(open.out).not.toContain(done.id);
    expect(open.out.trimEnd().split('\n')).toHaveLength(2);
    const closed = await cli('list', '--status', 'closed');
    expect(closed.out.trimEnd().split('\n')).toEqual([expect.stringContaining(done.id)]);
    const verified = await cli('list', '--status', 'identity-verified');
    expect(verified.out.trimEnd().split('\n')).toEqual([expect.stringContaining(soon.id)]);
  });

  it('prints a parseable --json list without personal data', async () => {
    const { put, cli } = await setup();
    const late = await put({ dueAt: at('2026-02-10T10:00:00.000Z') });
    const done = await put({ status: 'rejected', rejectionReason: 'Manifestly unfounded' });
    const json = await cli('list', '--json');
    expect(json.code).toBe(0);
    const entries = JSON.parse(json.out);
    expect(entries).toEqual([
      {
        id: late.id,
        type: 'access',
        status: 'received',
        receivedAt: '2026-02-20T10:00:00.000Z',
        deadline: '2026-02-10T10:00:00.000Z',
        extended: false,
        overdue: true,
        daysLeft: -18,
      },
      {
        id: done.id,
        type: 'access',
        status: 'rejected',
        receivedAt: '2026-02-20T10:00:00.000Z',
        deadline: '2026-03-20T10:00:00.000Z',
        extended: false,
      },
    ]);
    expect(json.out).not.toContain(late.subjectId);
    const none = await cli('list', '--status', 'in-progress', '--json');
    expect(JSON.parse(none.out)).toEqual([]);
  });

  it('says so in one line when there is no request, and refuses an unknown --status', async () => {
    const { cli } = await setup();
    expect((await cli('list')).out).toBe('No data-subject request is on record.\n');
    expect((await cli('list', '--status', 'open')).out).toBe(
      'No open data-subject request is on record.\n',
    );
    const bad = await cli('list', '--status', 'pending');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--status is open, closed or one of: received, identity-verified');
  });

  it('pages through every request once, in deadline order, never more than a page at a time', async () => {
    const { gdpr, put } = await setup();
    const total = DSAR_PAGE_SIZE * 2 + 3;
    const requests: DsarRequest[] = [];
    for (let i = 0; i < total; i += 1) {
      // Some deadlines shared, so the page boundaries fall inside runs of equal deadlines.
      const dueAt = new Date(Date.parse('2026-03-02T00:00:00.000Z') + (i % 400) * 3_600_000);
      requests.push(await put({ dueAt }));
    }
    const expected = requests
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || (a.id < b.id ? -1 : 1))
      .map((r) => r.id);
    const list = vi.spyOn(gdpr.dsar, 'list');

    const text = captureIo(dir);
    expect(await dsarCommand(gdpr, 'list', undefined, {}, text.io)).toBe(0);
    expect(
      text
        .out()
        .trimEnd()
        .split('\n')
        .map((l) => l.split('  ')[0]),
    ).toEqual(expected);
    expect(list).toHaveBeenCalledTimes(3);
    for (const [query] of list.mock.calls) expect(query?.limit).toBe(DSAR_PAGE_SIZE);

    const json = captureIo(dir);
    expect(await dsarCommand(gdpr, 'list', undefined, { json: true }, json.io)).toBe(0);
    expect(JSON.parse(json.out()).map((e: { id: string }) => e.id)).toEqual(expected);
  });
});

describe('gdpr-mail dsar due (REQ-20)', () => {
  it('REQ-20: exits 0 with one line when nothing is overdue or due within the days', async () => {
    const { put, cli } = await setup();
    await put(); // due in 19 days
    await put({ status: 'completed', dueAt: at('2026-02-10T10:00:00.000Z') }); // late but answered
    const due = await cli('due');
    expect(due.code).toBe(0);
    expect(due.out).toBe('No open data-subject request is overdue or due within 7 days.\n');
    const json = await cli('due', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual([]);
  });

  it('REQ-20: exits 1, as breach due does, when a request is due within --days, overdue ones first and marked', async () => {
    const { put, cli } = await setup();
    const inThree = await put({ dueAt: at('2026-03-04T09:00:00.000Z') });
    const late = await put({
      type: 'erasure',
      status: 'in-progress',
      verifiedAt: at('2026-01-11T10:00:00.000Z'),
      dueAt: at('2026-02-10T10:00:00.000Z'),
    });
    await put(); // due in 19 days: not within 7

    const due = await cli('due', '--days', '7');
    expect(due.code).toBe(1);
    expect(due.out).toBe(
      [
        `${late.id}  erasure        in-progress        2026-02-10  overdue 18 days`,
        `${inThree.id}  access         received           2026-03-04  3 days left`,
        '2 open requests: 1 overdue, 1 due within 7 days.',
        '',
      ].join('\n'),
    );
    const json = await cli('due', '--json');
    expect(json.code).toBe(1);
    expect(
      JSON.parse(json.out).map((e: { id: string; overdue: boolean }) => [e.id, e.overdue]),
    ).toEqual([
      [late.id, true],
      [inThree.id, false],
    ]);

    // --days 0: only what is already late.
    const overdueOnly = await cli('due', '--days', '0');
    expect(overdueOnly.code).toBe(1);
    expect(overdueOnly.out).not.toContain(inThree.id);
    expect(overdueOnly.out).toContain('1 open request: 1 overdue, 0 due within 0 days.');
  });

  it('REQ-20: counts an extended request from its extended deadline', async () => {
    const { put, cli } = await setup();
    await put({
      dueAt: at('2026-03-02T10:00:00.000Z'),
      extendedDueAt: at('2026-05-20T10:00:00.000Z'),
      extensionReason: 'Complex',
    });
    expect((await cli('due')).code).toBe(0);
  });

  it('refuses a --days that is not a whole number from 0 to 365 (exit 2)', async () => {
    const { cli } = await setup();
    for (const days of ['x', '-1', '366', '1.5', '', '1e2', ' 7']) {
      // `--days=`: parseArgs takes `--days -1` for a missing value followed by an option.
      const run = await cli('due', `--days=${days}`);
      expect(run.code, days).toBe(2);
      expect(run.err).toContain('--days must be a whole number from 0 to 365.');
    }
  });
});

describe('gdpr-mail dsar show', () => {
  it('prints the request with its steps, or the request as JSON', async () => {
    const { put, cli } = await setup();
    const request = await put({
      status: 'identity-verified',
      verifiedAt: at('2026-02-21T10:00:00.000Z'),
      steps: [
        { at: at('2026-02-20T10:00:00.000Z'), action: 'received', actor: 'subject' },
        { at: at('2026-02-21T10:00:00.000Z'), action: 'identity-verified', actor: 'subject' },
      ],
    });
    const shown = await cli('show', request.id);
    expect(shown.code).toBe(0);
    expect(shown.out).toBe(
      [
        `Request ${request.id}`,
        '  type       access',
        '  status     identity-verified',
        `  subject    ${request.subjectId}`,
        '  received   2026-02-20T10:00:00.000Z',
        '  deadline   2026-03-20 (20 days left)',
        '  verified   2026-02-21T10:00:00.000Z',
        'Steps:',
        '  2026-02-20T10:00:00.000Z  received  subject',
        '  2026-02-21T10:00:00.000Z  identity-verified  subject',
        '',
      ].join('\n'),
    );
    expect(shown.out).not.toContain(ADDRESS);
    const json = await cli('show', request.id, '--json');
    expect(JSON.parse(json.out)).toMatchObject({
      id: request.id,
      steps: [{ action: 'received' }, { action: 'identity-verified' }],
    });
  });

  it('needs an id (exit 2); an unknown one is DSAR_NOT_FOUND (exit 1)', async () => {
    const { cli } = await setup();
    const missing = await cli('show');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('dsar show needs a request id.');
    const unknown = await cli('show', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('DSAR_NOT_FOUND: No request nope.\n');
    const action = await cli('nope');
    expect(action.code).toBe(2);
    expect(action.err).toContain('dsar needs one of: list, due, show, complete, extend, reject');
  });
});

describe('gdpr-mail dsar complete', () => {
  it('REQ-21: refuses an unverified request with DSAR_NOT_VERIFIED, exit 1, no stack, nothing changed', async () => {
    const { gdpr, put, cli } = await setup();
    const request = await put();
    const run = await cli('complete', request.id);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^DSAR_NOT_VERIFIED: The requester has not confirmed/);
    expect(run.err).not.toMatch(/\n\s+at /);
    expect(run.err).not.toContain(ADDRESS);
    expect(run.out).toBe('');
    expect(await gdpr.dsar.get(request.id)).toEqual(request);
  });

  it('completes a verified request as actor cli, or --actor; a closed one is DSAR_CLOSED', async () => {
    const { gdpr, put, cli } = await setup();
    const request = await put({
      status: 'in-progress',
      verifiedAt: at('2026-02-21T10:00:00.000Z'),
    });
    const run = await cli('complete', request.id);
    expect(run.code).toBe(0);
    expect(run.out).toBe(`${request.id}  access         completed          2026-03-20\n`);
    const after = await gdpr.dsar.get(request.id);
    expect(after).toMatchObject({ status: 'completed', completedAt: at(NOW) });
    expect(after.steps.at(-1)).toMatchObject({ action: 'completed', actor: 'cli' });

    const again = await cli('complete', request.id);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^DSAR_CLOSED: /);

    const other = await put({ status: 'in-progress', verifiedAt: at(NOW) });
    const json = await cli('complete', other.id, '--actor', 'user:dpo', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ id: other.id, status: 'completed' });
    expect((await gdpr.dsar.get(other.id)).steps.at(-1)?.actor).toBe('user:dpo');
    expect((await cli('complete')).code).toBe(2);
    expect((await cli('complete', other.id, '--actor', ' ')).code).toBe(2);
  });
});

describe('gdpr-mail dsar extend and reject (REQ-20)', () => {
  it('REQ-20: extend mails the person the new deadline and the reasons, and records it', async () => {
    const { gdpr, put, cli } = await setup();
    const request = await put();
    const run = await cli('extend', request.id, '--reason', 'Many requests at once');
    expect(run.code).toBe(0);
    expect(run.out).toBe(
      `${request.id}  access         received           2026-05-20  81 days left\nThe person was mailed the new deadline and the reasons.\n`,
    );
    expect(run.mailed).toHaveLength(1);
    expect(run.mailed[0]?.message.text).toContain('Many requests at once');
    const after = await gdpr.dsar.get(request.id);
    // Three months after receipt (20 Feb).
    expect(after.extendedDueAt).toEqual(at('2026-05-20T10:00:00.000Z'));
    expect(after.steps.slice(-2)).toMatchObject([
      { action: 'notice-mailed', actor: 'system' },
      { action: 'extended', actor: 'cli', detail: 'Many requests at once' },
    ]);

    // Once only.
    const again = await cli('extend', request.id, '--reason', 'Still more');
    expect(again.code).toBe(1);
    expect(again.err).toBe('DSAR_EXTENSION_REFUSED: The request was already extended.\n');
    expect(again.mailed).toHaveLength(0);
  });

  it('REQ-20: extend --no-notify mails nothing and records that no notice was mailed', async () => {
    const { gdpr, put, cli } = await setup();
    const request = await put();
    const run = await cli('extend', request.id, '--reason', 'Complex', '--no-notify', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ id: request.id, extensionReason: 'Complex' });
    expect(run.mailed).toHaveLength(0);
    expect((await gdpr.dsar.get(request.id)).steps.at(-2)?.action).toBe('notice-not-mailed');
  });

  it('REQ-20: an extension decided after the first month is DSAR_EXTENSION_REFUSED, nothing mailed', async () => {
    const { put, cli } = await setup();
    const request = await put({
      receivedAt: at('2026-01-10T10:00:00.000Z'),
      dueAt: at('2026-02-10T10:00:00.000Z'),
    });
    const run = await cli('extend', request.id, '--reason', 'Too late');
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^DSAR_EXTENSION_REFUSED: An extension must be decided/);
    expect(run.mailed).toHaveLength(0);
  });

  it('REQ-20: reject mails the person the reasons and how to complain; --no-notify mails nothing', async () => {
    const { gdpr, put, cli } = await setup();
    const request = await put();
    const run = await cli('reject', request.id, '--reason', 'Manifestly excessive');
    expect(run.code).toBe(0);
    expect(run.out).toBe(
      `${request.id}  access         rejected           2026-03-20\nThe person was mailed the reasons and how to complain.\n`,
    );
    expect(run.mailed).toHaveLength(1);
    expect(run.mailed[0]?.message.text).toContain('Manifestly excessive');
    expect(run.mailed[0]?.message.text).toContain('right to lodge a complaint');
    expect(await gdpr.dsar.get(request.id)).toMatchObject({
      status: 'rejected',
      rejectionReason: 'Manifestly excessive',
    });

    const told = await put();
    const quiet = await cli('reject', told.id, '--reason', 'Told by phone', '--no-notify');
    expect(quiet.code).toBe(0);
    expect(quiet.out).toContain('No notice was mailed (--no-notify)');
    expect(quiet.mailed).toHaveLength(0);
    const after = await gdpr.dsar.get(told.id);
    expect(after.steps.slice(-2)).toMatchObject([
      { action: 'notice-not-mailed' },
      { action: 'rejected', actor: 'cli' },
    ]);
    const closed = await cli('reject', told.id, '--reason', 'Again');
    expect(closed.code).toBe(1);
    expect(closed.err).toMatch(/^DSAR_CLOSED: /);
  });

  it('needs an id and a --reason (exit 2), and changes nothing without them', async () => {
    const { gdpr, put, cli } = await setup();
    const request = await put();
    for (const action of ['extend', 'reject']) {
      const missing = await cli(action, request.id);
      expect(missing.code).toBe(2);
      expect(missing.err).toContain(`dsar ${action} needs --reason <text>`);
      expect((await cli(action, request.id, '--reason', '  ')).code).toBe(2);
      const noId = await cli(action, '--reason', 'Complex');
      expect(noId.code).toBe(2);
      expect(noId.err).toContain(`dsar ${action} needs a request id.`);
    }
    expect(await gdpr.dsar.get(request.id)).toEqual(request);
  });

  it('REQ-20: a notice that cannot leave is reported as its typed error and records nothing', async () => {
    const { gdpr, put, cli, script } = await setup();
    const request = await put();
    script((transport) => transport.failFor(ADDRESS, 'transient', { retryable: true }));
    const failed = await cli('extend', request.id, '--reason', 'Complex');
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/^PROVIDER_UNAVAILABLE: /);
    expect(failed.err).not.toContain(ADDRESS);
    script(() => {});

    await gdpr.suppression.add(ADDRESS, 'hard-bounce');
    const suppressed = await cli('reject', request.id, '--reason', 'Unfounded');
    expect(suppressed.code).toBe(1);
    expect(suppressed.err).toMatch(/^SUPPRESSED: The notice was not mailed/);
    expect(suppressed.err).not.toContain(ADDRESS);
    expect(await gdpr.dsar.get(request.id)).toEqual(request);
  });
});

describe('gdpr-mail dsar in the help', () => {
  it('lists the actions and says extend and reject mail the person unless --no-notify', async () => {
    const help = captureIo(tmpdir());
    expect(await runCli(['--help'], help.io)).toBe(0);
    const section =
      help.out().split('\n  dsar <action> [id]')[1]?.split('\n  keys create')[0] ?? '';
    expect(section).toContain('list [--status open|closed|<status>], due, show <id>');
    expect(section).toContain('--days <n>');
    expect(section).toContain('--reason <text>');
    expect(section).toMatch(/--no-notify\s+extend, reject: mail no notice/);
    expect(section).toContain('without it the person is mailed');
    expect(section).toContain('--actor <id>');
  });
});
