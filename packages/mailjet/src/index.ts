export type { MailjetTransport } from './create-mailjet-transport.js';
export {
  createMailjetTransport,
  DEFAULT_MAILJET_BASE_URL,
  MAILJET_MAX_BATCH,
} from './create-mailjet-transport.js';
export type { MailjetTransportOptions } from './mailjet-transport-options.js';
export { MAILJET_PROCESSOR } from './processor.js';
export type {
  MailjetAddress,
  MailjetMessage,
  MailjetSendRequest,
} from './send/mailjet-message.js';
export { CUSTOM_ID_METADATA_KEY, toMailjetMessage } from './send/mailjet-message.js';
export type { MailjetWebhookOptions } from './webhook/create-mailjet-webhook-handler.js';
export { createMailjetWebhookHandler } from './webhook/create-mailjet-webhook-handler.js';
export type { MailjetEvent } from './webhook/map-mailjet-event.js';
export { mailjetEventType, toProviderEvent } from './webhook/map-mailjet-event.js';
