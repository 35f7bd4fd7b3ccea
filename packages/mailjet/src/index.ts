export type { MailjetTransportOptions } from './config.js';
export { DEFAULT_MAILJET_BASE_URL, MAILJET_MAX_BATCH, MAILJET_PROCESSOR } from './config.js';
export type { MailjetAddress, MailjetMessage, MailjetSendRequest } from './message-converter.js';
export { CUSTOM_ID_METADATA_KEY, toMailjetMessage } from './message-converter.js';
export type { MailjetTransport } from './transport.js';
export { createMailjetTransport } from './transport.js';
export type { MailjetEvent, MailjetWebhookOptions } from './webhook.js';
export { createMailjetWebhookHandler, mailjetEventType, toProviderEvent } from './webhook.js';
