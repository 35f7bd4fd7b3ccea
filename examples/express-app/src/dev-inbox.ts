import type { GdprMail } from '@gdpr-mail/core';
import type { Router } from 'express';
import express from 'express';
import type { DevInbox } from './dev-inbox-kit.js';
import { inboxPage, sendNewsletter } from './dev-inbox-kit.js';

export type { DevInbox, InboxMail } from './dev-inbox-kit.js';
export { createDevInbox } from './dev-inbox-kit.js';

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
      const note = await sendNewsletter(gdpr, email);
      res.redirect(303, `/dev/inbox?note=${encodeURIComponent(note)}`);
    },
  );
  return router;
}
