import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrevoTransport } from '../src/index.js';
import { type BrevoPeer, PEER_KEY, startBrevoPeer } from './brevo-peer.js';

let peer: BrevoPeer;
beforeAll(async () => {
  peer = await startBrevoPeer();
});
afterAll(async () => {
  await peer.close();
});

const contactPath = (email: string) => `DELETE /v3/contacts/${encodeURIComponent(email)}`;

describe('eraseContact (Art. 19) against the local Brevo-like API', () => {
  it('REQ-26: a DSAR erasure deletes the contact with DELETE /v3/contacts/{email} and records the result', async () => {
    const transport = createBrevoTransport({ apiKey: PEER_KEY, baseUrl: peer.baseUrl });
    const gdpr = createGdprMail(
      testConfig({
        store: new MemoryStore(),
        transport,
        mailer: { from: { address: 'privacy@acme.test' } },
      }),
    );
    const email = 'erase.me@example.com';
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    // The verification mail goes out through Brevo, which keeps the contact.
    await gdpr.dsar.request({ email, type: 'erasure' });
    const mail = peer.messages.filter((m) => m.to === email).at(-1);
    const url = /(https:\/\/\S+\/dsar\/verify\/\S+)/.exec(mail?.text ?? '')?.[1] ?? '';
    expect(url).not.toBe('');
    expect(peer.contacts.has(email)).toBe(true);

    const before = peer.requests.length;
    const request = await gdpr.dsar.verify(url.slice(url.lastIndexOf('/') + 1));
    const certificate = await gdpr.dsar.erase(request.id);

    expect(peer.requests.slice(before)).toEqual([contactPath(email)]);
    expect(peer.contacts.has(email)).toBe(false);
    expect(certificate.processors['Sendinblue SAS (Brevo)']).toEqual({
      ok: true,
      detail: 'contact deleted at provider',
    });
    expect(JSON.stringify(certificate.processors)).not.toContain(email);
    await gdpr.close();
  });

  it('a contact Brevo does not know (404) is ok: not found at provider', async () => {
    const transport = createBrevoTransport({ apiKey: PEER_KEY, baseUrl: peer.baseUrl });
    expect(await transport.eraseContact('never.sent@example.com')).toEqual({
      ok: true,
      detail: 'not found at provider',
    });
    await transport.close();
  });

  it('a wrong key is not ok, and the detail names the status, not the address', async () => {
    const transport = createBrevoTransport({ apiKey: 'wrong', baseUrl: peer.baseUrl });
    expect(await transport.eraseContact('someone@example.com')).toEqual({
      ok: false,
      detail: 'contact deletion failed: HTTP 401',
    });
    await transport.close();
  });

  it('a failed delete and an unreachable API are not ok, without the address', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const origin = 'https://api.brevo.test';
    const path = '/v3/contacts/jane%40example.com?identifierType=email_id';
    const pool = agent.get(origin);
    pool.intercept({ path, method: 'DELETE' }).reply(500, '{"code":"internal_error"}');
    pool
      .intercept({ path, method: 'DELETE' })
      .replyWithError(
        Object.assign(new Error(`connect ECONNREFUSED ${origin}${path}`), { code: 'ECONNREFUSED' }),
      );
    const transport = createBrevoTransport({ apiKey: 'k', baseUrl: origin, dispatcher: agent });
    expect(await transport.eraseContact('jane@example.com')).toEqual({
      ok: false,
      detail: 'contact deletion failed: HTTP 500',
    });
    expect(await transport.eraseContact('jane@example.com')).toEqual({
      ok: false,
      detail: 'contact deletion failed: ECONNREFUSED',
    });
    await agent.close();
  });
});
