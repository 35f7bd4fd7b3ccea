import { describe, expect, it } from 'vitest';
import { mapSmtpError } from './http-client.js';

const reply = (responseCode: number, response: string, code = 'EMESSAGE') =>
  Object.assign(new Error(`Message failed: ${response}`), { code, responseCode, response });

const category = (error: unknown, dataSent = false) => {
  const result = mapSmtpError(error, dataSent);
  return result.status === 'failed'
    ? [result.error.category, result.error.retryable]
    : [result.status, false];
};

describe('mapSmtpError', () => {
  it.each([
    [421, '421 4.7.0 service not available, closing channel', 'transient', true],
    [450, '450 4.2.1 mailbox busy', 'transient', true],
    [451, '451 4.3.0 local error', 'transient', true],
    [452, '452 4.5.3 too many recipients', 'transient', true],
    [421, '421 4.7.28 Our system has detected an unusual rate of mail', 'rate-limited', true],
    [450, '450 4.7.1 throttled, slow down', 'rate-limited', true],
    [550, '550 5.1.1 no such user', 'rejected', false],
    [552, '552 5.3.4 message too big', 'rejected', false],
    [554, '554 5.7.1 message refused', 'rejected', false],
    [554, '554 5.0.0 Account is suspended', 'account-blocked', false],
    [535, '535 5.7.8 authentication failed', 'auth', false],
    [530, '530 5.7.0 authentication required', 'auth', false],
    [503, '503 5.5.1 bad sequence of commands', 'transient', true],
  ])('maps %i "%s" to %s', (code, response, expected, retryable) => {
    expect(category(reply(code, response))).toEqual([expected, retryable]);
    // A reply is an answer even after DATA: never ambiguous.
    expect(category(reply(code, response), true)).toEqual([expected, retryable]);
  });

  it('keeps the reply and enhanced codes, and no address, in the result', () => {
    const result = mapSmtpError(reply(550, '550 5.1.1 <bob@example.test>: no such user'), false);
    expect(result).toMatchObject({ status: 'failed', error: { providerCode: '550 5.1.1' } });
    if (result.status === 'failed') expect(result.error.message).not.toContain('bob@');
  });

  it.each(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EPROTOCOL'])(
    'maps a %s before the body was sent to transient, after it to ambiguous',
    (code) => {
      const error = Object.assign(new Error('Connection closed unexpectedly'), { code });
      expect(category(error, false)).toEqual(['transient', true]);
      expect(category(error, true)).toEqual(['ambiguous', false]);
    },
  );

  it('maps an abort to aborted before the body was sent and ambiguous after', () => {
    const error = Object.assign(new Error('Message sending aborted'), { code: 'EABORT' });
    expect(category(error, false)).toEqual(['aborted', false]);
    expect(category(error, true)).toEqual(['ambiguous', false]);
  });

  it('maps missing credentials to auth and a local message error to invalid', () => {
    expect(category(Object.assign(new Error('no creds'), { code: 'ENOAUTH' }))).toEqual([
      'auth',
      false,
    ]);
    expect(category(Object.assign(new Error('bad envelope'), { code: 'EENVELOPE' }))).toEqual([
      'invalid',
      false,
    ]);
  });

  it.each([
    ['CERT_HAS_EXPIRED', { code: 'ESOCKET', originalCode: 'CERT_HAS_EXPIRED' }],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }],
    ['SELF_SIGNED_CERT_IN_CHAIN', { code: 'ETLS', cause: { code: 'SELF_SIGNED_CERT_IN_CHAIN' } }],
    [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      { code: 'ESOCKET', originalCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    ],
    [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      { code: 'ESOCKET', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    ],
  ])(
    'maps a refused TLS certificate (%s) to a non-retryable auth failure',
    (providerCode, fields) => {
      const error = Object.assign(new Error('refused for <bob@example.test>'), fields);
      for (const dataSent of [false, true]) {
        const result = mapSmtpError(error, dataSent);
        expect(result).toMatchObject({
          status: 'failed',
          error: { category: 'auth', retryable: false, providerCode },
        });
        if (result.status === 'failed') {
          expect(result.error.message).toContain('TLS certificate');
          expect(result.error.message).not.toContain('bob@');
        }
      }
    },
  );

  it.each([
    ['Error initiating TLS - certificate has expired', 'CERT_HAS_EXPIRED'],
    ['Error initiating TLS - self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    [
      'Error initiating TLS - self signed certificate in certificate chain',
      'SELF_SIGNED_CERT_IN_CHAIN',
    ],
    [
      'Error initiating TLS - unable to verify the first certificate',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ],
    [
      "Error initiating TLS - Hostname/IP does not match certificate's altnames: Host: a. is not in the cert's altnames: DNS:b",
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ],
  ])(
    'reads the certificate failure from nodemailer\'s ETLS wrapping "%s"',
    (text, providerCode) => {
      const result = mapSmtpError(Object.assign(new Error(text), { code: 'ETLS' }), false);
      expect(result).toMatchObject({
        status: 'failed',
        error: { category: 'auth', retryable: false, providerCode },
      });
    },
  );

  it('keeps a TLS failure that is not about the certificate transient', () => {
    const error = Object.assign(new Error('Connection closed unexpectedly'), { code: 'ETLS' });
    expect(category(error, false)).toEqual(['transient', true]);
  });
});
