export { createSmtpTransport } from './create-smtp-transport.js';
export { DKIM_HEADER_FIELDS, dkimHeaderFieldNames } from './dkim-header-fields.js';
export { mapSmtpError } from './map-smtp-error.js';
export { nodemailerMail } from './nodemailer-mail.js';
export type { SmtpDkimOptions, SmtpTransportOptions } from './smtp-transport-options.js';
