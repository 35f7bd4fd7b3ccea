import { generateKeyPairSync } from 'node:crypto';
import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOneClickMail } from '../../../examples/express-app/src/mail-checks.js';
import { createSmtpTransport } from '../src/index.js';
import { type SmtpPeer, startSmtpPeer } from './smtp-peer.js';

// The whole send pipeline (policy, suppression, headers, claims, audit) over a
// real SMTP server, messages parsed with mailparser (issue #5 acceptance).
let peer: SmtpPeer;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

beforeAll(async () => {
  peer = await startSmtpPeer();
});
afterAll(async () => {
  await peer.close();
});

function gdprOverSmtp() {
  const transport = createSmtpTransport({
    host: '127.0.0.1',
    port: peer.port,
    ignoreTLS: true,
    maxConnections: 2,
    processor: { name: 'Local relay', role: 'email delivery', country: 'FR' },
    dkim: {
      domainName: 'acme.test',
      keySelector: 's1',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    },
  });
  return createGdprMail(
    testConfig({
      store: new MemoryStore(),
      transport,
      mailer: {
        from: { address: 'news@acme.test', name: 'Acme' },
        retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 },
        batchSize: 10,
      },
    }),
  );
}

const newsletter = (to: string, campaignId = `c-${Date.now()}-${Math.random()}`) => ({
  to,
  purposeId: 'newsletter',
  subject: `News for ${to} ${campaignId}`,
  text: 'Hello',
  html: '<p>Hello</p>',
  campaignId,
});

describe('mailer over SMTP', () => {
  it('REQ-12: headers arrive, DKIM verifies and covers both unsubscribe headers', async () => {
    const gdpr = gdprOverSmtp();
    await gdpr.consent.record({
      email: 'ada@example.test',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    const input = newsletter('ada@example.test');
    expect((await gdpr.mailer.send(input)).status).toBe('sent');
    const arrived = peer.messages.find((m) => m.subject === input.subject)!;
    expect(arrived.headers['list-unsubscribe']).toMatch(
      /^<https:\/\/app\.acme\.test\/gdpr\/u\/[^>]+>$/,
    );
    expect(arrived.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(arrived.text).toContain('https://app.acme.test/gdpr/u/');
    // The RFC 8058 and DKIM checks the example's dev inbox shows on every mail.
    const checks = await checkOneClickMail(arrived.raw, {
      domainName: 'acme.test',
      keySelector: 's1',
      record: `v=DKIM1; k=rsa; p=${spki}`,
    });
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['List-Unsubscribe is one HTTPS URI', 'pass'],
      ['List-Unsubscribe-Post is List-Unsubscribe=One-Click', 'pass'],
      ['DKIM signs List-Unsubscribe and List-Unsubscribe-Post', 'pass'],
      ['The DKIM signature verifies', 'pass'],
    ]);
    await gdpr.close();
  });

  it('a 451 is retried and delivered once; a 550 is reported rejected and not retried', async () => {
    const gdpr = gdprOverSmtp();
    // `later@` answers 451 on every DATA: retried up to maxAttempts, never accepted.
    for (const to of ['later@example.test', 'rejected-data@example.test']) {
      await gdpr.consent.record({
        email: to,
        purposes: ['newsletter'],
        evidence: checkboxEvidence,
      });
    }
    const report = await gdpr.mailer.sendMany([
      newsletter('later@example.test'),
      newsletter('rejected-data@example.test'),
    ]);
    expect(report.outcomes[0]).toMatchObject({
      status: 'failed',
      category: 'transient',
      retryable: true,
    });
    expect(report.outcomes[1]).toMatchObject({
      status: 'failed',
      category: 'rejected',
      retryable: false,
    });
    expect(peer.dataAttempts.get('later@example.test')).toBe(3);
    expect(peer.dataAttempts.get('rejected-data@example.test')).toBe(1);
    await gdpr.close();
  });

  it('a transient failure then success is delivered exactly once', async () => {
    const gdpr = gdprOverSmtp();
    await gdpr.consent.record({
      email: 'once@example.test',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    const input = newsletter('once@example.test', 'c-once');
    const first = await gdpr.mailer.send(input);
    const again = await gdpr.mailer.send(input);
    expect([first.status, again.status]).toEqual(['sent', 'duplicate']);
    expect(peer.messages.filter((m) => m.to === 'once@example.test')).toHaveLength(1);
    await gdpr.close();
  });

  it('a recipient without consent receives nothing and is reported with the reason', async () => {
    const gdpr = gdprOverSmtp();
    const report = await gdpr.mailer.sendMany([newsletter('stranger@example.test')]);
    expect(report.outcomes[0]).toMatchObject({ status: 'denied', reason: 'no-consent' });
    expect(peer.messages.filter((m) => m.to === 'stranger@example.test')).toHaveLength(0);
    await gdpr.close();
  });

  it('REQ-13: withdrawing between queueing and dispatch stops the send', async () => {
    const gdpr = gdprOverSmtp();
    const people = Array.from({ length: 12 }, (_, i) => `queued${i}@example.test`);
    for (const email of people) {
      await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    }
    const campaign = `c-queue-${Date.now()}`;
    async function* queue() {
      for (const [i, to] of people.entries()) {
        // After the first batch of 10 went out, the last person unsubscribes.
        if (i === 10) {
          await gdpr.consent.withdraw({
            email: people[11]!,
            purposes: ['newsletter'],
            evidence: { source: 'link' },
          });
        }
        yield newsletter(to, campaign);
      }
    }
    const report = await gdpr.mailer.sendMany(queue());
    expect(report.counts).toMatchObject({ sent: 11, denied: 1 });
    expect(peer.messages.filter((m) => m.to === people[11])).toHaveLength(0);
    await gdpr.close();
  });
});
