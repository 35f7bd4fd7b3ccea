import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@gdpr-mail/cli';
import { createGdprMail } from '@gdpr-mail/core';
import { requireService, testConfig } from '@gdpr-mail/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { corpusSource } from '../../bounces/test/corpus.js';
import { type Dovecot, dovecotInstalled, startDovecot } from '../../bounces/test/dovecot.js';
import { appendMail, imapOptions, withImap } from '../../bounces/test/imap-helpers.js';
import { captureIo } from './capture-io.js';

const dovecotGate = await requireService('dovecot-imapd (Debian package)', dovecotInstalled);

let dir: string;
let dovecot: Dovecot;
const config = testConfig();

const io = () => captureIo(dir);

dovecotGate.describe('gdpr-mail bounces poll', () => {
  beforeAll(async () => {
    dovecot = await startDovecot();
    dir = mkdtempSync(join(tmpdir(), 'gdpr-mail-cli-bounces-'));
    config.storage = { dir: join(dir, 'store') };
    writeFileSync(
      join(dir, 'gdpr-mail.config.mjs'),
      `export default ${JSON.stringify(config)};\nexport const bounces = ${JSON.stringify({
        imap: imapOptions(dovecot),
        messageIdDomains: ['mail.shop.example'],
        processedMailbox: 'Done',
      })};\n`,
    );
    writeFileSync(join(dir, 'plain.config.mjs'), `export default ${JSON.stringify(config)};\n`);
  });
  afterAll(async () => {
    await dovecot?.close();
  });

  it('reads the mailbox once, suppresses the hard bounce, reports the malformed mail', async () => {
    await withImap(dovecot, async (client) => {
      await appendMail(client, 'INBOX', corpusSource('01-rfc3464-postfix-user-unknown.eml'));
      await appendMail(
        client,
        'INBOX',
        corpusSource('23-malformed-report-without-status-part.eml'),
      );
      await appendMail(client, 'INBOX', corpusSource('19-auto-reply-out-of-office.eml'));
    });
    const first = io();
    expect(await runCli(['bounces', 'poll'], first.io)).toBe(0);
    expect(first.out()).toContain(
      'Read 3 mails: 1 suppressed, 0 already suppressed, 0 soft bounces, 1 malformed.',
    );
    expect(first.out()).toMatch(/malformed: uid \d+ \(no delivery-status part\)/);
    expect(first.out()).not.toContain('@');
    const second = io();
    expect(await runCli(['bounces', 'poll', '--json'], second.io)).toBe(0);
    expect(JSON.parse(second.out())).toMatchObject({ read: 0, suppressed: 0 });
    // The store the CLI used (PGlite in the folder), not testConfig's hidden memory store.
    const gdpr = createGdprMail(JSON.parse(JSON.stringify(config)));
    try {
      expect((await gdpr.suppression.check('nobody@example.org'))?.reason).toBe('hard-bounce');
    } finally {
      await gdpr.close();
    }
    // Three cold starts of the embedded PGlite store (two CLI runs and the check).
  }, 120_000);

  it('is a usage error without a `bounces` export or an action', async () => {
    const missing = io();
    expect(await runCli(['bounces', 'poll', '--config', 'plain.config.mjs'], missing.io)).toBe(2);
    expect(missing.err()).toContain('needs a `bounces` export');
    const noAction = io();
    expect(await runCli(['bounces'], noAction.io)).toBe(2);
    expect(noAction.err()).toContain('bounces needs: poll');
  });
});
