import { createPublicKey, createVerify, type KeyObject, X509Certificate } from 'node:crypto';
import { type SnsMessage, snsStringToSign } from './sns-message.js';

/**
 * The AWS partitions SNS posts from, after the AWS SDKs' partition table: the
 * ARN partition, the shape of its region names and its DNS suffix. Every region
 * is a prefix, a direction and a number (`eu-west-1`, `us-gov-west-1`,
 * `cn-north-1`, `eusc-de-east-1`). Deliberately no wider: `sns.s3.amazonaws.com`
 * is an S3 bucket named `sns`, and `sns.s3-eu-west-1.amazonaws.com` a legacy
 * S3 name; neither is SNS.
 */
const SNS_PARTITIONS = [
  // Commercial: two letters (never `cn`, the China partition's own prefix).
  { partition: 'aws', region: '(?!cn-)[a-z]{2}-[a-z]+-[0-9]{1,2}', dnsSuffix: 'amazonaws\\.com' },
  { partition: 'aws-us-gov', region: 'us-gov-[a-z]+-[0-9]{1,2}', dnsSuffix: 'amazonaws\\.com' },
  { partition: 'aws-cn', region: 'cn-[a-z]+-[0-9]{1,2}', dnsSuffix: 'amazonaws\\.com\\.cn' },
  // The AWS European Sovereign Cloud (eusc-de-east-1), under its own domain.
  { partition: 'aws-eusc', region: 'eusc-de-[a-z]+-[0-9]{1,2}', dnsSuffix: 'amazonaws\\.eu' },
] as const;

/**
 * The hosts SNS serves from, `sns.<region>.<partition's DNS suffix>`:
 * `sns.eu-west-1.amazonaws.com` (commercial), `sns.us-gov-west-1.amazonaws.com`
 * (GovCloud), `sns.cn-north-1.amazonaws.com.cn` (China) and
 * `sns.eusc-de-east-1.amazonaws.eu` (European Sovereign Cloud). A region only
 * with its own partition's suffix; anything else (S3 names, other services,
 * other ports) is refused.
 */
export const SNS_HOST_PATTERN = new RegExp(
  `^sns\\.(?:${SNS_PARTITIONS.map((p) => `${p.region}\\.${p.dnsSuffix}`).join('|')})$`,
);

/**
 * An SNS topic ARN: partition, `sns`, a region of that partition, 12-digit
 * account, topic name (letters, digits, `-` and `_`, an optional `.fifo`).
 */
export const SNS_TOPIC_ARN_PATTERN = new RegExp(
  `^arn:(?:${SNS_PARTITIONS.map((p) => `${p.partition}:sns:${p.region}`).join('|')}):[0-9]{12}:[A-Za-z0-9_-]{1,256}(?:\\.fifo)?$`,
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
