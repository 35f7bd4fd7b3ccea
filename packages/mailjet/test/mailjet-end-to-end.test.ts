// The whole loop a user runs: the mailer sends through Mailjet (the local
// Mailjet-like API), Mailjet reports a bounce to the webhook mounted in
// Express, and the next campaign skips the address. And a campaign send lost
// after Mailjet took it, settled by `campaigns.reconcile` through `lookup`.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createGdprMail,
  MemoryStore,
  type OutgoingMessage,
  resilientTransport,
  type Transport,
} from '@gdpr-mail/core';
import { checkboxEvidence, createTestClock, testConfig } from '@gdpr-mail/core/testing';
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

describe('an ambiguous campaign send with metadata.customId → reconcile', () => {
  it('finds the message Mailjet took under the idempotency key, records it delivered and never sends it again', async () => {
    const clock = createTestClock('2026-05-01T10:00:00.000Z');
    const mailjet = createMailjetTransport({
      apiKey: PEER_KEY,
      apiSecret: PEER_SECRET,
      baseUrl: peer.baseUrl,
    });
    // The app's own wrapper, stamping its order id on every message as Mailjet's CustomID.
    const withCustomId = (message: OutgoingMessage): OutgoingMessage => ({
      ...message,
      metadata: { ...message.metadata, customId: 'order-4711' },
    });
    const transport: Transport = {
      name: mailjet.name,
      capabilities: mailjet.capabilities,
      processor: mailjet.processor,
      send: (message, options) => mailjet.send(withCustomId(message), options),
      sendBatch: (messages, options) => mailjet.sendBatch(messages.map(withCustomId), options),
      lookup: (queries, options) => mailjet.lookup(queries, options),
      close: () => mailjet.close(),
    };
    const app = createGdprMail(
      testConfig({
        store: new MemoryStore(),
        transport,
        clock,
        mailer: { from: { address: 'news@acme.test', name: 'Acme' } },
      }),
    );
    try {
      const email = 'order@example.com';
      await app.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
      const render = () => ({ subject: 'Your order', text: 'Hello' });
      const sendCalls = peer.sendCalls.length;
      // Mailjet takes the message, then the connection drops before its answer.
      peer.failNextSend({ kind: 'accept-then-reset' });
      const first = await app.campaigns.run({ id: 'orders', purposeId: 'newsletter', render });
      expect(first).toMatchObject({ sent: 0, ambiguous: 1 });
      const [lost] = await collect(app.campaigns.deliveries('orders'));
      expect(lost?.status).toBe('ambiguous');
      const key = lost?.idempotencyKey ?? '';
      expect(peer.sendCalls.slice(sendCalls)).toEqual([{ messages: 1, customIds: [key] }]);

      clock.advance(20 * 60_000);
      const report = await app.campaigns.reconcile({ campaignId: 'orders' });
      expect(report).toEqual({ checked: 1, delivered: 1, notDelivered: 0, unknown: 0 });
      const [settled] = await collect(app.campaigns.deliveries('orders'));
      expect(settled).toMatchObject({
        status: 'accepted',
        reason: 'settled-delivered',
        providerMessageId: String(peer.sentByCustomId.get(key)),
      });

      const again = await app.campaigns.run({ id: 'orders', purposeId: 'newsletter', render });
      expect(again).toMatchObject({ sent: 0, alreadySent: 1 });
      expect(peer.messages.filter((m) => m.to === email)).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
