// Provider texts often quote the recipient; results and details never carry addresses.
const ADDRESS = /[^\s<>"'()[\],;:]+@[^\s<>"'()[\],;:]+/g;

export function redactAddresses(text: string): string {
  return text.replace(ADDRESS, '[address]');
}
