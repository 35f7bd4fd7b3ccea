import type { GdprMail } from '@gdpr-mail/core';
import { InMemoryTransport } from '@gdpr-mail/core';
import { html, layout } from '@gdpr-mail/core/http';
import { GdprMailService } from '@gdpr-mail/nestjs';
import {
  Body,
  Controller,
  Get,
  Header,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';

export interface InboxMail {
  id: number;
  to: string;
  subject: string;
  html?: string;
  kind: string;
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

/** The token the inbox is provided under. */
export const DEV_INBOX = Symbol.for('example-nest-app:dev-inbox');

export function createDevInbox(): DevInbox {
  const transport = new InMemoryTransport({
    processor: {
      name: 'Dev inbox (in memory)',
      role: 'email delivery (development)',
      country: 'FR',
    },
  });
  return {
    transport,
    get mails() {
      return transport.sent.map((sent, i) => ({
        id: i + 1,
        to: sent.message.to.address,
        subject: sent.message.subject,
        ...(sent.message.html === undefined ? {} : { html: sent.message.html }),
        kind: sent.message.tags?.[0] ?? 'mail',
      }));
    },
  };
}

const NEWSLETTER_SUBJECT = 'Acme Garden — what to plant this month';

/** The newsletter as the app writes it: the mailer fills in the signed links. */
const newsletterBody = {
  text: 'Plant your tomatoes after the last frost.\n\nManage your preferences: {{preferences_url}}\nUnsubscribe: {{unsubscribe_url}}\n',
  html: layout({
    locale: 'en',
    title: NEWSLETTER_SUBJECT,
    body: html`<p>Plant your tomatoes after the last frost.</p>
<p><a href="{{preferences_url}}">Manage your preferences</a> · <a href="{{unsubscribe_url}}">Unsubscribe</a></p>`,
  }),
};

function inboxPage(inbox: DevInbox, note: string | undefined): string {
  const rows = [...inbox.mails].reverse().map(
    (mail) => html`<tr>
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
<thead><tr><th>To</th><th>Subject</th><th>Kind</th></tr></thead>
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

/** The dev inbox pages, as an ordinary Nest controller injecting the service. */
@Controller('dev')
export class DevInboxController {
  constructor(
    @Inject(GdprMailService) private readonly gdpr: GdprMail,
    @Inject(DEV_INBOX) private readonly inbox: DevInbox,
  ) {}

  @Get('inbox')
  @Header('content-type', 'text/html; charset=utf-8')
  list(@Query('note') note?: string): string {
    return inboxPage(this.inbox, typeof note === 'string' ? note.slice(0, 300) : undefined);
  }

  @Get('inbox/:id')
  @Header('content-type', 'text/html; charset=utf-8')
  show(@Param('id') id: string): string {
    const mail = this.inbox.mails.find((m) => String(m.id) === id);
    if (!mail?.html) throw new NotFoundException('No such mail.');
    return mail.html;
  }

  @Post('newsletter')
  async newsletter(@Body() body: { email?: unknown }, @Res() res: Response): Promise<void> {
    const email = typeof body?.email === 'string' ? body.email : '';
    let note: string;
    try {
      const outcome = await this.gdpr.mailer.send({
        to: email,
        purposeId: 'newsletter',
        subject: NEWSLETTER_SUBJECT,
        ...newsletterBody,
      });
      note =
        outcome.status === 'sent'
          ? `Newsletter sent to ${email}.`
          : `Not sent to ${email}: ${outcome.status === 'denied' ? outcome.reason : outcome.status}.`;
    } catch (error) {
      note = `Not sent: ${error instanceof Error ? error.message : 'error'}`;
    }
    res.redirect(303, `/dev/inbox?note=${encodeURIComponent(note)}`);
  }
}
