import type { GdprMail } from '@gdpr-mail/core';
import { InMemoryTransport } from '@gdpr-mail/core';
import { html, layout } from '@gdpr-mail/core/http';

// The dev inbox without a framework: the Express router (dev-inbox.ts) and the Nest
// example's controller both serve these pages.

export interface InboxMail {
  id: number;
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
 * flow runs without an SMTP server. Never use it in production.
 */
export interface DevInbox {
  transport: InMemoryTransport;
  readonly mails: InboxMail[];
}

export function createDevInbox(): DevInbox {
  const transport = new InMemoryTransport({
    processor: {
      name: 'Dev inbox (in memory)',
      role: 'email delivery (development)',
      country: 'FR',
    },
  });
  const receivedAt = new Map<string, Date>();
  return {
    transport,
    get mails() {
      return transport.sent.map((sent, i) => {
        const m = sent.message;
        const at = receivedAt.get(sent.providerMessageId) ?? new Date();
        receivedAt.set(sent.providerMessageId, at);
        return {
          id: i + 1,
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
  };
}

export function inboxPage(inbox: DevInbox, note: string | undefined): string {
  const rows = [...inbox.mails].reverse().map(
    (mail) => html`<tr>
<td>${mail.receivedAt.toISOString().slice(11, 19)}</td>
<td>${mail.to}</td>
<td><a href="/dev/inbox/${mail.id}">${mail.subject}</a></td>
<td>${mail.kind}</td>
</tr>`,
  );
  return layout({
    locale: 'en',
    title: 'Dev inbox',
    body: html`<p>Every mail the app sends lands here (development only). <a href="/">Home</a></p>
${note ? html`<p role="status" class="note">${note}</p>` : ''}
${
  inbox.mails.length === 0
    ? html`<p>No mail yet: <a href="/gdpr/signup">sign up</a> first.</p>`
    : html`<table>
<thead><tr><th>Time</th><th>To</th><th>Subject</th><th>Kind</th></tr></thead>
<tbody>${rows}</tbody>
</table>`
}
<h2>Send the newsletter</h2>
<p><code>gdpr.mailer.send()</code> asks the consent policy first: only a confirmed subscriber gets it.</p>
<form method="post" action="/dev/newsletter">
<label for="to">Address</label>
<input type="email" id="to" name="email" required>
<button type="submit">Send the newsletter</button>
</form>`,
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
    return outcome.status === 'sent'
      ? `Newsletter sent to ${email}.`
      : `Not sent to ${email}: ${outcome.status === 'denied' ? outcome.reason : outcome.status}.`;
  } catch (error) {
    return `Not sent: ${error instanceof Error ? error.message : 'error'}`;
  }
}
