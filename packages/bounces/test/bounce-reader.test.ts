import { createGdprMail, type GdprMail, MemoryStore } from '@gdpr-mail/core';
import { requireService, testConfig } from '@gdpr-mail/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createBounceReader,
  createMemorySoftBounceCounter,
  MALFORMED_KEYWORD,
  PROCESSED_KEYWORD,
} from '../src/index.js';
import { corpusFiles, corpusSource, EXPECTED, READER_MAPPING } from './corpus.js';
import { type Dovecot, dovecotInstalled, startDovecot } from './dovecot.js';
import { appendMail, imapOptions, uids, withImap } from './imap-helpers.js';

const dovecotGate = await requireService('dovecot-imapd (Debian package)', dovecotInstalled);

function setup(
  dovecot: Dovecot,
  extra: {
    processedMailbox?: string;
    malformedMailbox?: string;
    mailbox?: string;
    deleteProcessed?: boolean;
  } = {},
) {
  const store = new MemoryStore();
  const gdpr = createGdprMail(testConfig({ store }));
  const counter = createMemorySoftBounceCounter();
  const reader = createBounceReader({
    imap: imapOptions(dovecot),
    gdpr,
    verpAddress: READER_MAPPING.verpAddress,
    messageIdDomains: READER_MAPPING.messageIdDomains,
    softBounces: { counter, threshold: 2, secret: 'soft-bounce-test-secret-0123456789' },
    ...extra,
  });
  return { store, gdpr, reader };
}

async function suppressionAudit(store: MemoryStore) {
  return (await store.listAudit(0, 10_000)).filter((e) => e.action === 'suppression.added');
}

async function reasonOf(gdpr: GdprMail, email: string) {
  return (await gdpr.suppression.check(email))?.reason;
}

dovecotGate.describe('bounce reader against a real IMAP server (Dovecot)', () => {
  let dovecot: Dovecot;
  beforeAll(async () => {
    dovecot = await startDovecot();
  });
  afterAll(async () => {
    await dovecot?.close();
  });

  it('REQ-28: classifies every corpus sample as the table says, suppresses hard bounces and complaints, counts soft ones', async () => {
    const { store, gdpr } = setup(dovecot);
    const byUid = new Map<number, string>();
    await withImap(dovecot, async (client) => {
      await client.mailboxCreate('Corpus');
      for (const name of corpusFiles())
        byUid.set(await appendMail(client, 'Corpus', corpusSource(name)), name);
    });
    const corpusReader = createBounceReader({
      imap: imapOptions(dovecot),
      gdpr,
      mailbox: 'Corpus',
      verpAddress: READER_MAPPING.verpAddress,
      messageIdDomains: READER_MAPPING.messageIdDomains,
    });
    const report = await corpusReader.poll();
    expect(report.read).toBe(corpusFiles().length);
    for (const result of report.results) {
      const name = byUid.get(result.uid)!;
      const expected = EXPECTED[name]!;
      expect({ name, kind: result.kind, format: result.format, verdict: result.verdict }).toEqual({
        name,
        kind: expected.kind,
        format: expected.format,
        verdict: expected.verdict,
      });
      expect(result.recipients.map((r) => r.outcome)).toEqual(expected.recipients.map((r) => r[0]));
    }
    // Every hard bounce and complaint of the table is suppressed, with the webhooks' audit.
    const suppressing = Object.values(EXPECTED)
      .filter((e) => e.verdict === 'applied')
      .flatMap((e) => e.recipients)
      .filter(([outcome]) => outcome === 'hard-bounce' || outcome === 'complaint');
    for (const [outcome, email] of suppressing) {
      expect(await reasonOf(gdpr, email!)).toBe(
        outcome === 'complaint' ? 'complaint' : 'hard-bounce',
      );
    }
    const audit = await suppressionAudit(store);
    expect(audit).toHaveLength(suppressing.length);
    expect(new Set(audit.map((e) => e.actor))).toEqual(new Set(['provider:bounces']));
    // Soft bounces, the foreign DSN and the malformed ones suppress nobody.
    for (const email of [
      'full@example.org',
      'quota@example.org',
      'guarded@example.com',
      'victim@example.com',
    ]) {
      expect(await reasonOf(gdpr, email)).toBeUndefined();
    }
    expect(report.malformed).toBe(4);
    expect(report.results.filter((r) => r.verdict === 'malformed').every((r) => r.problem)).toBe(
      true,
    );
    // Everything is marked done; the malformed ones carry their own keyword too.
    await withImap(dovecot, async (client) => {
      expect(await uids(client, 'Corpus', { unKeyword: PROCESSED_KEYWORD })).toEqual([]);
      const malformed = (await uids(client, 'Corpus', { keyword: MALFORMED_KEYWORD })).map((u) =>
        byUid.get(u),
      );
      expect(malformed).toEqual(corpusFiles().filter((n) => EXPECTED[n]!.verdict === 'malformed'));
    });
    // Never processed twice: a second poll reads nothing and changes nothing.
    const again = await corpusReader.poll();
    expect(again.read).toBe(0);
    expect(await suppressionAudit(store)).toHaveLength(suppressing.length);
  });

  it('soft bounces count towards the threshold, once per mail, then suppress', async () => {
    const { gdpr, reader } = setup(dovecot, {
      processedMailbox: 'Done',
      malformedMailbox: 'Malformed',
    });
    const full = corpusSource('04-rfc3464-failed-4.2.2-mailbox-full.eml');
    await withImap(dovecot, (client) => appendMail(client, 'INBOX', full));
    const first = await reader.poll();
    expect(first.results.map((r) => r.recipients)).toEqual([
      [{ outcome: 'soft-bounce', action: 'ignored', softCount: 1 }],
    ]);
    expect(await reasonOf(gdpr, 'full@example.org')).toBeUndefined();
    // The same mail delivered again (same Message-ID): still one soft bounce.
    await withImap(dovecot, (client) => appendMail(client, 'INBOX', full));
    const replay = await reader.poll();
    expect(replay.results[0]!.recipients[0]!.softCount).toBe(1);
    // A second, different soft bounce reaches the threshold of 2.
    const second = Buffer.from(
      full
        .toString('utf8')
        .replace(
          '<20251017090000.FULL1@mx.shop.example>',
          '<20251018090000.FULL2@mx.shop.example>',
        ),
    );
    await withImap(dovecot, (client) => appendMail(client, 'INBOX', second));
    const third = await reader.poll();
    expect(third.results[0]!.recipients[0]).toEqual({
      outcome: 'soft-bounce',
      action: 'suppressed',
      softCount: 2,
      thresholdReached: true,
    });
    expect(await reasonOf(gdpr, 'full@example.org')).toBe('hard-bounce');
    await withImap(dovecot, async (client) => {
      expect(await uids(client, 'INBOX')).toEqual([]);
      expect(await uids(client, 'Done')).toHaveLength(3);
    });
  });

  it('moves malformed mails to their folder and reports them, and the reader goes on', async () => {
    const { reader } = setup(dovecot, {
      processedMailbox: 'Done2',
      malformedMailbox: 'Malformed2',
    });
    await withImap(dovecot, async (client) => {
      await appendMail(client, 'INBOX', corpusSource('25-malformed-truncated-binary.eml'));
      await appendMail(client, 'INBOX', corpusSource('01-rfc3464-postfix-user-unknown.eml'));
      await appendMail(
        client,
        'INBOX',
        corpusSource('23-malformed-report-without-status-part.eml'),
      );
    });
    const report = await reader.poll();
    expect(report.results.map((r) => r.verdict)).toEqual(['malformed', 'applied', 'malformed']);
    expect(report.malformed).toBe(2);
    await withImap(dovecot, async (client) => {
      expect(await uids(client, 'Malformed2')).toHaveLength(2);
      expect(await uids(client, 'Done2')).toHaveLength(1);
      expect(await uids(client, 'INBOX')).toEqual([]);
    });
  });

  it('REQ-25: deleteProcessed deletes each report once applied (the address leaves the mailbox), keeps malformed ones, and finishes a delete a crash left', async () => {
    const { gdpr, reader } = setup(dovecot, { mailbox: 'DeleteBox', deleteProcessed: true });
    await withImap(dovecot, async (client) => {
      await client.mailboxCreate('DeleteBox');
      await appendMail(client, 'DeleteBox', corpusSource('01-rfc3464-postfix-user-unknown.eml'));
      await appendMail(client, 'DeleteBox', corpusSource('25-malformed-truncated-binary.eml'));
    });
    const report = await reader.poll();
    expect(report.results.map((r) => r.verdict)).toEqual(['applied', 'malformed']);
    expect(report.suppressed).toBe(1);
    const [bounced] = EXPECTED['01-rfc3464-postfix-user-unknown.eml']!.recipients.map((r) => r[1]);
    expect(await reasonOf(gdpr, bounced!)).toBe('hard-bounce');
    await withImap(dovecot, async (client) => {
      // Only the malformed mail is left, marked for a person to look at.
      expect(await uids(client, 'DeleteBox')).toHaveLength(1);
      expect(await uids(client, 'DeleteBox', { keyword: MALFORMED_KEYWORD })).toHaveLength(1);
      // What a crash between the mark and the delete leaves: a marked report still there.
      const uid = await appendMail(
        client,
        'DeleteBox',
        corpusSource('05-rfc3464-5.2.2-over-quota.eml'),
      );
      const lock = await client.getMailboxLock('DeleteBox');
      try {
        await client.messageFlagsAdd(String(uid), [PROCESSED_KEYWORD], { uid: true });
      } finally {
        lock.release();
      }
    });
    const next = await reader.poll();
    expect(next.read).toBe(0);
    await withImap(dovecot, async (client) => {
      expect(await uids(client, 'DeleteBox')).toHaveLength(1);
      expect(await uids(client, 'DeleteBox', { keyword: MALFORMED_KEYWORD })).toHaveLength(1);
    });
  });

  it('a crash after the suppression and before the mark: read again, nothing doubled', async () => {
    const { store, gdpr, reader } = setup(dovecot);
    await withImap(dovecot, async (client) => {
      await appendMail(client, 'INBOX', corpusSource('12-qmail-permanent-two-recipients.eml'));
      await appendMail(client, 'INBOX', corpusSource('05-rfc3464-5.2.2-over-quota.eml'));
    });
    const first = await reader.poll();
    expect(first.suppressed).toBe(2);
    const audit = await suppressionAudit(store);
    // What a crash between apply and flag leaves: the effects, without the marks.
    await withImap(dovecot, async (client) => {
      const lock = await client.getMailboxLock('INBOX');
      try {
        await client.messageFlagsRemove('1:*', [PROCESSED_KEYWORD]);
      } finally {
        lock.release();
      }
    });
    const second = await reader.poll();
    expect(second.read).toBe(2);
    expect(second.suppressed).toBe(0);
    expect(second.alreadySuppressed).toBe(2);
    expect(second.results[1]!.recipients[0]!.softCount).toBe(1);
    expect(await suppressionAudit(store)).toEqual(audit);
    expect(await reasonOf(gdpr, 'alpha@example.com')).toBe('hard-bounce');
  });

  it('an unreachable or refusing mailbox is a typed error', async () => {
    const { gdpr } = setup(dovecot);
    const wrong = createBounceReader({
      imap: { ...imapOptions(dovecot), auth: { user: 'bounces', pass: 'wrong-password' } },
      gdpr,
    });
    await expect(wrong.poll()).rejects.toMatchObject({ code: 'PROVIDER_AUTH_FAILED' });
    const closed = createBounceReader({ imap: { ...imapOptions(dovecot), port: 1 }, gdpr });
    await expect(closed.poll()).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      retryable: true,
    });
  });
});
