import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { ValidatedMessage } from '@gdpr-mail/core';
import { dkimHeaderFieldNames, nodemailerMail } from '@gdpr-mail/smtp';
import nodemailer from 'nodemailer';
import type { DkimKeyRecord } from './mail-checks.js';

/** A signing key made at start-up, for the dev inbox only: nothing is published anywhere. */
export interface DevDkimKey extends DkimKeyRecord {
  privateKey: string;
}

export function createDevDkimKey(
  domainName = 'acme-garden.example',
  keySelector = 'dev',
): DevDkimKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    domainName,
    keySelector,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    record: `v=DKIM1; k=rsa; p=${spki}`,
  };
}

/**
 * Writes a message as @gdpr-mail/smtp would put it on the wire: the same
 * nodemailer message (`nodemailerMail()`), DKIM over the same header list
 * (`dkimHeaderFieldNames()`, both List-Unsubscribe headers in it). So the dev
 * inbox shows, and checks, the source a mailbox provider would receive.
 */
export function createMailSource(key: DevDkimKey): (message: ValidatedMessage) => Promise<Buffer> {
  const writer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
    dkim: {
      domainName: key.domainName,
      keySelector: key.keySelector,
      privateKey: key.privateKey,
      headerFieldNames: dkimHeaderFieldNames(),
    },
  });
  return async (message) => {
    const messageId = message.messageId ?? `<${randomUUID()}@${key.domainName}>`;
    const info = await writer.sendMail(nodemailerMail(message, messageId));
    return info.message as Buffer;
  };
}
