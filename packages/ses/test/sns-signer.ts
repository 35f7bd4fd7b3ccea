// @peculiar/x509 resolves its services through tsyringe, which needs the polyfill.
import 'reflect-metadata';
import { createPrivateKey, createSign, type KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { type SnsMessage, snsStringToSign } from '../src/index.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

export interface SnsSigner {
  /** The self-signed X.509 certificate, PEM, as SNS serves it at SigningCertURL. */
  certificatePem: string;
  privateKey: KeyObject;
  /** Signs a message (SignatureVersion 1 or 2) and returns the JSON body SNS would post. */
  sign(message: Omit<SnsMessage, 'Signature' | 'SignatureVersion'>, version?: '1' | '2'): string;
}

/** An RSA key and a real self-signed certificate standing in for SNS's signing certificate. */
export async function createSnsSigner(
  validity: { notBefore?: Date; notAfter?: Date } = {},
): Promise<SnsSigner> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=sns.amazonaws.com',
    notBefore: validity.notBefore ?? new Date(Date.now() - 86_400_000),
    notAfter: validity.notAfter ?? new Date(Date.now() + 86_400_000),
    signingAlgorithm: ALGORITHM,
    keys: keys as unknown as CryptoKeyPairLike,
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return {
    certificatePem: certificate.toString('pem'),
    privateKey,
    sign(message, version = '2') {
      const full = { ...message, SignatureVersion: version, Signature: '' } as SnsMessage;
      const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
        .update(snsStringToSign(full), 'utf8')
        .sign(privateKey, 'base64');
      return JSON.stringify({ ...full, Signature: signature });
    },
  };
}

type CryptoKeyPairLike = Parameters<
  typeof x509.X509CertificateGenerator.createSelfSigned
>[0]['keys'];
