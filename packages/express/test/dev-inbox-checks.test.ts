import type { ValidatedMessage } from '@gdpr-mail/core';
import { describe, expect, it } from 'vitest';
import {
  checkOneClickMail,
  decodeHeaderWords,
  rawHeader,
} from '../../../examples/express-app/src/mail-checks.js';
import {
  createDevDkimKey,
  createMailSource,
} from '../../../examples/express-app/src/mail-source.js';

// Issue #21: the dev inbox's "verify DKIM and RFC 8058" panel must say fail when
// a mail would not get one-click unsubscribe, not only pass when it would.

const key = createDevDkimKey('shop.test', 's1');
const write = createMailSource(key);

function listMail(unsubscribeUrl: string): ValidatedMessage {
  return {
    from: { address: 'news@shop.test', name: 'Shop' },
    to: { address: 'ada@example.org' },
    subject: 'Grüße — news',
    text: 'Hello',
    html: '<p>Hello</p>',
    messageId: `<m-${Math.random()}@shop.test>`,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

const statuses = (checks: Awaited<ReturnType<typeof checkOneClickMail>>) =>
  checks.map((c) => c.status);

describe('dev inbox mail checks', () => {
  it('REQ-12: a list mail written as the SMTP transport would passes every check', async () => {
    const raw = await write(listMail('https://shop.test/gdpr/u/tok'));
    expect(statuses(await checkOneClickMail(raw, key))).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(decodeHeaderWords(rawHeader(raw, 'Subject') ?? '')).toBe('Grüße — news');
  });

  it('a header changed after signing fails both its own check and the signature', async () => {
    const raw = await write(listMail('https://shop.test/gdpr/u/tok'));
    const tampered = Buffer.from(
      raw.toString().replace('List-Unsubscribe=One-Click', 'List-Unsubscribe=Two-Clicks'),
    );
    expect(statuses(await checkOneClickMail(tampered, key))).toEqual([
      'pass',
      'fail',
      'pass',
      'fail',
    ]);
  });

  it('a signature checked against another key fails', async () => {
    const raw = await write(listMail('https://shop.test/gdpr/u/tok'));
    const other = createDevDkimKey('shop.test', 's1');
    expect((await checkOneClickMail(raw, other)).at(-1)?.status).toBe('fail');
  });

  it('http is a note on localhost and a failure anywhere else', async () => {
    const local = await write(listMail('http://localhost:3000/gdpr/u/tok'));
    expect((await checkOneClickMail(local, key))[0]?.status).toBe('note');
    const plain = await write(listMail('http://shop.test/gdpr/u/tok'));
    expect((await checkOneClickMail(plain, key))[0]?.status).toBe('fail');
  });

  it('a mail without List-Unsubscribe fails as list mail, and is a note as a mail the person asked for', async () => {
    const message = { ...listMail('https://shop.test/u'), headers: {} };
    const raw = await write(message);
    expect(statuses(await checkOneClickMail(raw, key))).toEqual(['fail', 'fail', 'fail', 'pass']);
    expect(statuses(await checkOneClickMail(raw, key, { listMail: false }))).toEqual([
      'note',
      'pass',
    ]);
  });
});
