import { GdprMailError } from '@gdpr-mail/core';

function split(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) {
    throw new GdprMailError('CONFIG_INVALID', 'The VERP bounce address must be local@domain.');
  }
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/**
 * The envelope sender (return path) that makes a bounce name its recipient
 * (VERP): `bounces@shop.example` and `ann@example.org` give
 * `bounces+ann=example.org@shop.example`. Set it as the SMTP MAIL FROM of
 * each message; the receiving side returns bounces to it.
 */
export function verpReturnPath(bounceAddress: string, recipient: string): string {
  const { local, domain } = split(bounceAddress);
  const at = recipient.lastIndexOf('@');
  if (at <= 0) throw new GdprMailError('INVALID_EMAIL', 'The recipient is not an address.');
  return `${local}+${recipient.slice(0, at)}=${recipient.slice(at + 1)}@${domain}`;
}

/**
 * The recipient a VERP address encodes, or undefined when the address is not
 * a VERP form of `bounceAddress` (domain and local part compared without case).
 */
export function verpRecipient(bounceAddress: string, address: string): string | undefined {
  const { local, domain } = split(bounceAddress);
  const at = address.lastIndexOf('@');
  if (at <= 0 || address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return undefined;
  const addressLocal = address.slice(0, at);
  const prefix = `${local}+`;
  if (addressLocal.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return undefined;
  const encoded = addressLocal.slice(prefix.length);
  const eq = encoded.lastIndexOf('=');
  if (eq <= 0 || eq === encoded.length - 1) return undefined;
  return `${encoded.slice(0, eq)}@${encoded.slice(eq + 1)}`;
}
