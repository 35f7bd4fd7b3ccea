export type { BrevoTransportOptions } from './config.js';
export { BREVO_MAX_BATCH, BREVO_PROCESSOR, DEFAULT_BREVO_BASE_URL } from './config.js';
export type {
  BrevoAddress,
  BrevoMessageVersion,
  BrevoSendRequest,
  ConvertOptions,
} from './message-converter.js';
export { envelopeKey, METADATA_HEADER, toBrevoRequest } from './message-converter.js';
export type { BrevoTransport } from './transport.js';
export { createBrevoTransport } from './transport.js';
export type { BrevoEvent, BrevoWebhookOptions } from './webhook.js';
export { brevoEventType, createBrevoWebhookHandler, toProviderEvent } from './webhook.js';
