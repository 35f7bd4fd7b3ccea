import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailjetTransport } from '../src/index.js';
import { type MailjetPeer, PEER_KEY, PEER_SECRET, startMailjetPeer } from './mailjet-peer.js';

let peer: MailjetPeer;
beforeAll(async () => {
  peer = await startMailjetPeer();
});
afterAll(async () => {
  await peer.close();
});

const transportFor = (baseUrl: string) =>
  createMailjetTransport({ apiKey: PEER_KEY, apiSecret: PEER_SECRET, baseUrl });

describe('eraseContact (Art. 19) against the local Mailjet-like API', () => {
  it('REQ-26: a DSAR erasure looks the contact up, deletes it with DELETE /v4/contacts/{id} and records the result', async () => {
    const transport = transportFor(peer.baseUrl);
    const gdpr = createGdprMail(
      testConfig({
        store: new MemoryStore(),
        transport,
        mailer: { from: { address: 'privacy@acme.test' } },
      }),
    );
    const email = 'erase.me@example.com';
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    // The verification mail goes out through Mailjet, which creates the contact.
    await gdpr.dsar.request({ email, type: 'erasure' });
    const mail = peer.messages.filter((m) => m.to === email).at(-1);
    const url = /(https:\/\/\S+\/dsar\/verify\/\S+)/.exec(mail?.text ?? '')?.[1] ?? '';
    expect(url).not.toBe('');
    const contactId = peer.contacts.get(email);
    expect(contactId).toBeDefined();

    const before = peer.requests.length;
    const request = await gdpr.dsar.verify(url.slice(url.lastIndexOf('/') + 1));
    const certificate = await gdpr.dsar.erase(request.id);

    expect(peer.requests.slice(before)).toEqual([
      `GET /v3/REST/contact/${encodeURIComponent(email)}`,
      `DELETE /v4/contacts/${contactId}`,
    ]);
    expect(peer.contacts.has(email)).toBe(false);
    expect(certificate.processors['Mailjet SAS']).toEqual({
      ok: true,
      detail: `contact deleted at provider (id ${contactId})`,
    });
    expect(JSON.stringify(certificate.processors)).not.toContain(email);
    await gdpr.close();
  });

  it('a contact Mailjet does not know (404 on lookup) is ok: not found at provider', async () => {
    const transport = transportFor(peer.baseUrl);
    const before = peer.requests.length;
    expect(await transport.eraseContact('never.sent@example.com')).toEqual({
      ok: true,
      detail: 'not found at provider',
    });
    expect(peer.requests.slice(before)).toEqual([
      `GET /v3/REST/contact/${encodeURIComponent('never.sent@example.com')}`,
    ]);
    await transport.close();
  });

  it('wrong credentials: not ok, and the detail names the status, not the address', async () => {
    const transport = createMailjetTransport({
      apiKey: PEER_KEY,
      apiSecret: 'wrong',
      baseUrl: peer.baseUrl,
    });
    const result = await transport.eraseContact('someone@example.com');
    expect(result).toEqual({ ok: false, detail: 'contact lookup failed: HTTP 401' });
    await transport.close();
  });

  it('a failed delete and an unreachable API are not ok, without the address', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const origin = 'https://api.mailjet.test';
    const pool = agent.get(origin);
    pool
      .intercept({ path: '/v3/REST/contact/jane%40example.com', method: 'GET' })
      .reply(200, '{"Count":1,"Data":[{"ID":42,"Email":"jane@example.com"}],"Total":1}');
    pool.intercept({ path: '/v4/contacts/42', method: 'DELETE' }).reply(500, '');
    pool.intercept({ path: '/v3/REST/contact/jane%40example.com', method: 'GET' }).replyWithError(
      Object.assign(
        new Error(
          'connect ECONNREFUSED https://api.mailjet.test/v3/REST/contact/jane%40example.com',
        ),
        {
          code: 'ECONNREFUSED',
        },
      ),
    );
    const transport = createMailjetTransport({
      apiKey: 'k',
      apiSecret: 's',
      baseUrl: origin,
      dispatcher: agent,
    });
    expect(await transport.eraseContact('jane@example.com')).toEqual({
      ok: false,
      detail: 'contact deletion failed: HTTP 500',
    });
    const unreachable = await transport.eraseContact('jane@example.com');
    expect(unreachable).toEqual({ ok: false, detail: 'contact lookup failed: ECONNREFUSED' });
    await agent.close();
  });
});
