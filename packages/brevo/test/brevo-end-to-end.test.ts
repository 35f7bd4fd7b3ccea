// The whole loop a user runs: the mailer sends through Brevo (the local
// Brevo-like API), Brevo reports a hard bounce to the webhook mounted in
// Express, and the next campaign skips the address.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGdprMail, MemoryStore, resilientTransport } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { gdprMailRouter } from '@gdpr-mail/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrevoTransport, createBrevoWebhookHandler } from '../src/index.js';
import { type BrevoPeer, PEER_KEY, startBrevoPeer } from './brevo-peer.js';

const TOKEN = 'end-to-end-token-0123456789';
let peer: BrevoPeer;
let server: Server;
let webhookUrl: string;
let gdpr: ReturnType<typeof createGdprMail>;

beforeAll(async () => {
  peer = await startBrevoPeer();
  const transport = resilientTransport(
    createBrevoTransport({ apiKey: PEER_KEY, baseUrl: peer.baseUrl }),
  );
  gdpr = createGdprMail(
    testConfig({
      store: new MemoryStore(),
      transport,
      mailer: { from: { address: 'news@acme.test', name: 'Acme' } },
    }),
  );
  const app = express();
  const webhook = createBrevoWebhookHandler(gdpr, { bearerToken: TOKEN });
  app.use('/gdpr', gdprMailRouter(gdpr, { webhooks: [webhook] }));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gdpr/webhooks/brevo`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await gdpr.close();
  await peer.close();
});

describe('mailer → Brevo → transactional webhook → suppression', () => {
  it('REQ-12/REQ-13: a campaign goes out with one-click unsubscribe headers; a hard bounce reported by Brevo stops the next one', async () => {
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
    // The Message-Id the mailer chose is the id Brevo reports, in the result and in its events.
    expect(providerMessageId).toBe(arrived[0]?.messageId);

    const bounce = JSON.stringify({
      event: 'hard_bounce',
      email,
      id: 1,
      'message-id': providerMessageId,
      ts_event: 1796112000,
      ts_epoch: 1796112000123,
      reason: 'user unknown',
      tags: ['newsletter', 'spring'],
    });
    const refused = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer wrong-token-000000000',
      },
      body: bounce,
    });
    expect(refused.status).toBe(401);
    expect(await gdpr.suppression.check(email)).toBeUndefined();

    const accepted = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
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
