// Provider texts (SMTP replies, API errors) often quote the recipient.
const ADDRESS = /[^\s<>"'()[\],;:]+@[^\s<>"'()[\],;:]+/g;

/**
 * Replaces every address in a provider's text with `[address]`: results,
 * errors and erasure details never carry personal data.
 */
export function redactAddresses(text: string): string {
  return text.replace(ADDRESS, '[address]');
}
