// The whole loop a user runs: the mailer sends through Mailjet (the local
// Mailjet-like API), Mailjet reports a bounce to the webhook mounted in
// Express, and the next campaign skips the address.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGdprMail, MemoryStore, resilientTransport } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { gdprMailRouter } from '@gdpr-mail/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailjetTransport, createMailjetWebhookHandler } from '../src/index.js';
import { type MailjetPeer, PEER_KEY, PEER_SECRET, startMailjetPeer } from './mailjet-peer.js';

const SECRET = 'end-to-end-secret-0123456789';
let peer: MailjetPeer;
let server: Server;
let webhookUrl: string;
let gdpr: ReturnType<typeof createGdprMail>;

beforeAll(async () => {
  peer = await startMailjetPeer();
  const transport = resilientTransport(
    createMailjetTransport({ apiKey: PEER_KEY, apiSecret: PEER_SECRET, baseUrl: peer.baseUrl }),
  );
  gdpr = createGdprMail(
    testConfig({
      store: new MemoryStore(),
      transport,
      mailer: { from: { address: 'news@acme.test', name: 'Acme' } },
    }),
  );
  const app = express();
  const webhook = createMailjetWebhookHandler(gdpr, {
    basicAuth: { username: 'mailjet', password: 'e2e-password' },
    secret: SECRET,
  });
  app.use('/gdpr', gdprMailRouter(gdpr, { webhooks: [webhook] }));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gdpr/webhooks/mailjet`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await gdpr.close();
  await peer.close();
});

const authorization = `Basic ${Buffer.from('mailjet:e2e-password').toString('base64')}`;

describe('mailer → Mailjet → event webhook → suppression', () => {
  it('REQ-12/REQ-13: a campaign goes out with one-click unsubscribe headers; a hard bounce reported by Mailjet stops the next one', async () => {
    const email = 'loop@example.com';
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    const first = await gdpr.mailer.sendMany([
      {
        to: email,
        purposeId: 'newsletter',
        subject: 'Spring',
        text: 'Hello',
        campaignId: 'spring',
      },
    ]);
    expect(first.counts.sent).toBe(1);
    const sent = first.outcomes[0];
    const providerMessageId = sent?.status === 'sent' ? sent.providerMessageId : '';
    const arrived = peer.messages.filter((m) => m.to === email);
    expect(arrived).toHaveLength(1);
    expect(arrived[0]?.headers['list-unsubscribe']).toMatch(
      /<https:\/\/app\.acme\.test\/gdpr\/u\//,
    );
    expect(arrived[0]?.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');

    const bounce = `[{"event":"bounce","time":1733300000,"MessageID":${providerMessageId},"email":"${email}","hard_bounce":true,"blocked":false,"error_related_to":"recipient","error":"user unknown"}]`;
    const refused = await fetch(`${webhookUrl}?key=${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bounce,
    });
    expect(refused.status).toBe(401);
    expect(await gdpr.suppression.check(email)).toBeUndefined();

    const accepted = await fetch(`${webhookUrl}?key=${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: bounce,
    });
    expect(accepted.status).toBe(200);
    expect((await gdpr.suppression.check(email))?.reason).toBe('hard-bounce');

    const second = await gdpr.mailer.sendMany([
      {
        to: email,
        purposeId: 'newsletter',
        subject: 'Summer',
        text: 'Hello',
        campaignId: 'summer',
      },
    ]);
    expect(second.outcomes[0]?.status).toBe('denied');
    expect(peer.messages.filter((m) => m.to === email)).toHaveLength(1);
  });
});
