import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { simpleParser } from 'mailparser';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSesTransport } from '../src/index.js';

const API = 'https://email.eu-west-1.amazonaws.com/v2/email';
const server = setupServer();
let deleted: string[] = [];
let rawMails: string[] = [];

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  deleted = [];
  rawMails = [];
});
afterAll(() => server.close());

function client() {
  return new SESv2Client({
    region: 'eu-west-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
  });
}

function sesApi(suppression: 'ok' | 'missing' | 'fail' = 'ok') {
  server.use(
    http.delete(`${API}/suppression/addresses/:email`, ({ params }) => {
      deleted.push(`suppression:${String(params.email)}`);
      if (suppression === 'missing') {
        return HttpResponse.json(
          { message: 'not found' },
          { status: 404, headers: { 'x-amzn-ErrorType': 'NotFoundException' } },
        );
      }
      if (suppression === 'fail') {
        return HttpResponse.json(
          { message: 'boom' },
          { status: 500, headers: { 'x-amzn-ErrorType': 'InternalServiceErrorException' } },
        );
      }
      return HttpResponse.json({});
    }),
    http.delete(`${API}/contact-lists/:list/contacts/:email`, ({ params }) => {
      deleted.push(`contact:${String(params.list)}:${String(params.email)}`);
      return HttpResponse.json({});
    }),
    http.post(`${API}/outbound-emails`, async ({ request }) => {
      const body = (await request.json()) as { Content: { Raw: { Data: string } } };
      rawMails.push(Buffer.from(body.Content.Raw.Data, 'base64').toString('utf8'));
      return HttpResponse.json({ MessageId: `ses-${rawMails.length}` });
    }),
  );
}

describe('SES erasure (eraseContact)', () => {
  it('has no eraseContact unless erasure is configured', () => {
    expect(createSesTransport({ region: 'eu-west-1', client: client() }).eraseContact).toBe(
      undefined,
    );
  });

  it('deletes the address from the account suppression list and the contact list', async () => {
    sesApi();
    const transport = createSesTransport({
      region: 'eu-west-1',
      client: client(),
      erasure: { accountSuppressionList: true, contactListName: 'newsletter' },
    });
    expect(await transport.eraseContact?.('jane@example.com')).toEqual({
      ok: true,
      detail: 'account suppression list: deleted; contact list newsletter: deleted',
    });
    expect(deleted).toEqual([
      'suppression:jane@example.com',
      'contact:newsletter:jane@example.com',
    ]);
  });

  it('counts an address SES never had as erased, and reports a failure without the address', async () => {
    sesApi('missing');
    const transport = createSesTransport({
      region: 'eu-west-1',
      client: client(),
      erasure: { accountSuppressionList: true },
    });
    expect(await transport.eraseContact?.('jane@example.com')).toEqual({
      ok: true,
      detail: 'account suppression list: not present',
    });
    server.resetHandlers();
    sesApi('fail');
    const failed = await transport.eraseContact?.('jane@example.com');
    expect(failed).toEqual({
      ok: false,
      detail: 'account suppression list: failed (InternalServiceErrorException)',
    });
    expect(JSON.stringify(failed)).not.toContain('jane@example.com');
  });

  it('REQ-26: an erasure through gdpr.dsar reaches SES and lands in the certificate', async () => {
    sesApi();
    const transport = createSesTransport({
      region: 'eu-west-1',
      client: client(),
      erasure: { accountSuppressionList: true },
    });
    const gdpr = createGdprMail(
      testConfig({
        store: new MemoryStore(),
        transport,
        mailer: { from: { address: 'privacy@acme.test' } },
      }),
    );
    const email = 'jane@example.com';
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.dsar.request({ email, type: 'erasure' });
    const mail = await simpleParser(rawMails.at(-1) ?? '');
    const url = /(https:\/\/\S+\/dsar\/verify\/\S+)/.exec(mail.text ?? '')?.[1] ?? '';
    const request = await gdpr.dsar.verify(url.slice(url.lastIndexOf('/') + 1));
    const certificate = await gdpr.dsar.erase(request.id);
    expect(deleted).toEqual(['suppression:jane@example.com']);
    expect(certificate.processors['Amazon Web Services EMEA SARL']).toEqual({
      ok: true,
      detail: 'account suppression list: deleted',
    });
  });
});
