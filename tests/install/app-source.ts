// The small app a new user writes from the READMEs, in ESM and CommonJS forms,
// plus a TypeScript file that must type-check against the published types.

const body = (imports: string) => `${imports}

const port = Number(process.env.PORT);
const smtpPort = Number(process.env.SMTP_PORT);

const gdpr = createGdprMail({
  controller: { name: 'Acme SAS', email: 'privacy@acme.example', country: 'FR' },
  secrets: { pepper: 'install-test-pepper-0123456789abcdefgh' },
  tokens: { keys: [{ id: 'k1', secret: 'install-test-token-key-0123456789abcdef' }] },
  links: { baseUrl: \`http://localhost:\${port}/gdpr\` },
  storage: { dir: process.env.STORE_DIR },
  purposes: [
    {
      id: 'newsletter',
      title: 'Monthly newsletter',
      lawfulBasis: 'consent',
      notice: { version: '1.0', text: 'Acme SAS sends a monthly newsletter. You can withdraw at any time.' },
      retention: { duration: 'P3Y', anchor: 'last-interaction' },
    },
  ],
  transport: createSmtpTransport({
    host: '127.0.0.1',
    port: smtpPort,
    ignoreTLS: true,
    processor: { name: 'Local relay', role: 'email delivery', country: 'FR' },
  }),
  mailer: { from: { address: 'news@acme.example', name: 'Acme' }, retry: { maxAttempts: 1 } },
});

const app = express();
app.use(privacySignals());
app.use('/gdpr', gdprMailRouter(gdpr));
app.post('/send-newsletter', express.json(), async (req, res) => {
  const outcome = await gdpr.mailer.send({
    to: req.body.email,
    purposeId: 'newsletter',
    subject: 'November news',
    text: 'Hello!',
    html: '<p>Hello!</p>',
  });
  res.json({ status: outcome.status });
});
app.listen(port, () => console.log(\`listening \${port}\`));
`;

export const ESM_APP = body(`import { createGdprMail } from '@gdpr-mail/core';
import { gdprMailRouter, privacySignals } from '@gdpr-mail/express';
import { createSmtpTransport } from '@gdpr-mail/smtp';
import express from 'express';`);

export const CJS_APP = body(`const { createGdprMail } = require('@gdpr-mail/core');
const { gdprMailRouter, privacySignals } = require('@gdpr-mail/express');
const { createSmtpTransport } = require('@gdpr-mail/smtp');
const express = require('express');`);

export const TS_APP = `import { createGdprMail, isGdprMailError, type SendDecision, type Transport } from '@gdpr-mail/core';
import { gdprMailRouter, privacySignals } from '@gdpr-mail/express';
import { createMailjetTransport, createMailjetWebhookHandler } from '@gdpr-mail/mailjet';
import { GdprMailModule } from '@gdpr-mail/nestjs';
import { createSesTransport, createSesWebhookHandler } from '@gdpr-mail/ses';
import { createPgliteStore } from '@gdpr-mail/postgres';
import { createSmtpTransport } from '@gdpr-mail/smtp';
import express from 'express';

const store = await createPgliteStore({ dataDir: './data' });
const gdpr = createGdprMail({
  controller: { name: 'Acme SAS', email: 'privacy@acme.example' },
  secrets: { pepper: 'a-secret-of-at-least-32-characters!!' },
  tokens: { keys: [{ id: 'k1', secret: 'a-token-key-of-at-least-32-characters' }] },
  links: { baseUrl: 'https://acme.example/gdpr' },
  purposes: [
    {
      id: 'newsletter',
      title: 'Newsletter',
      lawfulBasis: 'consent',
      notice: { version: '1.0', text: 'Acme SAS sends a newsletter. Withdraw at any time.' },
      retention: { duration: 'P3Y', anchor: 'last-interaction' },
    },
  ],
  store,
  transport: createSmtpTransport({
    host: 'smtp.acme.example',
    port: 587,
    processor: { name: 'Relay', role: 'email delivery', country: 'FR' },
  }),
  mailer: { from: { address: 'news@acme.example' } },
});
const decision: SendDecision = await gdpr.canSend('a@example.org', 'newsletter');
const reason: string = decision.reason;
const ses: Transport = createSesTransport({ region: 'eu-west-3' });
const mailjet: Transport = createMailjetTransport({ apiKey: 'key', apiSecret: 'secret' });
const app = express();
app.use(privacySignals());
app.use(
  '/gdpr',
  gdprMailRouter(gdpr, {
    webhooks: [
      createSesWebhookHandler(gdpr, { topicArns: ['arn:aws:sns:eu-west-3:123456789012:ses'] }),
      createMailjetWebhookHandler(gdpr, { secret: 'a-webhook-secret-of-16+' }),
    ],
  }),
);
const nestModule = GdprMailModule.forRoot({ gdpr, isGlobal: true });
console.log(ses.name, mailjet.name, nestModule.module.name);
try {
  await gdpr.mailer.send({ to: 'a@example.org', purposeId: 'newsletter', subject: 's', text: reason });
} catch (error) {
  if (isGdprMailError(error, 'INVALID_EMAIL')) console.log(error.code);
}
`;
