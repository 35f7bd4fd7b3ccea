import { runTransportConformance } from '@gdpr-mail/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSesTransport } from '../src/index.js';
import { type LocalSes, startLocalSesPeer } from './ses-local-peer.js';

let peer: LocalSes;
beforeAll(async () => {
  peer = await startLocalSesPeer();
});
afterAll(async () => {
  await peer.close();
});

runTransportConformance(
  'ses (raw content, aws-ses-v2-local)',
  () => createSesTransport({ region: 'eu-west-1', client: peer.client() }),
  { received: () => peer.received() },
);

runTransportConformance(
  'ses (simple content, aws-ses-v2-local)',
  () => createSesTransport({ region: 'eu-west-1', client: peer.client(), content: 'simple' }),
  { received: () => peer.received() },
);

const unsubscribe = {
  'List-Unsubscribe':
    '<https://shop.example/u/eyJrIjoiazEiLCJ0IjoidW5zdWIifQ.c2lnbmF0dXJlLWhlcmUtdGhhdC1pcy1xdWl0ZS1sb25n>, <mailto:unsubscribe@shop.example?subject=unsubscribe>',
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
};

let counter = 0;
function subject(): string {
  counter += 1;
  return `ses local ${counter} ${Date.now()}`;
}

describe('createSesTransport against aws-ses-v2-local', () => {
  it('REQ-12: Simple content: the store keeps both unsubscribe headers exactly as given', async () => {
    const transport = createSesTransport({
      region: 'eu-west-1',
      client: peer.client(),
      content: 'simple',
    });
    const msg = {
      from: { address: 'news@shop.example', name: 'Shop' },
      to: 'ada@example.test',
      subject: subject(),
      text: 'Hello Ada',
      headers: unsubscribe,
    };
    const result = await transport.send(msg);
    expect(result.status).toBe('accepted');
    const stored = (await peer.stored()).find((e) => e.subject === msg.subject);
    expect(stored?.destination.to).toEqual(['ada@example.test']);
    expect(stored?.from).toBe('"Shop" <news@shop.example>');
    expect(stored?.headers).toEqual([
      { name: 'List-Unsubscribe', value: unsubscribe['List-Unsubscribe'] },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ]);
    if (result.status === 'accepted') expect(result.providerMessageId).toBe(stored?.messageId);
  });

  it('Simple content: the display name of the recipient reaches the To header, quoted or encoded', async () => {
    const transport = createSesTransport({
      region: 'eu-west-1',
      client: peer.client(),
      content: 'simple',
    });
    const ascii = subject();
    const encoded = subject();
    for (const [title, name] of [
      [ascii, 'Ada Lovelace'],
      [encoded, 'Zoë Müller'],
    ] as const) {
      const result = await transport.send({
        from: 'news@shop.example',
        to: { address: 'ada@example.test', name },
        subject: title,
        text: 'Hello',
      });
      expect(result.status).toBe('accepted');
    }
    const stored = await peer.stored();
    expect(stored.find((e) => e.subject === ascii)?.destination.to).toEqual([
      '"Ada Lovelace" <ada@example.test>',
    ]);
    expect(stored.find((e) => e.subject === encoded)?.destination.to).toEqual([
      `=?UTF-8?B?${Buffer.from('Zoë Müller').toString('base64')}?= <ada@example.test>`,
    ]);
  });

  it('REQ-12: Raw content: the fake parses and stores the MIME, whose unsubscribe lines are byte-exact', async () => {
    const transport = createSesTransport({ region: 'eu-west-1', client: peer.client() });
    const msg = {
      from: { address: 'news@shop.example', name: 'Boutique Éléonore' },
      to: 'ada@example.test',
      subject: `Offres d’été ${subject()}`,
      text: 'Bonjour Ada, voici nos offres.',
      html: '<p>Bonjour Ada</p>',
      headers: unsubscribe,
      messageId: '<raw-1@shop.example>',
    };
    const result = await transport.send(msg);
    expect(result.status).toBe('accepted');
    const stored = (await peer.stored()).find((e) => e.subject === msg.subject);
    // The fake decoded the RFC 2047 subject and the body: the MIME is well formed.
    expect(stored?.destination.to).toEqual(['ada@example.test']);
    expect(stored?.body.text?.trim()).toBe(msg.text);
    const raw = Buffer.from(peer.sent.get(stored?.messageId ?? '')?.raw ?? []).toString('utf8');
    const lines = raw.split('\r\n');
    expect(lines).toContain(`List-Unsubscribe: ${unsubscribe['List-Unsubscribe']}`);
    expect(lines).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(lines).toContain('Message-ID: <raw-1@shop.example>');
    expect(raw).not.toMatch(/^Bcc:/im);
  });

  it('passes the configuration set and sanitised opaque tags to SES', async () => {
    const transport = createSesTransport({
      region: 'eu-west-1',
      client: peer.client(),
      configurationSetName: 'gdpr-mail-events',
    });
    const msg = {
      from: 'news@shop.example',
      to: 'ada@example.test',
      subject: subject(),
      text: 'Hello',
      tags: ['newsletter', 'spring.2026'],
      metadata: { deliveryId: 'dlv_01J:abc/1' },
    };
    const result = await transport.send(msg);
    expect(result.status).toBe('accepted');
    const call = peer.sent.get(result.status === 'accepted' ? result.providerMessageId : '');
    expect(call?.configurationSetName).toBe('gdpr-mail-events');
    expect(call?.tags).toEqual([
      { Name: 'newsletter', Value: 'true' },
      { Name: 'spring_2026', Value: 'true' },
      { Name: 'deliveryId', Value: 'dlv_01J_abc_1' },
    ]);
  });

  function account(sendingEnabled: boolean): string {
    return JSON.stringify({
      DedicatedIpAutoWarmupEnabled: false,
      Details: {
        AdditionalContactEmailAddresses: [],
        ContactLanguage: 'EN',
        MailType: 'MARKETING',
        ReviewDetails: { CaseId: 'case-1', Status: 'GRANTED' },
        UseCaseDescription: 'newsletter',
        WebsiteURL: 'https://shop.example',
      },
      EnforcementStatus: sendingEnabled ? 'HEALTHY' : 'SHUTDOWN',
      ProductionAccessEnabled: true,
      SendingEnabled: sendingEnabled,
      SendQuota: { Max24HourSend: 50000, MaxSendRate: 14, SentLast24Hours: 0 },
      SuppressionAttributes: { SuppressedReasons: [] },
    });
  }

  it('verify() checks the declared region against the client and reaches SES', async () => {
    process.env.AWS_SES_ACCOUNT = account(true);
    await expect(
      createSesTransport({ region: 'eu-west-1', client: peer.client() }).verify?.(),
    ).resolves.toBeUndefined();
    const error = await createSesTransport({ region: 'eu-central-1', client: peer.client() })
      .verify?.()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('verify() reports a paused account as PROVIDER_ACCOUNT_BLOCKED', async () => {
    process.env.AWS_SES_ACCOUNT = account(false);
    const error = await createSesTransport({ region: 'eu-west-1', client: peer.client() })
      .verify?.()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_ACCOUNT_BLOCKED' });
    delete process.env.AWS_SES_ACCOUNT;
  });
});
