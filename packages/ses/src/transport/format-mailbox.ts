import type { Mailbox } from '@gdpr-mail/core';

const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/** `Name <address>` for SES's address fields, the name RFC 2047-encoded when not ASCII. */
export function formatMailbox(box: Mailbox): string {
  if (box.name === undefined || box.name === '') return box.address;
  const name = PLAIN_ASCII.test(box.name)
    ? `"${box.name.replace(/["\\]/g, '\\$&')}"`
    : `=?UTF-8?B?${Buffer.from(box.name, 'utf8').toString('base64')}?=`;
  return `${name} <${box.address}>`;
}
