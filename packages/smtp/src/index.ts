export type { SmtpDkimOptions, SmtpTransportOptions } from './config.js';
export { DKIM_HEADER_FIELDS, dkimHeaderFieldNames } from './config.js';
export { mapSmtpError } from './http-client.js';
export { nodemailerMail } from './message-converter.js';
export { createSmtpTransport } from './transport.js';
