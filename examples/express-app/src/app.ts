import type { GdprMail, GdprStore } from '@gdpr-mail/core';
import { createGdprMail } from '@gdpr-mail/core';
import { html, layout } from '@gdpr-mail/core/http';
import { gdprMailOpenApi, gdprMailRouter, privacySignals } from '@gdpr-mail/express';
import type { Express } from 'express';
import express from 'express';
import { adminRouter, staffMay } from './admin.js';
import { exampleConfig } from './config.js';
import type { DevInbox } from './dev-inbox.js';
import { createDevInbox, devInboxRouter } from './dev-inbox.js';
import { privacyPage } from './privacy-page.js';

export interface ExampleAppOptions {
  /** Where the browser reaches the gdpr-mail routes, e.g. `http://localhost:3000/gdpr`. */
  baseUrl: string;
  /** Default: the SDK's embedded default store. */
  store?: GdprStore;
}

export interface ExampleApp {
  app: Express;
  gdpr: GdprMail;
  inbox: DevInbox;
}

function homePage(): string {
  return layout({
    locale: 'en',
    title: 'Acme Garden',
    body: html`<p>An ordinary Express app with gdpr-mail mounted at <code>/gdpr</code>.</p>
<ol>
<li><a href="/gdpr/signup">Sign up to our emails</a> (tick the boxes you want).</li>
<li>Open the <a href="/dev/inbox">dev inbox</a> and the confirmation mail; confirm.</li>
<li>From the dev inbox, send yourself the newsletter: it carries the preference and unsubscribe links.</li>
<li><a href="/gdpr/dsar">Ask for your data, or its erasure</a>: the confirmation link arrives in the dev inbox.</li>
</ol>
<p><a href="/openapi.json">OpenAPI document of the gdpr-mail routes</a></p>
<p>Staff: the <a href="/admin/privacy">privacy console</a> (demo login).</p>`,
  });
}

/** The demo shop: its own routes, plus the gdpr-mail router and a dev inbox. */
export function createExampleApp(options: ExampleAppOptions): ExampleApp {
  const inbox = createDevInbox();
  const config = exampleConfig(options.baseUrl);
  const gdpr = createGdprMail({
    ...config,
    // Admin exports from the privacy console: the staff member's rights decide (SEED-08).
    dsar: { authorize: (actor, action) => staffMay(actor, action) },
    transport: inbox.transport,
    mailer: { from: { address: 'news@acme-garden.example', name: 'Acme Garden' } },
    ...(options.store ? { store: options.store } : {}),
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(privacySignals());
  app.get('/', (_req, res) => {
    res.type('html').send(homePage());
  });
  app.get('/privacy', (_req, res) => {
    res.type('html').send(privacyPage());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(gdprMailOpenApi(gdpr));
  });
  app.use(
    '/gdpr',
    gdprMailRouter(gdpr, {
      onError: (error) => console.error(error),
    }),
  );
  // The privacy console, behind the shop's staff login (here a demo one).
  app.use(adminRouter(gdpr, config.secrets.pepper));
  // The dev inbox shows every mail (with its tokens) and sends newsletters: never in production.
  if (process.env.NODE_ENV !== 'production') app.use('/dev', devInboxRouter(gdpr, inbox));
  return { app, gdpr, inbox };
}
