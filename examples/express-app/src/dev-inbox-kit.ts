import type { GdprMail, SystemMailKind, ValidatedMessage } from '@gdpr-mail/core';
import { InMemoryTransport, isGdprMailError } from '@gdpr-mail/core';
import { html, layout } from '@gdpr-mail/core/http';
import type { MailCheck } from './mail-checks.js';
import { checkOneClickMail, decodeHeaderWords, rawHeader } from './mail-checks.js';
import type { DevDkimKey } from './mail-source.js';
import { createDevDkimKey, createMailSource } from './mail-source.js';

// The dev inbox without a framework: the Express router (dev-inbox.ts) and the Nest
// example's controller both serve these pages.

export interface InboxMail {
  id: number;
  from: string;
  to: string;
  subject: string;
  text?: string;
  html?: string;
  headers: Readonly<Record<string, string>>;
  /** The purpose or system-mail kind the mailer tagged it with. */
  kind: string;
  receivedAt: Date;
}

/**
 * A transport for development: the real mailer pipeline runs (policy, headers,
 * claims, audit) but mails stay in memory and show on /dev/inbox, so the whole
 * flow runs without an SMTP server. Each mail is also written out as an SMTP
 * transport would send it, DKIM-signed with a key made at start-up, so its
 * headers and its RFC 8058 one-click unsubscribe can be checked. Never use it
 * in production.
 */
export interface DevInbox {
  transport: InMemoryTransport;
  readonly mails: InboxMail[];
  /** The DKIM key the inbox signs with, and its DNS record. */
  readonly dkim: DevDkimKey;
  /** The raw message (RFC 5322, DKIM-signed) of mail `id`. */
  source(id: number): Promise<Buffer | undefined>;
}

function mailboxText(m: ValidatedMessage['from']): string {
  return m.name ? `${m.name} <${m.address}>` : m.address;
}

export function createDevInbox(): DevInbox {
  const transport = new InMemoryTransport({
    processor: {
      name: 'Dev inbox (in memory)',
      role: 'email delivery (development)',
      country: 'FR',
    },
  });
  const dkim = createDevDkimKey();
  const write = createMailSource(dkim);
  const receivedAt = new Map<string, Date>();
  const sources = new Map<string, Promise<Buffer>>();
  return {
    transport,
    dkim,
    get mails() {
      return transport.sent.map((sent, i) => {
        const m = sent.message;
        const at = receivedAt.get(sent.providerMessageId) ?? new Date();
        receivedAt.set(sent.providerMessageId, at);
        return {
          id: i + 1,
          from: mailboxText(m.from),
          to: m.to.address,
          subject: m.subject,
          ...(m.text === undefined ? {} : { text: m.text }),
          ...(m.html === undefined ? {} : { html: m.html }),
          headers: m.headers,
          kind: m.tags?.[0] ?? 'mail',
          receivedAt: at,
        };
      });
    },
    source(id) {
      const sent = transport.sent[id - 1];
      if (!sent) return Promise.resolve(undefined);
      // Written once: the signature (and its timestamp) stays the one first shown.
      let raw = sources.get(sent.providerMessageId);
      if (!raw) {
        raw = write(sent.message);
        sources.set(sent.providerMessageId, raw);
      }
      return raw;
    },
  };
}

/** The lists and the raw source fit a 375 px screen: long values wrap, nothing scrolls sideways. */
const INBOX_STYLE = `ul.mails{list-style:none;padding:0}ul.mails li{padding:.5rem 0;border-bottom:1px solid #ddd}
ul.mails small{display:block;color:#444}.note{background:#eef2fb;padding:.5rem .75rem}
dl.headers{display:grid;grid-template-columns:minmax(6rem,max-content) 1fr;gap:.25rem .75rem}
dl.headers dt{font-weight:600}dl.headers dd{margin:0;font-family:ui-monospace,monospace;font-size:.85rem;overflow-wrap:anywhere}
.checks{list-style:none;padding:0}.checks li{margin:.4rem 0;padding:.4rem .6rem;border-left:4px solid #767676}
.checks .pass{border-color:#1b7a3a}.checks .fail{border-color:#a00}.checks .note{border-color:#8a5a00}
.status{font-weight:700}.checks small{display:block;color:#444;overflow-wrap:anywhere}
pre.raw{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.75rem;background:#f6f6f6;padding:.75rem;max-height:30rem;overflow-y:auto}
iframe{width:100%;height:28rem;border:1px solid #ccc}
input[type=email]{margin-bottom:.5rem}
@media (max-width:30rem){dl.headers{grid-template-columns:1fr}dl.headers dd{margin-bottom:.4rem}}`;

export function inboxPage(inbox: DevInbox, note: string | undefined): string {
  // A list, not a table: at 375 px four columns leave a subject a word per line.
  const items = [...inbox.mails].reverse().map(
    (mail) => html`<li><a href="/dev/inbox/${mail.id}">${mail.subject}</a>
<small>to ${mail.to} · ${mail.kind} · ${mail.receivedAt.toISOString().slice(11, 19)} UTC</small></li>`,
  );
  return layout({
    locale: 'en',
    title: 'Dev inbox',
    style: INBOX_STYLE,
    body: html`<p>Every mail the app sends lands here (development only). <a href="/">Home</a></p>
${note ? html`<p role="status" class="note">${note}</p>` : ''}
${
  inbox.mails.length === 0
    ? html`<p>No mail yet: <a href="/gdpr/signup">sign up</a> first.</p>`
    : html`<h2>Mails, newest first</h2>
<ul class="mails">${items}</ul>`
}
<h2>Send the newsletter</h2>
<p><code>gdpr.mailer.send()</code> asks the consent policy first: only a confirmed subscriber gets it.</p>
<form method="post" action="/dev/newsletter">
<label for="to">Address of a confirmed subscriber</label>
<input type="email" id="to" name="email" required>
<button type="submit">Send the newsletter</button>
</form>`,
  });
}

/** The header fields this product is about, read from the raw source as a receiver would. */
const SHOWN_HEADERS = [
  'From',
  'To',
  'Subject',
  'Date',
  'Message-ID',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'DKIM-Signature',
];

/** The mails a person asks for: no List-Unsubscribe by design (every kind, or this fails to compile). */
const SYSTEM_KINDS: Record<SystemMailKind, true> = {
  'double-opt-in': true,
  'dsar-verify': true,
  'dsar-ready': true,
  'dsar-extended': true,
  'dsar-refused': true,
  're-permission': true,
};

const STATUS_WORDS: Record<MailCheck['status'], string> = {
  pass: 'Pass',
  fail: 'Fail',
  note: 'Note',
};

/**
 * One mail: its headers, the "verify DKIM and RFC 8058" panel (the checks the
 * SMTP tests make, see mail-checks.ts), the HTML body and the raw source.
 */
export async function mailPage(inbox: DevInbox, id: number): Promise<string | undefined> {
  const mail = inbox.mails.find((m) => m.id === id);
  const raw = await inbox.source(id);
  if (!mail || !raw) return undefined;
  const checks = await checkOneClickMail(raw, inbox.dkim, {
    listMail: !Object.hasOwn(SYSTEM_KINDS, mail.kind),
  });
  const failed = checks.filter((c) => c.status === 'fail').length;
  const headers = SHOWN_HEADERS.map((name) => {
    const value = rawHeader(raw, name);
    return html`<dt>${name}</dt><dd>${value === undefined ? '(none)' : decodeHeaderWords(value)}</dd>`;
  });
  return layout({
    locale: 'en',
    title: mail.subject,
    style: INBOX_STYLE,
    body: html`<p><a href="/dev/inbox">Back to the dev inbox</a> · <a href="/">Home</a></p>
<h2>Headers</h2>
<dl class="headers">${headers}</dl>
<h2 id="verify">Verify DKIM and RFC 8058</h2>
<p>What a mailbox provider checks before it offers one-click unsubscribe. The DKIM key is made
when the app starts; its DNS record would be <code>${inbox.dkim.keySelector}._domainkey.${inbox.dkim.domainName}</code>.</p>
<p role="status" class="note">${failed === 0 ? 'No check failed.' : `${failed} check${failed === 1 ? '' : 's'} failed.`}</p>
<ul class="checks" aria-labelledby="verify">${checks.map(
      (c) =>
        html`<li class="${c.status}"><span class="status">${STATUS_WORDS[c.status]}:</span> ${c.name}<small>${c.detail}</small></li>`,
    )}</ul>
<h2>Body</h2>
${
  mail.html
    ? html`<p><a href="/dev/inbox/${mail.id}/html">Open the HTML body on its own page</a> (its links work there)</p>
<iframe src="/dev/inbox/${mail.id}/html" title="The HTML body of this mail" sandbox></iframe>`
    : html`<pre class="raw">${mail.text ?? ''}</pre>`
}
<h2>Raw message</h2>
<p><a href="/dev/inbox/${mail.id}/raw">Download the raw message (.eml)</a></p>
<pre class="raw" tabindex="0" aria-label="Raw message source">${raw.toString()}</pre>`,
  });
}

const NEWSLETTER_SUBJECT = 'Acme Garden — what to plant this month';

/**
 * The newsletter as the app writes it: the mailer fills the placeholders with
 * signed links and adds List-Unsubscribe / List-Unsubscribe-Post.
 */
const newsletterBody = {
  text: 'Plant your tomatoes after the last frost.\n\nManage your preferences: {{preferences_url}}\nUnsubscribe: {{unsubscribe_url}}\n',
  html: layout({
    locale: 'en',
    title: NEWSLETTER_SUBJECT,
    body: html`<p>Plant your tomatoes after the last frost.</p>
<p><a href="{{preferences_url}}">Manage your preferences</a> · <a href="{{unsubscribe_url}}">Unsubscribe</a></p>`,
  }),
};

/**
 * Sends the newsletter through the real mailer (it asks the consent policy first:
 * only a confirmed subscriber gets it) and says what happened, for the inbox page.
 */
export async function sendNewsletter(gdpr: GdprMail, email: string): Promise<string> {
  try {
    const outcome = await gdpr.mailer.send({
      to: email,
      purposeId: 'newsletter',
      subject: NEWSLETTER_SUBJECT,
      ...newsletterBody,
    });
    // The note travels in the redirect's query string: it names no address (no personal
    // data in a URL other than a signed link).
    return outcome.status === 'sent'
      ? 'Newsletter sent.'
      : `Not sent: ${outcome.status === 'denied' ? outcome.reason : outcome.status}.`;
  } catch (error) {
    return `Not sent: ${isGdprMailError(error) ? error.code : 'error'}.`;
  }
}
