import { addressesIn, addressIn } from './addresses.js';
import { classifyRecipient, statusIn } from './classify-status.js';
import type { ReportFormat, ReportRecipient } from './report-types.js';

export interface TextBounce {
  format: ReportFormat;
  recipients: ReportRecipient[];
}

const DAEMON_FROM = /^(mailer-daemon|postmaster|mail delivery|mdaemon|mail administrator)/i;
const BOUNCE_SUBJECT =
  /undeliver|delivery (status notification|failure|failed|has failed|problem)|returned mail|failure notice|mail delivery failed|delayed mail|warning: message .* delayed|non.?delivery|could not be delivered/i;
const DELAYED_TEXT =
  /has not yet been delivered|will (be retried|continue)|still (being )?retr|this is a warning only|delivery (has been )?delayed/i;

/** Does the mail look like a bounce written for people (no machine-readable part)? */
export function looksLikeBounce(
  fromLocal: string,
  subject: string,
  failedRecipients: string | undefined,
): boolean {
  return (
    DAEMON_FROM.test(fromLocal) || BOUNCE_SUBJECT.test(subject) || failedRecipients !== undefined
  );
}

/** Only the explanation: everything before the returned copy of the message. */
function explanation(body: string): string {
  const cut = body.search(
    /^-{2,}\s*(Below this line is a copy|This is a copy of the message|Original message|The original message)/im,
  );
  return cut === -1 ? body : body.slice(0, cut);
}

function recipient(
  email: string | undefined,
  delayed: boolean,
  diagnostic: string,
): ReportRecipient {
  const text = diagnostic.replace(/\s+/g, ' ').trim();
  const status = statusIn(text);
  return {
    ...(email === undefined ? {} : { email }),
    outcome: classifyRecipient(delayed ? 'delayed' : 'failed', status, text),
    ...(status ? { status } : {}),
    ...(text ? { diagnostic: text.slice(0, 200) } : {}),
  };
}

/** qmail and Yahoo: `<addr>:` on a line of its own, the reason below it until a blank line. */
function angleBlocks(text: string, delayed: boolean): ReportRecipient[] {
  const out: ReportRecipient[] = [];
  for (const match of text.matchAll(/^<([^<>\s]+@[^<>\s]+)>:[ \t]*\r?\n((?:.+\r?\n?)*)/gm)) {
    out.push(recipient(match[1], delayed, match[2] ?? ''));
  }
  return out;
}

/** Exim: each address indented by two spaces, its reason indented further below it. */
function eximBlocks(text: string, delayed: boolean): ReportRecipient[] {
  const out: ReportRecipient[] = [];
  for (const match of text.matchAll(/^ {2}(\S+@\S+)[ \t]*\r?\n((?:[ \t]{3,}.*\r?\n?)*)/gm)) {
    out.push(recipient(addressIn(match[1]), delayed, match[2] ?? ''));
  }
  return out;
}

/**
 * Reads a bounce written as plain text: qmail's and Yahoo's `<addr>:`
 * blocks, Exim's indented blocks, and for the rest the X-Failed-Recipients
 * header (Exim, Gmail) or, failing that, one recipient without an address
 * whose reason is the whole text (VERP may still say who it was).
 */
export function parseTextBounce(body: string, failedRecipients: string | undefined): TextBounce {
  const text = explanation(body);
  const delayed = DELAYED_TEXT.test(text);
  if (/qmail-send program/i.test(text)) {
    return { format: 'qmail', recipients: angleBlocks(text, delayed) };
  }
  if (/unable to deliver your message to the following address/i.test(text)) {
    return { format: 'yahoo', recipients: angleBlocks(text, delayed) };
  }
  if (/created automatically by mail delivery software/i.test(text)) {
    const found = eximBlocks(text, delayed);
    if (found.length > 0) return { format: 'exim', recipients: found };
  }
  const listed = addressesIn(failedRecipients);
  if (listed.length > 0) {
    return {
      format: 'generic-text',
      recipients: listed.map((email) => recipient(email, delayed, text)),
    };
  }
  const blocks = angleBlocks(text, delayed);
  if (blocks.length > 0) return { format: 'generic-text', recipients: blocks };
  return { format: 'generic-text', recipients: [recipient(undefined, delayed, text)] };
}
