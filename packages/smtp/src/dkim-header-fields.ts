/**
 * nodemailer's default signed header list (RFC 4871 §5.5) plus
 * List-Unsubscribe-Post, which it omits: Gmail and Yahoo only honour one-click
 * unsubscribe when DKIM covers both List-Unsubscribe headers (RFC 8058 §4).
 */
export const DKIM_HEADER_FIELDS: readonly string[] = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'Content-ID',
  'Content-Description',
  'Resent-Date',
  'Resent-From',
  'Resent-Sender',
  'Resent-To',
  'Resent-Cc',
  'Resent-Message-ID',
  'In-Reply-To',
  'References',
  'List-Id',
  'List-Help',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'List-Subscribe',
  'List-Post',
  'List-Owner',
  'List-Archive',
];

const REQUIRED = ['List-Unsubscribe', 'List-Unsubscribe-Post'];

/** The colon-separated list nodemailer's signer takes, with both unsubscribe headers in it. */
export function dkimHeaderFieldNames(fields: readonly string[] = DKIM_HEADER_FIELDS): string {
  const lower = new Set(fields.map((field) => field.toLowerCase()));
  const missing = REQUIRED.filter((field) => !lower.has(field.toLowerCase()));
  return [...fields, ...missing].join(':');
}
