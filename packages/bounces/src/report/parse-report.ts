import { field, type HeaderFields, parseHeaderFields } from '../mime/header-fields.js';
import { type MimePart, parseMime, walkParts } from '../mime/mime-part.js';
import { addressesIn, addressIn, messageIdIn } from './addresses.js';
import { isAutoReply } from './auto-reply.js';
import { parseDeliveryStatus } from './delivery-status.js';
import type { ParsedReport, ReportRecipient } from './report-types.js';
import { looksLikeBounce, parseTextBounce } from './text-bounce.js';

/** Reports larger than this are not read (a returned message with big attachments is cut by MTAs anyway). */
export const MAX_REPORT_BYTES = 10 * 1024 * 1024;

/** ARF Feedback-Types (RFC 5965 §7.3) by which a recipient complains about the mail. */
const COMPLAINT_FEEDBACK_TYPES = new Set(['abuse', 'fraud', 'other']);

const STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const HEADERS_TYPES = new Set(['text/rfc822-headers', 'message/global-headers']);

/** Headers of the message the report returns: a headers part, or the head of a returned message. */
function returnedHeaders(root: MimePart): HeaderFields | undefined {
  for (const part of walkParts(root)) {
    if (part === root) continue;
    if (HEADERS_TYPES.has(part.type)) return parseHeaderFields(part.text);
    if ((part.type === 'message/rfc822' || part.type === 'message/global') && part.parts[0]) {
      return part.parts[0].headers;
    }
  }
  return undefined;
}

/** Message-ID and To of a message copied inline below a text bounce. */
function inlineCopy(body: string): { messageId?: string; to?: string } {
  const messageId = /^message-id:[ \t]*(<[^<>\s]+>)/im.exec(body)?.[1];
  const to = /^to:[ \t]*(.+)$/im.exec(body)?.[1];
  return { ...(messageId ? { messageId } : {}), ...(to ? { to } : {}) };
}

function deliveredTo(headers: HeaderFields): string[] {
  return ['delivered-to', 'x-original-to', 'envelope-to', 'to'].flatMap((name) =>
    (headers.get(name) ?? []).flatMap(addressesIn),
  );
}

/** A single addressee of the returned message, used when a recipient line has no address. */
function soleAddressee(to: string | undefined): string | undefined {
  const all = addressesIn(to);
  return all.length === 1 ? all[0] : undefined;
}

function withFallback(
  recipients: ReportRecipient[],
  fallback: string | undefined,
): ReportRecipient[] {
  if (fallback === undefined) return recipients;
  return recipients.map((r) => (r.email === undefined ? { ...r, email: fallback } : r));
}

function firstText(root: MimePart): string {
  for (const part of walkParts(root)) {
    if (part.type === 'text/plain' && part.parts.length === 0) return part.text;
  }
  return root.text;
}

/**
 * Reads one mail of a bounce mailbox. Never throws: whatever cannot be read
 * comes back as `malformed` with a reason, so one bad mail cannot stop the reader.
 */
export function parseReport(source: Uint8Array): ParsedReport {
  try {
    return readReport(source);
  } catch (error) {
    const name = error instanceof Error ? error.name : 'unknown';
    return {
      kind: 'malformed',
      format: 'none',
      recipients: [],
      deliveredTo: [],
      problem: `unreadable (${name})`,
    };
  }
}

function readReport(source: Uint8Array): ParsedReport {
  if (source.byteLength > MAX_REPORT_BYTES) {
    return {
      kind: 'malformed',
      format: 'none',
      recipients: [],
      deliveredTo: [],
      problem: 'too large',
    };
  }
  const root = parseMime(Buffer.from(source).toString('utf8'));
  const { headers } = root;
  const reportMessageId = messageIdIn(field(headers, 'message-id'));
  const base = {
    deliveredTo: deliveredTo(headers),
    ...(reportMessageId ? { reportMessageId } : {}),
  };
  const referenced =
    messageIdIn(field(headers, 'in-reply-to')) ?? messageIdIn(field(headers, 'references'));
  const malformed = (problem: string): ParsedReport => ({
    kind: 'malformed',
    format: 'none',
    recipients: [],
    ...base,
    problem,
  });

  const reportType =
    root.type === 'multipart/report' ? root.params['report-type']?.toLowerCase() : undefined;
  if (reportType === 'delivery-status' || reportType === 'global-delivery-status') {
    const statusPart = [...walkParts(root)].find((p) => STATUS_TYPES.has(p.type));
    if (!statusPart) return malformed('no delivery-status part');
    if (statusPart.damaged || statusPart.text.trim() === '') {
      return malformed('unreadable delivery-status part');
    }
    const status = parseDeliveryStatus(statusPart.text);
    if (status.recipients.length === 0) return malformed('no recipient in delivery-status');
    const original = returnedHeaders(root);
    const originalMessageId =
      messageIdIn(original && field(original, 'message-id')) ??
      status.originalMessageId ??
      referenced;
    const recipients = withFallback(
      status.recipients,
      soleAddressee(original && field(original, 'to')),
    );
    return {
      kind: 'delivery-status',
      format: statusPart.type === 'message/global-delivery-status' ? 'rfc6533' : 'rfc3464',
      recipients,
      ...(originalMessageId ? { originalMessageId } : {}),
      ...base,
    };
  }

  if (reportType === 'feedback-report') {
    const feedback = [...walkParts(root)].find((p) => p.type === 'message/feedback-report');
    if (!feedback || feedback.damaged) return malformed('no feedback-report part');
    const fields = parseHeaderFields(feedback.text);
    const feedbackType = field(fields, 'feedback-type')?.toLowerCase();
    if (feedbackType === undefined) return malformed('no Feedback-Type');
    const original = returnedHeaders(root);
    const originalMessageId = messageIdIn(original && field(original, 'message-id')) ?? referenced;
    const email =
      addressIn(field(fields, 'original-rcpt-to')) ??
      soleAddressee(original && field(original, 'to'));
    // Only a person's complaint suppresses: abuse, fraud (phishing) and other
    // (RFC 5965). not-spam (RFC 6650) reverses one; auth-failure (RFC 6591, an
    // SPF/DKIM/DMARC failure) and virus are about the message or the sending
    // domain, and a type this reader does not know is no complaint either.
    const outcome = COMPLAINT_FEEDBACK_TYPES.has(feedbackType) ? 'complaint' : 'delivered';
    return {
      kind: 'feedback-report',
      format: 'arf',
      recipients: [
        { ...(email ? { email } : {}), outcome, diagnostic: `feedback-type ${feedbackType}` },
      ],
      ...(originalMessageId ? { originalMessageId } : {}),
      ...base,
    };
  }

  if (reportType !== undefined) return malformed(`unknown report-type`);

  const fromLocal = (addressIn(field(headers, 'from')) ?? field(headers, 'from') ?? '').trim();
  const failed = field(headers, 'x-failed-recipients');
  if (looksLikeBounce(fromLocal, field(headers, 'subject') ?? '', failed)) {
    const body = firstText(root);
    const parsed = parseTextBounce(body, failed);
    const copy = inlineCopy(body);
    const originalMessageId = copy.messageId ?? referenced;
    return {
      kind: 'text-bounce',
      format: parsed.format,
      recipients: withFallback(parsed.recipients, soleAddressee(copy.to)),
      ...(originalMessageId ? { originalMessageId } : {}),
      ...base,
    };
  }

  if (isAutoReply(headers)) {
    return { kind: 'auto-reply', format: 'none', recipients: [], ...base };
  }
  return { kind: 'not-a-bounce', format: 'none', recipients: [], ...base };
}
