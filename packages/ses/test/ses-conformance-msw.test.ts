import { SESv2Client } from '@aws-sdk/client-sesv2';
import { type ReceivedMessage, runTransportConformance } from '@gdpr-mail/core/testing';
import { simpleParser } from 'mailparser';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { createSesTransport } from '../src/index.js';

// A stand-in for the SES API that refuses one recipient the way SES does (400
// MessageRejected), so the conformance suite's rejection test runs too;
// aws-ses-v2-local accepts every recipient.
const REFUSED = 'refused@example.test';
const received: ReceivedMessage[] = [];
let sequence = 0;

const server = setupServer(
  http.post(
    'https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails',
    async ({ request }) => {
      const body = (await request.json()) as {
        Destination: { ToAddresses: string[] };
        Content: { Raw: { Data: string } };
      };
      if (body.Destination.ToAddresses.includes(REFUSED)) {
        return HttpResponse.json(
          { message: `Email address is not verified: ${REFUSED}` },
          { status: 400, headers: { 'x-amzn-ErrorType': 'MessageRejected' } },
        );
      }
      const parsed = await simpleParser(Buffer.from(body.Content.Raw.Data, 'base64'));
      const headers: Record<string, string> = {};
      for (const { key, line } of parsed.headerLines) {
        headers[key] = line.slice(line.indexOf(':') + 1).replace(/^ /, '');
      }
      received.push({
        to: body.Destination.ToAddresses[0] ?? '',
        subject: parsed.subject ?? '',
        headers,
        ...(parsed.text === undefined ? {} : { text: parsed.text }),
        ...(parsed.messageId === undefined ? {} : { messageId: parsed.messageId }),
      });
      sequence += 1;
      return HttpResponse.json({ MessageId: `0102018f-msw-${sequence}` });
    },
  ),
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

runTransportConformance(
  'ses (SES API stand-in with a refused recipient)',
  () =>
    createSesTransport({
      region: 'eu-west-1',
      client: new SESv2Client({
        region: 'eu-west-1',
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
      }),
    }),
  { received: async () => received, rejectedRecipient: REFUSED },
);
