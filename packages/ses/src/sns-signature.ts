import { createPublicKey, createVerify, type KeyObject, X509Certificate } from 'node:crypto';
import { type SnsMessage, snsStringToSign } from './sns-message.js';

/**
 * An AWS region name: two letters, an optional `-gov` (GovCloud), a direction
 * and a number (`eu-west-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`).
 * Deliberately no wider: `sns.s3.amazonaws.com` is an S3 bucket named `sns`,
 * and `sns.s3-eu-west-1.amazonaws.com` a legacy S3 name; neither is SNS.
 */
const REGION = '[a-z]{2}(?:-gov)?-[a-z]+-[0-9]{1,2}';

/**
 * The hosts SNS serves from: `sns.<region>.amazonaws.com` in the commercial
 * and GovCloud partitions, `sns.cn-<…>.amazonaws.com.cn` in the China one.
 * Anything else (S3 names, other services, other ports) is refused.
 */
export const SNS_HOST_PATTERN = new RegExp(
  `^sns\\.(?:${REGION}\\.amazonaws\\.com|cn-[a-z]+-[0-9]{1,2}\\.amazonaws\\.com\\.cn)$`,
);

/** Whether a URL is one of SNS's own: https, an SNS host, no port, no user or password. */
export function isSnsUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    url.protocol === 'https:' &&
    url.port === '' &&
    url.username === '' &&
    url.password === '' &&
    SNS_HOST_PATTERN.test(url.hostname) &&
    // Only URLs written the way they parse: no upper case host, no `:443`, no
    // backslash or other spelling the parser would quietly rewrite.
    value.startsWith(`https://${url.hostname}/`)
  );
}

/** Whether a SigningCertURL may be fetched: an SNS URL whose path ends in `.pem`, no query. */
export function isSnsSigningCertUrl(value: string): boolean {
  if (!isSnsUrl(value)) return false;
  const url = new URL(value);
  return url.pathname.endsWith('.pem') && url.search === '' && url.hash === '';
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
