import type { GdprMail } from '@gdpr-mail/core';
import { isCrossSiteRequest } from '@gdpr-mail/core/http';
import type { Router } from 'express';
import express from 'express';
import type { DevInbox } from './dev-inbox-kit.js';
import { inboxPage, mailPage, sendNewsletter } from './dev-inbox-kit.js';

export type { DevInbox, InboxMail } from './dev-inbox-kit.js';
export { createDevInbox } from './dev-inbox-kit.js';

export function devInboxRouter(gdpr: GdprMail, inbox: DevInbox): Router {
  const router = express.Router();
  // Every page here shows signed links (confirm, unsubscribe, DSAR): never cached, never sent
  // on as a Referer, never framed by another site (the mail page frames its own /html body).
  router.use((_req, res, next) => {
    res.set({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "frame-ancestors 'self'",
    });
    next();
  });
  router.get('/inbox', (req, res) => {
    const note = typeof req.query.note === 'string' ? req.query.note.slice(0, 300) : undefined;
    res.type('html').send(inboxPage(inbox, note));
  });
  router.get('/inbox/:id', async (req, res) => {
    const page = await mailPage(inbox, Number(req.params.id));
    if (!page) {
      res.status(404).type('text').send('No such mail.');
      return;
    }
    res.type('html').send(page);
  });
  router.get('/inbox/:id/html', (req, res) => {
    const mail = inbox.mails.find((m) => String(m.id) === req.params.id);
    if (!mail?.html) {
      res.status(404).type('text').send('No such mail.');
      return;
    }
    res.type('html').send(mail.html);
  });
  router.get('/inbox/:id/raw', async (req, res) => {
    const raw = await inbox.source(Number(req.params.id));
    if (!raw) {
      res.status(404).type('text').send('No such mail.');
      return;
    }
    res
      .type('message/rfc822')
      .attachment(`mail-${Number(req.params.id)}.eml`)
      .send(raw);
  });
  router.post(
    '/newsletter',
    (req, res, next) => {
      // Another site's form must not make this app mail someone.
      if (isCrossSiteRequest(req.headers, new URL(gdpr.config.links.baseUrl).origin)) {
        res.status(403).type('text').send('Refused.');
      } else next();
    },
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (req, res) => {
      const email = typeof req.body?.email === 'string' ? req.body.email : '';
      const note = await sendNewsletter(gdpr, email);
      res.redirect(303, `/dev/inbox?note=${encodeURIComponent(note)}`);
    },
  );
  return router;
}
