import { field, parseHeaderFields } from '../mime/header-fields.js';
import { addressIn, messageIdIn } from './addresses.js';
import { classifyRecipient } from './classify-status.js';
import type { ReportRecipient } from './report-types.js';

export interface DeliveryStatusFields {
  recipients: ReportRecipient[];
  /** A per-message `X-Original-Message-ID` (Gmail and others add it). */
  originalMessageId?: string;
}

/**
 * Reads the body of a `message/delivery-status` part (RFC 3464 §2.1): one
 * per-message group, then one group per recipient, separated by blank lines.
 * A recipient group needs an Action; its address may be missing (the caller
 * falls back to the returned headers or VERP).
 */
export function parseDeliveryStatus(text: string): DeliveryStatusFields {
  const groups = text
    .split(/\r?\n[ \t]*\r?\n/)
    .map((block) => block.trim())
    .filter((block) => block !== '')
    .map(parseHeaderFields);
  const recipients: ReportRecipient[] = [];
  let originalMessageId: string | undefined;
  for (const group of groups) {
    originalMessageId ??= messageIdIn(field(group, 'x-original-message-id'));
    const action = field(group, 'action');
    const finalRecipient = field(group, 'final-recipient');
    if (action === undefined && finalRecipient === undefined) continue;
    if (action === undefined) continue;
    const status = field(group, 'status')?.trim();
    const diagnostic = field(group, 'diagnostic-code')?.replace(/^\s*[\w-]+\s*;\s*/, '');
    const email = addressIn(finalRecipient) ?? addressIn(field(group, 'original-recipient'));
    recipients.push({
      ...(email === undefined ? {} : { email }),
      outcome: classifyRecipient(action, status, diagnostic),
      ...(status ? { status } : {}),
      ...(diagnostic ? { diagnostic: diagnostic.slice(0, 200) } : {}),
    });
  }
  return { recipients, ...(originalMessageId ? { originalMessageId } : {}) };
}
