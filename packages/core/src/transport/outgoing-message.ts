/** A mailbox: a bare address, or an address with a display name. */
export type MailboxInput = string | { address: string; name?: string };

/**
 * One message to one recipient, as the send pipeline hands it to a transport.
 * One recipient per message on purpose: consent, suppression, the unsubscribe
 * token and the delivery record are all per person, so a message never fans out.
 */
export interface OutgoingMessage {
  from: MailboxInput;
  to: MailboxInput;
  replyTo?: MailboxInput;
  subject: string;
  text?: string;
  html?: string;
  /**
   * Extra header fields, sent unchanged (e.g. `List-Unsubscribe`,
   * `List-Unsubscribe-Post`). Fields the transport owns (From, To, Subject,
   * Message-ID, Date, MIME and Bcc/Cc fields) are refused here.
   */
  headers?: Readonly<Record<string, string>>;
  /** RFC 5322 Message-ID, with angle brackets: `<id@sender.example>`. */
  messageId?: string;
  /** Passed to providers with native idempotency; an opaque id, never personal data. */
  idempotencyKey?: string;
  /** Provider tags: opaque ids only (campaign id, purpose id), never personal data. */
  tags?: readonly string[];
  /** Provider metadata: opaque ids only (delivery id, subject id), never personal data. */
  metadata?: Readonly<Record<string, string>>;
}

/** A mailbox after validation. */
export interface Mailbox {
  address: string;
  name?: string;
}

/** What `validateMessage` returns: mailboxes resolved to objects, headers copied. */
export interface ValidatedMessage
  extends Omit<OutgoingMessage, 'from' | 'to' | 'replyTo' | 'headers'> {
  from: Mailbox;
  to: Mailbox;
  replyTo?: Mailbox;
  headers: Readonly<Record<string, string>>;
}
