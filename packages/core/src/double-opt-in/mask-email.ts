/** `jane@example.com` → `j***@example.com`: shown on a page anyone with the link can open. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
