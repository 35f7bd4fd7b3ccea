// Copied into the fresh app of tests/install/doc-samples.test.ts, next to the config and
// `.env` that `gdpr-mail init` wrote there. Each doc sample runs in its own process and
// imports this first: it gives the names the guides take as given (scripts/doc-snippets.mjs)
// real values, built only from the installed packages and the init config.
import 'reflect-metadata';
import { Writable } from 'node:stream';
import { createGdprMail } from '@gdpr-mail/core';
import { createSmtpTransport } from '@gdpr-mail/smtp';
import express from 'express';
import initConfig from './gdpr-mail.config.mjs';

/** What went out through the local smtp-server, in order: the person's mailbox. */
const mailed = [];

/** The token of the gdpr-mail link in a mail: links are `${baseUrl}/…/${token}`. */
function linkToken(message) {
  const base = initConfig.links.baseUrl;
  const url = `${message.text ?? ''}\n${message.html ?? ''}`
    .split(/[\s"<>]+/)
    .find((word) => word.startsWith(`${base}/`));
  return url?.slice(url.lastIndexOf('/') + 1);
}

const smtp = createSmtpTransport({
  host: process.env.SMTP_HOST,
  port: Number(process.env.SMTP_PORT),
  ignoreTLS: true,
  processor: { name: 'Local relay', role: 'email delivery', country: 'FR' },
});
// The SMTP driver as it is, but keeping a copy of each message, so a sample's
// "token from the mailed link" is the link really mailed.
const transport = new Proxy(smtp, {
  get(target, property) {
    if (property === 'send')
      return (message, options) => {
        mailed.push(message);
        return target.send(message, options);
      };
    if (property === 'sendBatch')
      return (messages, options) => {
        mailed.push(...messages);
        return target.sendBatch(messages, options);
      };
    const value = Reflect.get(target, property);
    return typeof value === 'function' ? value.bind(target) : value;
  },
});

const config = {
  ...initConfig,
  // One store folder per sample (the test's STORE_DIR): samples do not see each other.
  storage: { dir: process.env.STORE_DIR },
  purposes: [
    ...initConfig.purposes,
    {
      id: 'partners',
      title: 'Offers from our partners',
      lawfulBasis: 'consent',
      notice: {
        version: '1.0',
        text: 'Your Company SAS emails you offers from its partners. You can withdraw at any time.',
      },
      retention: { duration: 'P2Y', anchor: 'last-interaction', action: 'delete' },
    },
  ],
  transport,
  mailer: {
    from: { address: 'news@example.com', name: 'Your Company' },
    retry: { maxAttempts: 1 },
  },
};

let instance;
const email = 'ada@example.org';
const tokens = {};

function define(name, get) {
  Object.defineProperty(globalThis, name, { get, configurable: true });
}
define('config', () => config);
define('gdpr', () => {
  instance ??= createGdprMail(config);
  return instance;
});
define('email', () => email);
define('app', () => {
  tokens.app ??= express();
  return tokens.app;
});
define('req', () => ({
  ip: '198.51.100.7',
  get: (header) => (header.toLowerCase() === 'user-agent' ? 'Mozilla/5.0 (doc sample)' : undefined),
}));
define('res', () => {
  tokens.res ??= new Writable({ write: (_chunk, _encoding, done) => done() });
  return tokens.res;
});
// A token "from the link": the one in the last mail sent, else the unsubscribe link of `email`.
for (const name of ['token', 'downloadToken', 'erasureToken'])
  define(name, () => {
    const last = mailed.at(-1);
    return (last && linkToken(last)) ?? tokens.unsubscribe;
  });
define('prefToken', () => tokens.preferences);

/**
 * Before a sample that acts on a person (`uses`: it names `email` or a token):
 * `email` has consented to both purposes, and the unsubscribe and preference
 * tokens of its links are ready.
 */
export async function setup(uses) {
  if (!uses) return;
  await globalThis.gdpr.consent.choices({
    email,
    choices: { newsletter: true, partners: true },
    evidence: { action: 'affirmative', method: 'checkbox', source: 'signup-form' },
  });
  const last = (url) => url.slice(url.lastIndexOf('/') + 1);
  tokens.unsubscribe = last(await globalThis.gdpr.links.unsubscribeUrl(email, ['newsletter']));
  tokens.preferences = last(await globalThis.gdpr.links.preferencesUrl(email));
}

/** After the sample: close what the harness opened, and end the process (a sample's own
 * instance may keep a pool open; the sample has done its work). */
export async function teardown() {
  await instance?.close();
  await smtp.close?.();
  console.log(`doc sample done: ${mailed.length} mail(s) sent`);
  process.exit(0);
}
