import type { GdprMail, RenderedMail } from '@gdpr-mail/core';
import { html, layout } from '@gdpr-mail/core/http';
import type { Router } from 'express';
import express from 'express';

export interface InboxMail extends RenderedMail {
  id: number;
  kind: string;
  receivedAt: Date;
}

/**
 * A transport for development: mails stay in memory and show on /dev/inbox,
 * so the whole flow runs without an SMTP server. Never use it in production.
 */
export interface DevInbox {
  mails: InboxMail[];
  sendMail(mail: RenderedMail, kind: string): Promise<void>;
}

export function createDevInbox(): DevInbox {
  const mails: InboxMail[] = [];
  return {
    mails,
    async sendMail(mail, kind) {
      mails.push({ ...mail, id: mails.length + 1, kind, receivedAt: new Date() });
    },
  };
}

function inboxPage(inbox: DevInbox, note: string | undefined): string {
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
<p>The app asks <code>gdpr.canSend()</code> first: only a confirmed subscriber gets it.</p>
<form method="post" action="/dev/newsletter">
<label for="to">Address</label>
<input type="email" id="to" name="email" required>
<button type="submit">Send the newsletter</button>
</form>`,
  });
}

/** The newsletter a real app would send, carrying its unsubscribe and preference links. */
async function newsletter(gdpr: GdprMail, email: string): Promise<RenderedMail> {
  const unsubscribeUrl = await gdpr.links.unsubscribeUrl(email, ['newsletter']);
  const preferencesUrl = await gdpr.links.preferencesUrl(email);
  const subject = 'Acme Garden — what to plant this month';
  return {
    to: email,
    subject,
    text: `Plant your tomatoes after the last frost.\n\nManage your preferences: ${preferencesUrl}\nUnsubscribe: ${unsubscribeUrl}\n`,
    html: layout({
      locale: 'en',
      title: subject,
      body: html`<p>Plant your tomatoes after the last frost.</p>
<p><a href="${preferencesUrl}">Manage your preferences</a> · <a href="${unsubscribeUrl}">Unsubscribe</a></p>`,
    }),
  };
}

export function devInboxRouter(gdpr: GdprMail, inbox: DevInbox): Router {
  const router = express.Router();
  router.get('/inbox', (req, res) => {
    const note = typeof req.query.note === 'string' ? req.query.note.slice(0, 300) : undefined;
    res.type('html').send(inboxPage(inbox, note));
  });
  router.get('/inbox/:id', (req, res) => {
    const mail = inbox.mails.find((m) => String(m.id) === req.params.id);
    if (!mail) {
      res.status(404).type('text').send('No such mail.');
      return;
    }
    res.type('html').send(mail.html);
  });
  router.post(
    '/newsletter',
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (req, res) => {
      const email = typeof req.body?.email === 'string' ? req.body.email : '';
      let note: string;
      try {
        const decision = await gdpr.canSend(email, 'newsletter');
        if (decision.allowed) {
          await inbox.sendMail(await newsletter(gdpr, email), 'newsletter');
          note = `Newsletter sent to ${email}.`;
        } else {
          note = `Not sent to ${email}: ${decision.reason}.`;
        }
      } catch (error) {
        note = `Not sent: ${error instanceof Error ? error.message : 'error'}`;
      }
      res.redirect(303, `/dev/inbox?note=${encodeURIComponent(note)}`);
    },
  );
  return router;
}
