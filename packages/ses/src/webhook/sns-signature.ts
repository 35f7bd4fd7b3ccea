import { createPublicKey, createVerify, type KeyObject, X509Certificate } from 'node:crypto';
import { type SnsMessage, snsStringToSign } from './sns-message.js';

/** The hosts SNS signs from: `https://sns.<region>.amazonaws.com[.cn]/…`. */
export const SNS_HOST_PATTERN = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;

/** Whether a URL is one of SNS's own (https, an sns.<region>.amazonaws.com host, no port, no user). */
export function isSnsUrl(value: string): boolean {
  if (!SNS_HOST_PATTERN.test(value)) return false;
  try {
    const url = new URL(value);
    return (
      url.protocol === 'https:' &&
      url.port === '' &&
      url.username === '' &&
      url.password === '' &&
      /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(url.hostname)
    );
  } catch {
    return false;
  }
}

/** Whether a SigningCertURL may be fetched: an SNS URL to a `.pem` file. */
export function isSnsSigningCertUrl(value: string): boolean {
  return isSnsUrl(value) && new URL(value).pathname.endsWith('.pem');
}

const ALGORITHMS: Readonly<Record<string, string>> = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' };

export function signatureAlgorithm(version: string): string | undefined {
  return ALGORITHMS[version];
}

/**
 * The public key of a PEM certificate (what SNS serves). A bare PEM public
 * key is accepted too. Throws when the PEM is neither, or the certificate is
 * not valid at `now`.
 */
export function signingKey(pem: string, now: Date): KeyObject {
  if (pem.includes('-----BEGIN CERTIFICATE-----')) {
    const certificate = new X509Certificate(pem);
    const from = Date.parse(certificate.validFrom);
    const to = Date.parse(certificate.validTo);
    if (!(from <= now.getTime() && now.getTime() <= to)) {
      throw new Error('The SNS signing certificate is not valid now.');
    }
    return certificate.publicKey;
  }
  return createPublicKey(pem);
}

/** Checks the message's Signature over the canonical string with the given key. */
export function verifySnsSignature(message: SnsMessage, key: KeyObject): boolean {
  const algorithm = signatureAlgorithm(message.SignatureVersion);
  if (algorithm === undefined) return false;
  try {
    return createVerify(algorithm)
      .update(snsStringToSign(message), 'utf8')
      .verify(key, message.Signature, 'base64');
  } catch {
    return false;
  }
}
