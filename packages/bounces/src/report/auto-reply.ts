import { field, type HeaderFields } from '../mime/header-fields.js';

const AUTO_SUBJECT =
  /^(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheit|r[ée]ponse automatique|vacation|away from)/i;

/**
 * Vacation and out-of-office answers (RFC 3834 `Auto-Submitted: auto-replied`,
 * the older X-Autoreply / X-Autorespond / Precedence headers, Outlook's
 * "Automatic reply:" subjects). Checked after the report formats, since
 * DSNs carry `Auto-Submitted` too.
 */
export function isAutoReply(headers: HeaderFields): boolean {
  const submitted = field(headers, 'auto-submitted')?.toLowerCase();
  if (submitted !== undefined && !submitted.startsWith('no')) return true;
  if (headers.has('x-autoreply') || headers.has('x-autorespond')) return true;
  if (field(headers, 'precedence')?.toLowerCase() === 'auto_reply') return true;
  return AUTO_SUBJECT.test(field(headers, 'subject') ?? '');
}
